"""Gradescope's results.json (https://gradescope-autograders.readthedocs.io/en/latest/specs/).

One test per part. Scores are split into whole hundredths that add up exactly to the
top-level `score` (which Gradescope takes over the sum of the tests when both are
given), and a correct part always shows its full points. Outputs are Markdown
(`output_format: md`) so that the author's formulas render: each $..$ of author-written
feedback becomes Gradescope's $$..$$. Everything else (what a student typed, what their
code raised) is escaped, or shown as an indented code block, so that it cannot turn into
markup, links or math on the page; test names stay plain text.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..result import PartResult, Result
from .common import (
    AUTHORED,
    CENTS,
    STATUS_LABELS,
    clip,
    detail_lines,
    markdown_line,
    percent,
    points,
    rounded,
    split_scores,
)

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
MATH = "$$"     # Gradescope's delimiter for formulas in Markdown, inline and display


def _code_block(text: str) -> str:
    # An indented code block cannot be closed from inside, unlike a ``` fence.
    return "\n".join("    " + line for line in text.splitlines()) or "    "


def _code_span(text: str) -> str:
    # One more backtick than the longest run inside: nothing in `text` can close it.
    ticks = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    return f"{ticks} {' '.join(text.split())} {ticks}"


_QUOTED = ("Your answer: ", "Expected: ")


def _output(part: PartResult) -> str:
    paragraphs = [f"**{STATUS_LABELS[part.status]}**: {points(part.score)} / "
                  f"{points(part.max_score)} points"]
    feedback = clip(part.feedback, 4000) if part.feedback else None
    for line in detail_lines(part):
        if line == feedback and part.status in AUTHORED:
            paragraphs.append(markdown_line(line, math=True, math_delimiter=MATH))
        elif line == feedback:
            paragraphs.append(_code_block(line))
        elif line.startswith(_QUOTED):
            label, _, value = line.partition(": ")
            paragraphs.append(f"{label}: {_code_span(value)}")
        else:
            paragraphs.append(markdown_line(line))
    return "\n\n".join(paragraphs)


def gradescope_results(result: Result, *, visibility: str = "visible",
                       stdout_visibility: str = "hidden") -> dict[str, Any]:
    """results.json as a dict. `visibility` applies to the submission and every test
    ("hidden", "after_due_date", "after_published" or "visible"); the autograder's stdout
    is hidden by default since it is meant for the instructor."""
    if visibility not in VISIBILITIES or stdout_visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}")
    shares = iter(split_scores(result, CENTS))
    tests: list[dict[str, Any]] = []
    total = 0
    for n, exercise in enumerate(result.exercises, 1):
        for m, part in enumerate(exercise.parts, 1):
            score, max_score = next(shares)
            total += round(score * CENTS)
            tests.append({
                "name": f"{exercise.id} · {part.id}",
                "name_format": "text",
                "number": f"{n}.{m}",
                "score": score,
                "max_score": max_score,
                "status": "passed" if part.status == "correct" else "failed",
                "output": _output(part),
                "output_format": "md",
                "tags": [part.kind, part.status] + ([part.note] if part.note else []),
                "visibility": visibility,
            })
    correct = sum(p.status == "correct" for _, p in result.parts())
    summary = (f"{markdown_line(result.assignment)} · {markdown_line(result.student)}: "
               f"**{points(total / CENTS)} / {points(result.max_score)} points** "
               f"({percent(result.score, result.max_score):.0f}%); "
               f"{correct} of {len(tests)} parts correct.")
    return {
        "score": total / CENTS,
        "output": summary,
        "output_format": "md",
        "visibility": visibility,
        "stdout_visibility": stdout_visibility,
        "extra_data": {"assignment": result.assignment, "student": result.student,
                       "max_score": rounded(result.max_score),
                       "grader_version": result.grader_version},
        "tests": tests,
    }


def render_gradescope(result: Result) -> str:
    """Gradescope's results.json for `result`, as text."""
    return json.dumps(gradescope_results(result), indent=2, ensure_ascii=False) + "\n"

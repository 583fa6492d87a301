"""The student's HTML report: one self-contained page (no scripts, nothing fetched),
math as MathML, a score bar per exercise as inline SVG, readable in print."""

from __future__ import annotations

import textwrap
from collections import Counter
from typing import Any

from ..render import page
from ..result import PartResult, Result
from .common import AUTHORED, STATUS_LABELS, STATUS_MARKS, clip, percent, points


def feedback_blocks(text: str, *, markdown: bool = True) -> list[tuple[str, str]]:
    """Feedback as ("markdown" | "text" | "pre", text) blocks.

    Messages about unreadable answers end in a caret diagram (the answer on one line, a
    ^ under the problem on the next), which only makes sense in monospace with its
    spaces kept: indented lines after the first become a "pre" block. The rest is
    Markdown with $LaTeX$ when the exercise author wrote it, else plain "text".
    """
    prose = "markdown" if markdown else "text"
    blocks: list[tuple[str, list[str]]] = []
    for n, line in enumerate(clip(text, 4000).splitlines()):
        kind = "pre" if n > 0 and line[:1] in (" ", "\t") else prose
        if blocks and blocks[-1][0] == kind:
            blocks[-1][1].append(line)
        else:
            blocks.append((kind, [line]))
    return [(kind, textwrap.dedent("\n".join(lines)) if kind == "pre" else "\n".join(lines))
            for kind, lines in blocks]


def _points(score: float, max_score: float) -> str:
    total = points(max_score)
    return f"{points(score)} / {total} point{'' if total == '1' else 's'}"


def _part(part: PartResult) -> dict[str, Any]:
    return {
        "id": part.id, "kind": part.kind, "status": part.status,
        "label": STATUS_LABELS[part.status], "mark": STATUS_MARKS[part.status],
        "points": _points(part.score, part.max_score),
        "given": None if part.given is None else clip(part.given),
        "expected": part.expected,
        # A function part's "expected" names the reference implementation: prose, not code.
        "expected_is_code": part.kind != "function",
        "feedback": feedback_blocks(part.feedback, markdown=part.status in AUTHORED),
        "note": part.note,
    }


def report_context(result: Result, solutions: dict[str, str] | None = None) -> dict[str, Any]:
    """What report.html.j2 needs (see its header comment), as plain data."""
    solutions = solutions or {}
    counts = Counter(p.status for _, p in result.parts())
    exercises = []
    for exercise in result.exercises:
        exercises.append({
            "id": exercise.id, "title": exercise.title or exercise.id,
            "score": points(exercise.score), "max_score": points(exercise.max_score),
            "points": _points(exercise.score, exercise.max_score),
            "percent": percent(exercise.score, exercise.max_score),
            "parts": [_part(p) for p in exercise.parts],
            "solution": solutions.get(exercise.id, exercise.solution),
        })
    return {
        "title": f"{result.assignment}: report for {result.student}",
        "assignment": result.assignment, "student": result.student,
        # set by grade-all from the gradebook: when it was handed in, and whether late
        "handed_in": result.extra.get("handed_in"),
        "score": points(result.score), "max_score": points(result.max_score),
        "percent": percent(result.score, result.max_score),
        "counts": [(STATUS_LABELS[s], s, n) for s, n in counts.most_common()],
        "parts_total": sum(counts.values()),
        "exercises": exercises,
        "grader_version": result.grader_version,
    }


def render_html(result: Result, *, solutions: dict[str, str] | None = None) -> str:
    """The student's report as one HTML document.

    `solutions` maps exercise id → worked solution (Markdown with $LaTeX$), shown after
    each exercise's grading; without it, each ExerciseResult's own `solution` is used.
    """
    return page("report.html.j2", **report_context(result, solutions))

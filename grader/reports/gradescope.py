"""Gradescope's results.json (https://gradescope-autograders.readthedocs.io/en/latest/specs/).

One test per part. Scores are split into whole hundredths that add up exactly to the
top-level `score` (which Gradescope takes over the sum of the tests when both are
given), and a correct part always shows its full points. Names and outputs use the
"text" format: Gradescope shows them verbatim, so nothing a student typed can turn into
markup on the page.
"""

from __future__ import annotations

import json
from typing import Any

from ..result import PartResult, Result
from .common import CENTS, STATUS_LABELS, detail_lines, percent, points, rounded, split_scores


def _output(part: PartResult) -> str:
    return "\n\n".join([f"{STATUS_LABELS[part.status]}.", *detail_lines(part)])


def gradescope_results(result: Result, *, visibility: str = "visible",
                       stdout_visibility: str = "hidden") -> dict[str, Any]:
    """results.json as a dict. `visibility` applies to the submission and every test
    ("hidden", "after_due_date", "after_published" or "visible"); the autograder's stdout
    is hidden by default since it is meant for the instructor."""
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
                "output_format": "text",
                "tags": [part.kind, part.status] + ([part.note] if part.note else []),
                "visibility": visibility,
            })
    correct = sum(p.status == "correct" for _, p in result.parts())
    summary = (f"{result.assignment} · {result.student}: {points(total / CENTS)} / "
               f"{points(result.max_score)} points "
               f"({percent(result.score, result.max_score):.0f}%); "
               f"{correct} of {len(tests)} parts correct.")
    return {
        "score": total / CENTS,
        "output": summary,
        "output_format": "text",
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

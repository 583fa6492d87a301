"""What the checkers share: the outcome type, tolerance, and mistake feedback."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from .. import views
from ..result import Status
from ..spec import Mistake, Part, Tolerance
from ..variants import Variant

MAX_ANSWER_LENGTH = 500


@dataclass(frozen=True)
class Outcome:
    status: Status
    credit: float                   # fraction of the part's points, 0..1
    feedback: str = ""
    note: str | None = None
    expected: str | None = None


def close(given: float, expected: float, tol: Tolerance) -> bool:
    """PrairieLearn-style: within rel·|expected| or within abs; infinities must match."""
    if math.isnan(given) or math.isnan(expected):
        return False
    if math.isinf(given) or math.isinf(expected):
        return given == expected
    return abs(given - expected) <= max(tol.abs, tol.rel * abs(expected))


def mistake_outcome(variant: Variant, part: Part, matches: Callable[[Mistake], bool],
                    fallback: str) -> Outcome:
    """The first listed mistake the answer matches, with its feedback and credit."""
    for mistake in part.mistakes:
        if matches(mistake):
            credit = mistake.credit
            status: Status = "partial" if credit > 0 else "incorrect"
            feedback = views.text(variant, mistake.feedback, f"parts.{part.id}.mistakes")
            return Outcome(status, credit, feedback.strip(), mistake.note)
    return Outcome("incorrect", 0.0, fallback)


def correct(feedback: str = "Correct.") -> Outcome:
    return Outcome("correct", 1.0, feedback)

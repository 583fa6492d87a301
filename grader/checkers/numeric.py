"""Numeric answers: a number or arithmetic, compared with a relative/absolute tolerance."""

from __future__ import annotations

from .. import expr, views
from ..errors import ExpressionError
from ..spec import Mistake, Part
from ..variants import Variant, as_float
from .common import MAX_ANSWER_LENGTH, Outcome, close, correct, mistake_outcome


def read_number(text: str) -> float:
    """A student's number: `0.0876`, `8.76%`, `87/993`, `1.2e-3`, arithmetic; no names."""
    value = expr.parse(text, (), max_length=MAX_ANSWER_LENGTH).evaluate({})
    if isinstance(value, bool):
        raise ExpressionError("expected a number, not a comparison", text)
    return float(value)


def check_numeric(variant: Variant, part: Part, text: str) -> Outcome:
    try:
        given = read_number(text)
    except ExpressionError as exc:
        return Outcome("invalid", 0.0, f"Could not read this number: {exc.pretty()}")
    tolerance = part.tolerance
    assert tolerance is not None
    expected = as_float(views.expected_value(variant, part))
    if close(given, expected, tolerance):
        return correct()

    def matches(mistake: Mistake) -> bool:
        if mistake.answer is None:
            return False
        try:
            wrong_expr = expr.parse(mistake.answer, variant.spec.names)
            wrong = as_float(wrong_expr.evaluate(variant.values))
        except ExpressionError:
            return False
        # A mistake that coincides with the right answer for this variant cannot be told apart.
        return close(given, wrong, tolerance) and not close(wrong, expected, tolerance)

    return mistake_outcome(variant, part, matches, "Not the right value.")

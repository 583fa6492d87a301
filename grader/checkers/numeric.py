"""Numeric answers: a number or arithmetic, right to the part's significant figures.

The precision policy (DESIGN, grading semantics): an answer is accepted when it is
within one unit of the last required significant figure of the expected value (3 by
default), so a correctly rounded answer (half a unit off at most) is accepted even after
some rounding of intermediate results; an exact fraction or expression is accepted too.
`validate` proves on thousands of variants that every listed mistake lies outside this
interval, with room to spare, so that the two can never be confused.
"""

from __future__ import annotations

import math

from .. import expr, views
from ..errors import ExpressionError
from ..spec import DEFAULT_SIG_FIGS, Mistake, Part, Tolerance
from ..variants import Variant, as_float
from .common import MAX_ANSWER_LENGTH, Outcome, correct, mistake_outcome

POLICY = (f"A numeric answer is accepted when it is right to {DEFAULT_SIG_FIGS} significant "
          "figures (or exact, as a fraction or an expression); a part that needs more or "
          "less precision says so.")


def read_number(text: str) -> float:
    """A student's number: `0.0876`, `8.76%`, `87/993`, `1.2e-3`, arithmetic; no names."""
    value = expr.parse(text, (), max_length=MAX_ANSWER_LENGTH).evaluate({})
    if isinstance(value, bool):
        raise ExpressionError("expected a number, not a comparison", text)
    try:
        return float(value)
    except OverflowError:
        raise ExpressionError("number too large", text) from None


def half_width(expected: float, sig_figs: int, tolerance: Tolerance) -> float:
    """How far from `expected` an accepted answer may be: one unit in the last required
    significant figure, or the part's own tolerance where that is wider."""
    unit = 0.0
    if expected != 0 and math.isfinite(expected):
        unit = 10.0 ** (math.floor(math.log10(abs(expected))) - sig_figs + 1)
    return max(unit, tolerance.rel * abs(expected), tolerance.abs)


def accepted(given: float, expected: float, sig_figs: int, tolerance: Tolerance) -> bool:
    """Whether `given` is within the accepted interval around `expected`; infinities
    must match exactly, and nan is never accepted."""
    if math.isnan(given) or math.isnan(expected):
        return False
    if math.isinf(given) or math.isinf(expected):
        return given == expected
    return abs(given - expected) <= half_width(expected, sig_figs, tolerance)


def agreement(given: float, expected: float, tolerance: Tolerance, most: int = 12) -> int:
    """How many significant figures `given` has right (0 when not even the first)."""
    figures = 0
    while figures < most and accepted(given, expected, figures + 1, tolerance):
        figures += 1
    return figures


def round_sig(value: float, sig_figs: int) -> float:
    """`value` rounded to `sig_figs` significant figures, as a student would write it."""
    if value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.{sig_figs - 1}e}")


def check_numeric(variant: Variant, part: Part, text: str) -> Outcome:
    try:
        given = read_number(text)
    except ExpressionError as exc:
        return Outcome("invalid", 0.0, f"Could not read this number: {exc.pretty()}")
    tolerance = part.tolerance
    assert tolerance is not None
    figures = part.sig_figs
    expected = as_float(views.expected_value(variant, part))
    if accepted(given, expected, figures, tolerance):
        return correct()

    def matches(mistake: Mistake) -> bool:
        if mistake.answer is None:
            return False
        try:
            wrong = mistake_value(variant, mistake)
        except ExpressionError:
            return False
        # A mistake that coincides with the right answer for this variant cannot be told apart.
        return accepted(given, wrong, figures, tolerance) and \
            not accepted(wrong, expected, figures, tolerance)

    outcome = mistake_outcome(variant, part, matches, "Not the right value.")
    if outcome.note is None:
        right = agreement(given, expected, tolerance, most=figures - 1)
        if right >= 1:
            # Never the expected value itself: only how much of it the answer has.
            return Outcome("incorrect", 0.0, f"close: your answer agrees with the expected "
                           f"value to {right} significant figure{'s' * (right > 1)}; give at "
                           f"least {figures}.")
    return outcome


def mistake_value(variant: Variant, mistake: Mistake) -> float:
    """The value a listed mistake gives for this variant."""
    assert mistake.answer is not None
    return as_float(expr.parse(mistake.answer, variant.spec.names).evaluate(variant.values))

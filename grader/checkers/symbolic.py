"""Symbolic answers: equivalence over the declared domains, not spelling.

The student's formula and the reference are evaluated at seeded points inside the symbols'
domains with a tight tolerance (so an answer off by 0.001 is wrong). Only when too few
points can be evaluated does a time-bounded sympy proof decide; if it cannot, the answer
is not given credit and the feedback says why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

from .. import expr, views
from ..errors import ExpressionError
from ..spec import Mistake, Part, Tolerance
from ..variants import Variant, unit
from .common import MAX_ANSWER_LENGTH, Outcome, close, correct, mistake_outcome

POINTS = 24
MIN_POINTS = 6
TIGHT = Tolerance(rel=1e-8, abs=1e-10)
PROOF_SECONDS = 2.0

Verdict = Literal["equal", "different", "nowhere", "undecided"]


def sample_points(variant: Variant, part: Part, count: int = POINTS) -> list[dict[str, Any]]:
    """Points strictly inside each symbol's domain, fixed by the variant's seed."""
    points = []
    for i in range(count):
        env: dict[str, Any] = dict(variant.values)
        for s in part.symbols:
            u = unit(variant.seed, i, f"{part.id}.{s.name}")
            if s.integer:
                low, high = math.ceil(s.low), math.floor(s.high)
                env[s.name] = low + min(int(u * (high - low + 1)), high - low)
            else:
                env[s.name] = s.low + (s.high - s.low) * (0.02 + 0.96 * u)
        points.append(env)
    return points


def _value(e: expr.Expr, env: dict[str, Any]) -> float | None:
    try:
        v = e.evaluate(env)
    except ExpressionError:
        return None
    if isinstance(v, bool):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def compare(student: expr.Expr, reference: expr.Expr, points: Sequence[dict[str, Any]],
            figures: int | None = None) -> Verdict:
    """Equal, different, nowhere defined, or undecided, at the sample points.

    The absolute tolerance scales with the reference's largest value at the points, so
    a formula whose values are all tiny (a likelihood like θ^20(1-θ)^30) is not "equal"
    to 0 just because both are within a fixed 1e-10 of each other. With `figures`, the
    numbers in the student's formula may be rounded to that many significant figures:
    each term of the reference may then be off by half a unit in its last figure, so the
    tolerance at a point is that share of the sum of the terms' sizes there.
    """
    pairs: list[tuple[float, float | None, float]] = []
    for env in points:
        r = _value(reference, env)
        if r is not None:
            rounding = 0.5 * 10.0 ** (1 - figures) * _terms_size(reference, env) \
                if figures else 0.0
            pairs.append((r, _value(student, env), rounding))
    defined = len(pairs)
    scale = max((abs(r) for r, _, _ in pairs), default=0.0)
    tol = Tolerance(rel=TIGHT.rel, abs=TIGHT.abs * scale if scale > 0 else TIGHT.abs)
    student_defined = 0
    for r, s, rounding in pairs:
        if s is None:
            continue
        student_defined += 1
        if not close(s, r, Tolerance(tol.rel, tol.abs + rounding)):
            return "different"
    if defined >= MIN_POINTS and student_defined == 0:
        return "nowhere"
    if student_defined >= MIN_POINTS and student_defined == defined:
        return "equal"
    if student_defined < defined and student_defined >= MIN_POINTS:
        return "different"        # defined where the reference is not: not the same function
    return "undecided"


def _terms_size(reference: expr.Expr, env: dict[str, Any]) -> float:
    """The sum of the sizes of the reference's top-level terms at a point (its own size
    when it is not a sum)."""
    terms = reference.tree.parts() if isinstance(reference.tree, expr.Sum) else (reference.tree,)
    try:
        return sum(abs(float(t.ev(env))) for t in terms)
    except Exception:   # a term undefined here (expr's internal failure type): no rounding
        return 0.0


def prove(student: expr.Expr, reference: expr.Expr, variant: Variant, part: Part) -> bool | None:
    """A bounded sympy proof that the two are equal; None when it cannot decide in time."""
    try:
        import sympy

        symbols: dict[str, Any] = {s.name: sympy.Symbol(s.name, real=True) for s in part.symbols}
        for name in variant.spec.names:
            value = variant.values[name]
            symbols[name] = sympy.Rational(str(value)) if isinstance(value, float) else \
                sympy.sympify(value) if isinstance(value, int) else sympy.Rational(value)
        with expr.time_limit(PROOF_SECONDS):
            difference = sympy.simplify(student.to_sympy(symbols) - reference.to_sympy(symbols))
            if difference == 0:
                return True
            if difference.is_number and difference != 0:
                return False
    except (ExpressionError, TypeError, ValueError, ZeroDivisionError):
        return None
    return None


def read_formula(text: str, variant: Variant, part: Part) -> expr.Expr:
    names = [s.name for s in part.symbols] + list(variant.spec.names)
    return expr.parse(text, names, max_length=MAX_ANSWER_LENGTH)


def check_symbolic(variant: Variant, part: Part, text: str) -> Outcome:
    try:
        student = read_formula(text, variant, part)
    except ExpressionError as exc:
        return Outcome("invalid", 0.0, f"Could not read this formula: {exc.pretty()}")
    reference = views.expected_value(variant, part)
    points = sample_points(variant, part)
    figures = part.coefficient_figures
    verdict = compare(student, reference, points, figures)
    if verdict == "equal":
        return correct()
    if verdict == "undecided":
        proof = prove(student, reference, variant, part)
        if proof:
            return correct("Correct (proved symbolically).")
        if proof is None:
            return Outcome("incorrect", 0.0, "Your formula could not be evaluated at enough "
                           "points of the domain and could not be proved equal to the answer, "
                           "so it gets no credit; please simplify it or write it another way.")
    if verdict == "nowhere":
        domain = ", ".join(f"{s.name} in [{s.low:g}, {s.high:g}]" for s in part.symbols)
        return Outcome("incorrect", 0.0, f"Your formula is not defined anywhere on the domain "
                       f"({domain}): check for logs of negative numbers or divisions by zero.")

    def matches(mistake: Mistake) -> bool:
        if mistake.answer is None:
            return False
        try:
            wrong = read_formula(mistake.answer, variant, part)
        except ExpressionError:
            return False
        return compare(student, wrong, points, figures) == "equal" and \
            compare(wrong, reference, points, figures) != "equal"

    return mistake_outcome(variant, part, matches, "Not equivalent to the right formula.")

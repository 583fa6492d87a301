"""What the bank tests share: the repository's bank, its variants and their expected answers.

The topic files (tests/test_bank_<topic>.py) recompute answers by a second method; they
draw the same students' variants, so a failure names a variant anyone can reproduce.
"""

from __future__ import annotations

from typing import Any

from grader import views
from grader.bank import Bank, reference_cases
from grader.variants import Variant, make_variant, variant_seed
from tests.conftest import ROOT

SEEDS = 20
BANK = Bank(ROOT)


def variants(exercise_id: str, count: int = SEEDS) -> list[Variant]:
    """The variants of students student-0 ... student-<count-1> (salt "test-bank")."""
    spec = BANK.spec(exercise_id)
    return [make_variant(spec, variant_seed("test-bank", f"student-{i}", exercise_id))
            for i in range(count)]


def expected(variant: Variant, part_id: str) -> Any:
    """The spec's answer: a number (exact Fraction where the spec's arithmetic is exact),
    the option text of a choice part, or the Expr of a symbolic part."""
    return views.expected_value(variant, variant.spec.part(part_id))


def as_float(value: object) -> float:
    return float(value)  # type: ignore[arg-type]


def symbolic_at(variant: Variant, part_id: str, **symbols: float) -> float:
    """The spec's symbolic answer evaluated at given symbol values."""
    formula = expected(variant, part_id)
    return float(formula.evaluate({**variant.values, **symbols}))


def cases(variant: Variant, function: str) -> list[dict[str, Any]]:
    """The inputs the grader gives a function part for this variant."""
    return reference_cases(BANK, variant, function)

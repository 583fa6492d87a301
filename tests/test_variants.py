"""Variants: DESIGN's seed, platform-independent draws (pinned by golden values), constraints."""

from __future__ import annotations

import hashlib
from fractions import Fraction

import pytest

from grader.bank import Bank
from grader.spec import Param
from grader.variants import draw, make_variant, unit, variant_seed


def test_seed_is_designs_formula() -> None:
    digest = hashlib.sha256(b"fall-2026\0alice\0bayes/medical-test").digest()
    expected = int.from_bytes(digest[:8], "big")
    assert variant_seed("fall-2026", "alice", "bayes/medical-test") == expected


def test_unit_is_in_range_and_roughly_uniform() -> None:
    values = [unit(1, 0, "x", i) for i in range(4000)]
    assert all(0.0 <= v < 1.0 for v in values)
    mean = sum(values) / len(values)
    assert abs(mean - 0.5) < 0.02            # sd of the mean ≈ 0.0046
    assert len({round(v, 6) for v in values}) > 3990


def test_int_and_choice_draws_cover_their_range() -> None:
    ints = {draw(Param("k", "int", low=1, high=6), seed, 0) for seed in range(600)}
    assert ints == {1, 2, 3, 4, 5, 6}
    picks = {draw(Param("c", "choice", choices=("a", "b", "c")), seed, 0) for seed in range(200)}
    assert picks == {"a", "b", "c"}


def test_fraction_draws_are_exact() -> None:
    value = draw(Param("f", "fraction", num=(1, 5), den=(6, 9)), 42, 0)
    assert isinstance(value, Fraction)
    assert 1 / 9 <= value <= 5 / 6


def test_uniform_digits_rounds() -> None:
    value = draw(Param("u", "uniform", low=0.001, high=0.05, digits=4), 7, 0)
    assert 0.001 <= value <= 0.05
    assert round(value, 4) == value


def test_same_student_same_variant_and_students_differ(bank: Bank) -> None:
    spec = bank.spec("bayes/medical-test")
    a1 = make_variant(spec, variant_seed("s", "alice", spec.id))
    a2 = make_variant(spec, variant_seed("s", "alice", spec.id))
    assert a1.values == a2.values
    others = {tuple(make_variant(spec, variant_seed("s", f"student{i}", spec.id)).params.values())
              for i in range(20)}
    assert len(others) >= 18


def test_constraints_hold_over_many_seeds(bank: Bank) -> None:
    spec = bank.spec("bayes/medical-test")
    for i in range(200):
        variant = make_variant(spec, variant_seed("s", f"x{i}", spec.id))
        assert variant.values["posterior"] < 0.5
        p, s, f = (variant.values[k] for k in ("prevalence", "sensitivity", "fpr"))
        assert variant.values["posterior"] == pytest.approx(s * p / (s * p + f * (1 - p)))


# Golden values: the same inputs must give these on every platform, Python and NumPy.
# They pin the draw method itself (not a bank exercise, which authors may edit).
GOLDEN_PARAMS = [
    Param("u", "uniform", low=0.001, high=0.05, digits=4),
    Param("x", "uniform", low=-1, high=1),
    Param("k", "int", low=1, high=100),
    Param("c", "choice", choices=(0.9, 0.95, 0.99)),
    Param("f", "fraction", num=(1, 5), den=(6, 12)),
]
GOLDEN = {
    "alice": (5804469878879010868, {"u": 0.0031, "x": -0.38183286527254445, "k": 37, "c": 0.9,
                                    "f": Fraction(1, 9)}, 0.8107679404669826),
    "bob": (2892256228112039425, {"u": 0.0468, "x": -0.4011256716742413, "k": 10, "c": 0.9,
                                  "f": Fraction(1, 3)}, 0.8125403926599166),
    "carol": (13318243418726509068, {"u": 0.0399, "x": 0.4561429285434182, "k": 97, "c": 0.95,
                                     "f": Fraction(4, 7)}, 0.23789347613405953),
}


@pytest.mark.parametrize("student", sorted(GOLDEN))
def test_golden_draws(student: str) -> None:
    seed, values, later_unit = GOLDEN[student]
    assert variant_seed("fall-2026", student, "bayes/medical-test") == seed
    assert {p.name: draw(p, seed, 0) for p in GOLDEN_PARAMS} == values
    assert unit(seed, 3, "u") == later_unit

"""Answer checking: a table of accepted, rejected and unreadable answers for each kind.

Expected values come from the variant's parameters computed here, independently of the
spec's `derived` expressions, so a wrong spec formula would fail these tests.
"""

from __future__ import annotations

import math
import time

import pytest

from grader.bank import Bank
from grader.checkers import check_answer
from grader.variants import Variant, make_variant, variant_seed


@pytest.fixture(scope="module")
def medical(bank: Bank) -> Variant:
    spec = bank.spec("bayes/medical-test")
    return make_variant(spec, variant_seed("t", "alice", spec.id))


@pytest.fixture(scope="module")
def bernoulli(bank: Bank) -> Variant:
    spec = bank.spec("mle/bernoulli")
    return make_variant(spec, variant_seed("t", "alice", spec.id))


def posterior(v: Variant) -> float:
    p, s, f = v.values["prevalence"], v.values["sensitivity"], v.values["fpr"]
    return s * p / (s * p + f * (1 - p))


def check(v: Variant, part_id: str, text: str | None):
    return check_answer(v, v.spec.part(part_id), text)


# (text builder from the variant, expected status, expected note or None)
NUMERIC = [
    (lambda v: repr(posterior(v)), "correct", None),
    (lambda v: f"{posterior(v):.4f}", "correct", None),                 # within 1% relative
    (lambda v: f"{100 * posterior(v):.3f}%", "correct", None),
    (lambda v: f"{posterior(v) * 1.05:.6f}", "incorrect", None),        # 5% off
    (lambda v: "{s}*{p}/({s}*{p}+{f}*(1-{p}))".format(
        s=v.values["sensitivity"], p=v.values["prevalence"], f=v.values["fpr"]), "correct", None),
    (lambda v: "{s}·{p}/({s}×{p}+{f}·(1−{p}))".format(
        s=v.values["sensitivity"], p=v.values["prevalence"], f=v.values["fpr"]), "correct", None),
    (lambda v: str(v.values["sensitivity"]), "incorrect", "inverse-confusion"),
    (lambda v: f"{100 * v.values['sensitivity']:g}%", "incorrect", "inverse-confusion"),
    (lambda v: repr(v.values["sensitivity"] / (v.values["sensitivity"] + v.values["fpr"])),
     "incorrect", "base-rate-neglect"),
    (lambda v: "0.5", "incorrect", None),
    (lambda v: "", "missing", None),
    (lambda v: "   ", "missing", None),
    (lambda v: None, "missing", None),
    (lambda v: "p", "invalid", None),
    (lambda v: "0.3.4", "invalid", None),
    (lambda v: "1/0", "invalid", None),
    (lambda v: "__import__('os').system('echo hi')", "invalid", None),
    (lambda v: "().__class__.__bases__[0].__subclasses__()", "invalid", None),
    (lambda v: "lambda: 0", "invalid", None),
    (lambda v: "9**9**9**9", "invalid", None),
    (lambda v: "(" * 400 + "1" + ")" * 400, "invalid", None),
    (lambda v: "1" * 5000, "invalid", None),
    (lambda v: "((0.1)", "invalid", None),
    (lambda v: "[0.1]", "invalid", None),
    (lambda v: "'0.1'", "invalid", None),
    (lambda v: "0.1 if 1 else 2", "invalid", None),
    (lambda v: "x.y.z", "invalid", None),
    (lambda v: "open('/etc/passwd')", "invalid", None),
    (lambda v: "exp(1000000)", "invalid", None),
    (lambda v: "1 < 2", "invalid", None),
]


@pytest.mark.parametrize(("build", "status", "note"), NUMERIC,
                         ids=[f"numeric-{i}" for i in range(len(NUMERIC))])
def test_numeric_posterior(medical: Variant, build, status: str, note: str | None) -> None:
    text = build(medical)
    start = time.perf_counter()
    outcome = check(medical, "posterior", text)
    assert time.perf_counter() - start < 1.0
    assert outcome.status == status, outcome.feedback
    assert outcome.note == note
    assert outcome.credit == (1.0 if status == "correct" else 0.0)
    if status == "invalid":
        assert outcome.feedback.startswith("Could not read this number")


def test_partial_credit_for_a_listed_mistake(medical: Variant) -> None:
    v = medical.values
    outcome = check(medical, "evidence", repr(v["sensitivity"] * v["prevalence"]))
    assert (outcome.status, outcome.credit, outcome.note) == ("partial", 0.25,
                                                             "forgot-false-positives")
    assert "$P(+ \\cap D)$" in outcome.feedback


def test_fraction_answer(bank: Bank) -> None:
    spec = bank.spec("events/independence")
    v = make_variant(spec, variant_seed("t", "bob", spec.id))
    a, b = v.values["a"], v.values["b"]
    assert check(v, "conditional", f"{a}/{a + b}").status == "correct"
    assert check(v, "conditional", f"{a}/{a + v.values['c']}").note == "inverse-confusion"
    n = a + b + v.values["c"] + v.values["d"]
    assert check(v, "joint", f"{a}/{n}").status == "correct"
    assert check(v, "joint", f"({a}+{b})/{n} * ({a}+{v.values['c']})/{n}").note == \
        "assumed-independence"


SYMBOLIC = [
    ("s*p / (s*p + f*(1 - p))", "correct", None),
    ("p*s/(p*s+f-f*p)", "correct", None),
    ("1/(1 + f*(1-p)/(s*p))", "correct", None),
    ("s p/(s p + f (1-p))", "invalid", None),
    ("(s*p)/(s*p+f*(1-p)) + 0.001", "incorrect", None),               # numerically close: wrong
    ("s*p/(s*p + f*(1 + p))", "incorrect", None),
    ("s/(s+f)", "incorrect", "base-rate-neglect"),
    ("s*q/(s*q + f*(1-q))", "invalid", None),
    ("s^1*p^1/(s*p+f*(1-p))", "correct", None),
    ("exp(log(s*p)) / (s*p + f*(1-p))", "correct", None),
    ("s*p/(s*p + f*(1-p)) * (p/p)", "correct", None),
    ("s*p/(s*p+f*(1-p))**2", "incorrect", None),
    ("p.__class__", "invalid", None),
    ("sqrt(-1 - p)", "incorrect", None),                                # nowhere defined
]


@pytest.mark.parametrize(("text", "status", "note"), SYMBOLIC)
def test_symbolic_formula(medical: Variant, text: str, status: str, note: str | None) -> None:
    outcome = check(medical, "formula", text)
    assert outcome.status == status, outcome.feedback
    assert outcome.note == note


def test_symbolic_unknown_symbol_lists_the_allowed(medical: Variant) -> None:
    outcome = check(medical, "formula", "s*q")
    assert "unknown name 'q'" in outcome.feedback
    for name in ("p", "s", "f"):
        assert name in outcome.feedback


def test_symbolic_nowhere_defined_says_why(medical: Variant) -> None:
    outcome = check(medical, "formula", "log(-1 - p)")
    assert outcome.status == "incorrect"
    assert "not defined anywhere on the domain" in outcome.feedback


LOGLIK = [
    ("{k}*log(theta) + {m}*log(1-theta)", "correct", None, 1.0),
    ("log(theta^{k} * (1-theta)^{m})", "correct", None, 1.0),
    ("{k}*ln(theta) + {m}*ln(1 - theta)", "correct", None, 1.0),
    ("theta^{k}*(1-theta)^{m}", "partial", "likelihood-not-log", 0.33),
    ("-{k}*log(theta) - {m}*log(1-theta)", "partial", "sign-error", 0.5),
    ("{k}*log(theta) + {m}*log(theta)", "incorrect", None, 0.0),
    ("k*log(theta) + (n-k)*log(1-theta)", "correct", None, 1.0),   # the variant's names work too
]


@pytest.mark.parametrize(("template", "status", "note", "credit"), LOGLIK)
def test_loglikelihood_formula(bernoulli: Variant, template: str, status: str,
                               note: str | None, credit: float) -> None:
    k, n = bernoulli.values["k"], bernoulli.values["n"]
    outcome = check(bernoulli, "loglik", template.format(k=k, m=n - k))
    got = (outcome.status, outcome.note, outcome.credit)
    assert got == (status, note, credit), outcome.feedback


CHOICE = [
    ("no", "correct", None), ("No", "correct", None), ("  NO ", "correct", None),
    ("2", "correct", None), ("yes", "incorrect", "inverse-confusion"), ("1", "incorrect",
                                                                       "inverse-confusion"),
    ("maybe", "invalid", None), ("3", "invalid", None), ("", "missing", None),
]


@pytest.mark.parametrize(("text", "status", "note"), CHOICE)
def test_choice(medical: Variant, text: str, status: str, note: str | None) -> None:
    outcome = check(medical, "likely", text)
    assert (outcome.status, outcome.note) == (status, note)


def test_numeric_infinity_and_tolerance_edges(bank: Bank) -> None:
    from grader.checkers.common import close
    from grader.spec import Tolerance

    tol = Tolerance(rel=0.01, abs=1e-8)
    assert close(math.inf, math.inf, tol) and not close(1e308, math.inf, tol)
    assert close(0.0, 5e-9, tol) and not close(0.0, 2e-8, tol)
    assert close(101.0, 100.0, tol) and not close(101.1, 100.0, tol)
    assert not close(math.nan, math.nan, tol)


def test_tiny_valued_formulas_are_not_equal_to_zero(bank: Bank) -> None:
    """A likelihood can be below 1e-10 at every sample point; `0` must not match it
    (nor earn its mistake's credit), while the likelihood itself still does."""
    from grader.checkers.symbolic import sample_points

    spec = bank.spec("mle/bernoulli")
    part = spec.part("loglik")
    for i in range(200):
        v = make_variant(spec, variant_seed("t", f"s{i}", spec.id))
        k, n = v.values["k"], v.values["n"]
        values = [p["theta"] ** k * (1 - p["theta"]) ** (n - k) for p in sample_points(v, part)]
        if max(values) < 1e-10:
            break
    else:
        pytest.fail("no variant with a tiny likelihood among 200")
    outcome = check(v, "loglik", "0")
    assert (outcome.status, outcome.note, outcome.credit) == ("incorrect", None, 0.0)
    likelihood = check(v, "loglik", f"theta^{k}*(1-theta)^{n - k}")
    assert likelihood.note == "likelihood-not-log"
    scaled = check(v, "loglik", f"1.001*theta^{k}*(1-theta)^{n - k}")
    assert scaled.note is None and scaled.status == "incorrect"


def test_a_reference_that_changes_its_inputs_changes_nothing_else() -> None:
    """The parent runs the reference (and each mistake) on copies of a case: what one
    does to its arguments reaches neither the next function nor the feedback."""
    import numpy as np

    from grader.checkers.function import _first_mismatch
    from grader.spec import Tolerance

    def sort_then_mean(data: np.ndarray, weights: list[float], meta: dict[str, list[int]],
                       pair: tuple[list[int], int]) -> float:
        data.sort()
        weights.append(99.0)
        meta["seen"].append(1)
        pair[0].append(2)
        return float(data[0])

    def first(data: np.ndarray, weights: list[float], meta: dict[str, list[int]],
              pair: tuple[list[int], int]) -> float:
        return float(data[0])

    case = {"data": np.array([3.0, 1.0, 2.0]), "weights": [1.0], "meta": {"seen": []},
            "pair": ([1], 5)}
    tol = Tolerance(rel=1e-9, abs=1e-12)
    assert _first_mismatch(sort_then_mean, [case], [1.0], tol) is None
    assert case["data"].tolist() == [3.0, 1.0, 2.0] and case["weights"] == [1.0]
    assert case["meta"] == {"seen": []} and case["pair"] == ([1], 5)
    assert _first_mismatch(first, [case], [3.0], tol) is None   # sees the original order
    feedback = _first_mismatch(sort_then_mean, [case], [3.0], tol)
    assert feedback is not None and feedback.startswith(
        "sort_then_mean(data=array([3., 1., 2.]), weights=[1.0], meta={'seen': []}, "
        "pair=([1], 5)) returned 3: not the right value")
    assert "expected" not in feedback       # the reference's value is never shown


# --------------------------------------------------------------------------- precision policy


def test_three_significant_figures_are_enough_and_two_are_close(medical: Variant) -> None:
    """DESIGN: right to 3 significant figures is accepted; a near miss is told how many
    figures agree, never the expected value."""
    right = posterior(medical)
    assert check(medical, "posterior", f"{right:.3g}").status == "correct"
    assert check(medical, "posterior", f"{right:.4g}").status == "correct"
    two = f"{right:.2g}"
    if abs(float(two) - right) > 10 ** (math.floor(math.log10(right)) - 2):
        outcome = check(medical, "posterior", two)
        assert outcome.status == "incorrect" and outcome.note is None
        assert outcome.feedback == ("close: your answer agrees with the expected value to 2 "
                                    "significant figures; give at least 3.")
    for text in (f"{right * 1.02:.6g}", f"{right * 0.97:.6g}"):
        feedback = check(medical, "posterior", text).feedback
        assert feedback.startswith("close: your answer agrees with the expected value to")
        for shown in (f"{right:.2g}", f"{right:.3g}", f"{right:.4g}", f"{right * 100:.3g}"):
            assert shown not in feedback


@pytest.mark.parametrize(("given", "expected", "ok"), [
    (1.58, math.log2(3), True),          # 1.58496 to 3 figures (rejected before: 0.2% off)
    (1.59, math.log2(3), True),          # one unit in the third figure: rounding on the way
    (1.57, math.log2(3), False),
    (0.100, 0.09996, True), (0.0999, 0.09996, True), (0.0998, 0.09996, False),
    (-235.0, -234.567, True), (-236.0, -234.567, False),
    (2.91e-7, 2.912e-7, True), (2.90e-7, 2.912e-7, False), (0.0, 2.912e-7, False),
    (math.inf, math.inf, True), (1e308, math.inf, False), (math.nan, math.nan, False),
])
def test_the_accepted_interval(given: float, expected: float, ok: bool) -> None:
    from grader.checkers.numeric import accepted
    from grader.spec import Tolerance

    assert accepted(given, expected, 3, Tolerance(0.0, 1e-12)) is ok


def test_agreement_and_rounding() -> None:
    from grader.checkers.numeric import agreement, round_sig
    from grader.spec import Tolerance

    tol = Tolerance(0.0, 1e-12)
    assert agreement(0.53, 0.5312, tol) == 2 and agreement(0.5, 0.5312, tol) == 1
    assert agreement(0.9, 0.5312, tol) == 0
    assert round_sig(0.0876543, 3) == 0.0877 and round_sig(-234.567, 3) == -235.0


SIG_FIGS_SPEC = """\
id: bayes/tiny
title: Tiny
topic: bayes
params:
  p: {uniform: [0.11, 0.19], digits: 4}
prompt: Go.
parts:
  - id: half
    kind: numeric
    points: 1
    prompt: What is $p/7$?
    answer: p/7
    sig_figs: 5
"""


def test_a_part_may_ask_for_more_figures_and_its_prompt_says_so(make_bank) -> None:
    from grader import views

    spec = Bank(make_bank({"bayes/tiny": SIG_FIGS_SPEC})).spec("bayes/tiny")
    variant = make_variant(spec, 7)
    part = spec.part("half")
    third = variant.values["p"] / 7
    assert check_answer(variant, part, f"{third:.5g}").status == "correct"
    outcome = check_answer(variant, part, f"{third:.3g}")
    assert outcome.status == "incorrect"
    assert "give at least 5." in outcome.feedback
    assert "Give 5 significant figures." in views.exercise(variant)["parts"][0]["prompt"]


def test_a_huge_number_is_invalid_not_a_crash(medical: Variant) -> None:
    outcome = check(medical, "posterior", "10^400/10^399")
    assert outcome.status == "correct" or outcome.status == "incorrect"
    outcome = check(medical, "posterior", "2^2000")
    assert outcome.status == "invalid"

"""The information exercises, checked by a second method: scipy.special.entr / rel_entr,
scipy.stats.entropy, scipy.spatial.distance.jensenshannon and plain loops."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon
from scipy.special import entr, rel_entr, softmax

from grader import views
from grader.bank import reference_cases
from grader.checkers import check_answer
from tests.bank_support import BANK, expected, variants


def three(v, name: str) -> np.ndarray:
    a, b = float(v.values[f"{name}1"]), float(v.values[f"{name}2"])
    return np.array([a, b, 1 - a - b])


# --------------------------------------------------------------------------- entropy

def test_entropy_answers():
    for v in variants("information/entropy"):
        p = np.array([v.values["p1"], v.values["p2"], v.values["p3"],
                      1 - v.values["p1"] - v.values["p2"] - v.values["p3"]], dtype=float)
        assert expected(v, "nats") == pytest.approx(stats.entropy(p), rel=1e-9)
        assert expected(v, "bits") == pytest.approx(stats.entropy(p, base=2), rel=1e-9)
        uniform4 = stats.entropy(np.full(4, 0.25), base=2)
        assert expected(v, "below_max") == ("smaller" if stats.entropy(p, base=2) < uniform4
                                            else "not smaller")
        k = v.values["k"]
        assert expected(v, "max_bits") == pytest.approx(stats.entropy(np.full(k, 1 / k), base=2))
        assert expected(v, "maximiser") == "the uniform distribution"


def test_uniform_is_the_maximum_by_random_search():
    rng = np.random.default_rng(11)
    for k in (3, 5, 26):
        top = stats.entropy(np.full(k, 1 / k), base=2)
        draws = rng.dirichlet(np.full(k, 5.0), size=2000)
        assert (stats.entropy(draws, base=2, axis=1) < top).all()


def test_entropy_reference_function():
    module = BANK.solution("information/entropy")
    for v in variants("information/entropy", 5):
        for case in reference_cases(BANK, v, "entropy"):
            base = case.get("base", math.e)
            want = float(entr(case["p"]).sum()) / math.log(base)
            assert module.entropy(**case) == pytest.approx(want, rel=1e-12, abs=1e-15)
            if (case["p"] == 0).any():
                assert math.isnan(module.entropy_nan_at_zero(**case))


# --------------------------------------------------------------------------- cross-entropy

def test_cross_entropy_answers():
    for v in variants("information/cross-entropy"):
        p, q = three(v, "p"), three(v, "q")
        assert expected(v, "entropy") == pytest.approx(float(entr(p).sum()), rel=1e-9)
        cross = -math.fsum(pi * math.log(qi) for pi, qi in zip(p, q, strict=True))
        assert expected(v, "cross") == pytest.approx(cross, rel=1e-9)
        assert expected(v, "kl") == pytest.approx(float(rel_entr(p, q).sum()), rel=1e-9)
        identity = views.expected_value(v, v.spec.part("identity"))
        at = {**v.values, "H": float(entr(p).sum()), "D": float(rel_entr(p, q).sum())}
        assert float(identity.evaluate(at)) == pytest.approx(cross, rel=1e-9)
        assert expected(v, "objective") == "KL(P || Q)"


def test_cross_entropy_minus_forward_kl_does_not_depend_on_the_model():
    """Why the objective is KL(P||Q): H(P, Q) - KL(P||Q) is the same for every Q, while
    H(P, Q) - KL(Q||P) is not."""
    rng = np.random.default_rng(3)
    p = np.array([0.5, 0.3, 0.2])
    forward, reverse = [], []
    for _ in range(50):
        q = softmax(rng.normal(size=3))
        cross = -float(np.sum(p * np.log(q)))
        forward.append(cross - float(rel_entr(p, q).sum()))
        reverse.append(cross - float(rel_entr(q, p).sum()))
    assert np.ptp(forward) < 1e-12 and forward[0] == pytest.approx(stats.entropy(p))
    assert np.ptp(reverse) > 0.01


# --------------------------------------------------------------------------- JS

def test_js_answers():
    for v in variants("information/js-divergence"):
        p, q = three(v, "p"), three(v, "q")
        assert expected(v, "js") == pytest.approx(jensenshannon(p, q) ** 2, rel=1e-8)
        assert jensenshannon(p, q) == pytest.approx(jensenshannon(q, p), rel=1e-12)
        assert expected(v, "symmetric") == "yes"
    v = variants("information/js-divergence", 1)[0]
    disjoint = jensenshannon([1.0, 0.0], [0.0, 1.0]) ** 2
    assert expected(v, "bound") == pytest.approx(disjoint, rel=1e-12)
    rng = np.random.default_rng(4)
    a, b = rng.dirichlet(np.ones(5), size=(2, 500))
    assert (jensenshannon(a, b, axis=1) ** 2 <= disjoint + 1e-12).all()


def test_js_reference_function():
    module = BANK.solution("information/js-divergence")
    for v in variants("information/js-divergence", 5):
        for case in reference_cases(BANK, v, "js_divergence"):
            want = jensenshannon(case["p"], case["q"]) ** 2
            assert module.js_divergence(**case) == pytest.approx(want, rel=1e-9, abs=1e-12)
            assert module.js_distance(**case) == pytest.approx(
                jensenshannon(case["p"], case["q"]), rel=1e-9, abs=1e-7)


# --------------------------------------------------------------------------- KL

def test_kl_divergence_answers_and_reference():
    module = BANK.solution("information/kl-divergence")
    for v in variants("information/kl-divergence"):
        p, q = three(v, "p"), three(v, "q")
        assert expected(v, "kl") == pytest.approx(float(rel_entr(p, q).sum()), rel=1e-9)
        assert expected(v, "symmetric") == "no"
    for v in variants("information/kl-divergence", 5):
        for case in reference_cases(BANK, v, "kl_divergence"):
            want = float(rel_entr(case["p"], case["q"]).sum())
            got = module.kl_divergence(**case)
            assert got == pytest.approx(want, rel=1e-12, abs=1e-15) if math.isfinite(want) \
                else got == math.inf


def test_kl_infinite_answers():
    for v in variants("information/kl-infinite"):
        p = three(v, "p")
        q = np.array([v.values["q1"], 1 - v.values["q1"], 0.0])
        assert float(rel_entr(p, q).sum()) == math.inf
        assert expected(v, "forward") == "infinite"
        assert expected(v, "reverse") == pytest.approx(float(rel_entr(q, p).sum()), rel=1e-9)
        eps = v.values["eps"]
        smoothed = (1 - eps) * q + eps / 3
        assert expected(v, "smoothed") == pytest.approx(
            float(rel_entr(p, smoothed).sum()), rel=1e-9)
        assert expected(v, "behaviour").startswith("mass-covering")
        # A student who types inf for the reverse divergence hears about the direction.
        outcome = check_answer(v, v.spec.part("reverse"), "inf")
        assert outcome.note == "kl-direction" and outcome.credit == 0

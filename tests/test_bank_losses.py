"""The losses exercises (and nll/binary-cross-entropy): every reference equals torch 2.13 on
all the recorded cases of its function (tests/data/torch_loss_cases.json), and the
exercises' answers equal scipy's log-densities and the references."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from scipy import stats
from scipy.special import log_softmax, softmax

from tests.bank_support import BANK, ROOT, as_float, expected, variants

TORCH = json.loads((ROOT / "tests" / "data" / "torch_loss_cases.json").read_text())["cases"]

# torch's function → (exercise whose reference implements it, the reference's name)
REFERENCES = {
    "kl_div": ("losses/kl-div", "kl_div"),
    "cross_entropy": ("losses/cross-entropy", "cross_entropy"),
    "binary_cross_entropy_with_logits": ("losses/bce-with-logits",
                                         "binary_cross_entropy_with_logits"),
    "gaussian_nll_loss": ("losses/gaussian-nll", "gaussian_nll_loss"),
    "poisson_nll_loss": ("losses/poisson-nll", "poisson_nll_loss"),
    "binary_cross_entropy": ("nll/binary-cross-entropy", "binary_cross_entropy"),
}


def number_array(value: Any) -> np.ndarray:
    """A JSON value as an array; torch's 'nan', 'inf' and '-inf' are strings there."""
    array = np.array(value, dtype=object)
    if array.dtype == object and any(isinstance(v, str) for v in array.ravel()):
        return array.astype(float)
    return np.array(value)


def torch_case(index: int) -> tuple[Any, dict[str, Any], Any]:
    case = TORCH[index]
    exercise_id, name = REFERENCES[case["function"]]
    reference = getattr(BANK.solution(exercise_id), name)
    args = {k: number_array(v) for k, v in case["args"].items()}
    return reference, {**args, **case["kwargs"]}, case["output"]


def test_the_torch_data_is_what_we_think() -> None:
    counts = {f: sum(c["function"] == f for c in TORCH) for f in REFERENCES}
    assert counts == {"kl_div": 40, "cross_entropy": 40, "binary_cross_entropy_with_logits": 36,
                      "gaussian_nll_loss": 30, "poisson_nll_loss": 30,
                      "binary_cross_entropy": 24}
    kinds = {(c["function"], k, str(v)) for c in TORCH for k, v in c["kwargs"].items()}
    for needed in [("kl_div", "reduction", "batchmean"), ("kl_div", "log_target", "True"),
                   ("cross_entropy", "label_smoothing", "0.1"),
                   ("gaussian_nll_loss", "full", "True"),
                   ("poisson_nll_loss", "log_input", "False")]:
        assert needed in kinds
    assert any(np.shape(c["args"]["target"]) == np.shape(c["args"]["input"])
               for c in TORCH if c["function"] == "cross_entropy")      # probability targets
    assert any("pos_weight" in c["args"] for c in TORCH)
    assert any(np.shape(c["args"]["var"]) != np.shape(c["args"]["input"])
               for c in TORCH if c["function"] == "gaussian_nll_loss")  # broadcast var


@pytest.mark.parametrize("index", range(len(TORCH)),
                         ids=[f"{i}-{c['function']}" for i, c in enumerate(TORCH)])
def test_reference_equals_torch(index: int) -> None:
    reference, kwargs, output = torch_case(index)
    got = reference(**kwargs)
    want = number_array(output).astype(float)
    if kwargs.get("reduction") == "none":
        assert isinstance(got, np.ndarray) and got.shape == want.shape
    else:
        assert type(got) is float
    assert np.allclose(got, want, rtol=1e-9, atol=1e-12, equal_nan=True)


# Every listed wrong implementation differs from torch on some recorded case of its function
# that exercises what it gets wrong (so torch itself, not only our reference, refutes it).
WRONG = {
    "kl_div": ["kl_div_batchmean_is_mean", "kl_div_reversed", "kl_div_ignores_log_target"],
    "cross_entropy": ["cross_entropy_smooth_over_others", "cross_entropy_no_softmax"],
    "binary_cross_entropy_with_logits": ["bce_pos_weight_on_negatives", "bce_mean_over_weights",
                                         "bce_naive_sigmoid"],
    "gaussian_nll_loss": ["gaussian_nll_no_log_var", "gaussian_nll_std_for_var",
                          "gaussian_nll_constant_always"],
    "poisson_nll_loss": ["poisson_log_input_ignored", "poisson_exact_log_factorial",
                         "poisson_stirling_everywhere"],
    "binary_cross_entropy": ["bce_no_complement"],
}


@pytest.mark.parametrize(("function", "wrong"),
                         [(f, w) for f, names in WRONG.items() for w in names])
def test_torch_refutes_each_wrong_implementation(function: str, wrong: str) -> None:
    exercise_id, _ = REFERENCES[function]
    impl = getattr(BANK.solution(exercise_id), wrong)
    refuted = 0
    with np.errstate(all="ignore"):
        for index, case in enumerate(TORCH):
            if case["function"] != function:
                continue
            _, kwargs, output = torch_case(index)
            got = impl(**kwargs)
            if np.shape(got) != np.shape(number_array(output)) or not np.allclose(
                    got, number_array(output).astype(float), rtol=1e-6, atol=1e-9,
                    equal_nan=True):
                refuted += 1
    assert refuted >= 1


# --------------------------------------------------------------------------- a second method

def test_cross_entropy_smoothing_is_a_mixed_target() -> None:
    """Label smoothing with a class index equals the probability-target loss of the
    smoothed one-hot target (unweighted, nothing ignored), element by element."""
    module = BANK.solution("losses/cross-entropy")
    rng = np.random.default_rng(3)
    for _ in range(30):
        n, c = int(rng.integers(1, 6)), int(rng.integers(2, 6))
        logits, target = rng.normal(0, 2, size=(n, c)), rng.integers(0, c, size=n)
        eps = float(rng.uniform(0.01, 0.5))
        smoothed = np.eye(c)[target] * (1 - eps) + eps / c
        per_example = [-math.fsum(smoothed[i] * log_softmax(logits[i])) for i in range(n)]
        got = module.cross_entropy(logits, target, label_smoothing=eps, reduction="none")
        assert np.allclose(got, per_example, rtol=1e-12)
        assert module.cross_entropy(logits, smoothed) == pytest.approx(
            math.fsum(per_example) / n, rel=1e-12)


def test_kl_div_batchmean_is_the_mean_scipy_divergence() -> None:
    module = BANK.solution("losses/kl-div")
    rng = np.random.default_rng(4)
    for _ in range(30):
        n, c = int(rng.integers(1, 6)), int(rng.integers(2, 7))
        p, q = rng.dirichlet(np.ones(c), size=n), rng.dirichlet(np.ones(c), size=n)
        want = np.mean([stats.entropy(p[i], q[i]) for i in range(n)])
        assert module.kl_div(np.log(q), p, reduction="batchmean") == pytest.approx(want, rel=1e-10)
        assert module.kl_div(np.log(q), np.log(p), reduction="batchmean",
                             log_target=True) == pytest.approx(want, rel=1e-10)


def test_gaussian_and_poisson_losses_are_scipy_nlls() -> None:
    gauss = BANK.solution("losses/gaussian-nll").gaussian_nll_loss
    poisson = BANK.solution("losses/poisson-nll").poisson_nll_loss
    rng = np.random.default_rng(5)
    for _ in range(30):
        mu, y, var = rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), rng.uniform(0.1, 3, (3, 2))
        want = -stats.norm.logpdf(y, loc=mu, scale=np.sqrt(var))
        assert np.allclose(gauss(mu, y, var, full=True, reduction="none"), want, rtol=1e-12)
        lam, k = rng.uniform(0.2, 6, size=5), rng.poisson(3, size=5).astype(float)
        exact = -stats.poisson.logpmf(k, lam)
        log_factorial = np.array([math.lgamma(x + 1) for x in k])
        assert np.allclose(poisson(np.log(lam), k, reduction="none"), exact - log_factorial,
                           rtol=1e-12)


def test_bce_with_logits_is_bernoulli_nll() -> None:
    bce = BANK.solution("losses/bce-with-logits").binary_cross_entropy_with_logits
    rng = np.random.default_rng(6)
    for _ in range(30):
        x, y = rng.normal(0, 3, size=6), (rng.uniform(size=6) < 0.5).astype(float)
        theta = 1 / (1 + np.exp(-x))
        assert np.allclose(bce(x, y, reduction="none"), -stats.bernoulli.logpmf(y, theta),
                           rtol=1e-9)
    assert bce(np.array([800.0]), np.array([0.0])) == pytest.approx(800.0)


# --------------------------------------------------------------------------- the exercises' answers

def test_kl_div_answers() -> None:
    module = BANK.solution("losses/kl-div")
    for v in variants("losses/kl-div"):
        x = v.values
        p = np.array([[x["p1"], x["p2"], x["p3"]], [x["r1"], x["r2"], x["r3"]]], dtype=float)
        q = np.array([[x["q1"], x["q2"], x["q3"]], [x["s1"], x["s2"], x["s3"]]], dtype=float)
        per_example = [stats.entropy(p[i], q[i]) for i in range(2)]
        assert as_float(expected(v, "batchmean")) == pytest.approx(np.mean(per_example), rel=1e-9)
        assert as_float(expected(v, "mean")) == pytest.approx(
            module.kl_div(np.log(q), p, reduction="mean"), rel=1e-9)
        assert expected(v, "call") == 'F.kl_div(q.log(), p, reduction="batchmean")'


def test_cross_entropy_answers() -> None:
    module = BANK.solution("losses/cross-entropy")
    for v in variants("losses/cross-entropy"):
        x = v.values
        z = np.array([[x["z1"], x["z2"], x["z3"]]], dtype=float)
        t = np.array([[x["t1"], x["t2"], x["t3"]]], dtype=float)
        assert as_float(expected(v, "soft")) == pytest.approx(
            -float((t * np.log(softmax(z))).sum()), rel=1e-9)
        assert as_float(expected(v, "smooth")) == pytest.approx(
            module.cross_entropy(z, np.array([0]), label_smoothing=float(x["eps"])), rel=1e-9)


def test_bce_with_logits_answers() -> None:
    bce = BANK.solution("losses/bce-with-logits").binary_cross_entropy_with_logits
    for v in variants("losses/bce-with-logits"):
        x = np.array([v.values["x1"], v.values["x2"], v.values["x3"]], dtype=float)
        y = np.array([1.0, 0.0, 1.0])
        theta = 1 / (1 + np.exp(-x))
        assert as_float(expected(v, "plain")) == pytest.approx(
            -np.mean(stats.bernoulli.logpmf(y, theta)), rel=1e-9)
        pw = float(v.values["pw"])
        assert as_float(expected(v, "pos_weight")) == pytest.approx(
            bce(x, y, pos_weight=np.array([pw])), rel=1e-9)
        # balancing: pos_weight * positives == negatives
        assert as_float(expected(v, "ratio")) * v.values["npos"] == pytest.approx(v.values["nneg"])


def test_gaussian_nll_answers() -> None:
    for v in variants("losses/gaussian-nll"):
        x = v.values
        mu = np.array([x["mu1"], x["mu2"]], dtype=float)
        y = np.array([x["y1"], x["y2"]], dtype=float)
        var = np.array([x["v1"], x["v2"]], dtype=float)
        full = float(np.mean(-stats.norm.logpdf(y, mu, np.sqrt(var))))
        assert as_float(expected(v, "full")) == pytest.approx(full, rel=1e-9)
        assert as_float(expected(v, "loss")) == pytest.approx(
            full - 0.5 * math.log(2 * math.pi), rel=1e-9)


def test_poisson_nll_answers() -> None:
    for v in variants("losses/poisson-nll"):
        x = v.values
        lam = np.array([x["lam1"], x["lam2"]], dtype=float)
        k = np.array([x["k1"], x["k2"]], dtype=float)
        const = np.array([math.lgamma(c + 1) for c in k])
        assert as_float(expected(v, "loss")) == pytest.approx(
            float(np.mean(-stats.poisson.logpmf(k, lam) - const)), rel=1e-9)
        grid = np.linspace(0.01, 12, 120_000)
        best = grid[np.argmin(grid - x["k1"] * np.log(grid))]
        assert as_float(expected(v, "argmin")) == pytest.approx(best, abs=1e-3)


def test_binary_cross_entropy_answers() -> None:
    bce = BANK.solution("nll/binary-cross-entropy").binary_cross_entropy
    for v in variants("nll/binary-cross-entropy"):
        theta = np.array([v.values["q1"], v.values["q2"], v.values["q3"]], dtype=float)
        y = np.array([1.0, 0.0, 1.0])
        loglik = float(stats.bernoulli.logpmf(y, theta).sum())
        assert as_float(expected(v, "likelihood")) == pytest.approx(math.exp(loglik), rel=1e-9)
        assert as_float(expected(v, "bce")) == pytest.approx(-loglik / 3, rel=1e-9)
        assert as_float(expected(v, "bce")) == pytest.approx(bce(theta, y), rel=1e-9)
        assert expected(v, "nll") == "yes"
    assert bce(np.array([0.0]), np.array([1.0])) == 100.0

"""The mle exercises, checked by a second method: numerical optimisation of the negative
log-likelihood and scipy.stats densities, against the specs' answers and the references."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from scipy import optimize, stats

from grader import views
from tests.bank_support import BANK, cases, expected, symbolic_at, variants


def data_of(variant, count: int) -> np.ndarray:
    return np.array([float(variant.values[f"x{i}"]) for i in range(1, count + 1)])


# --------------------------------------------------------------------------- gaussian

def _gaussian_fit(x: np.ndarray) -> tuple[float, float]:
    """Minimise the Gaussian NLL over (mu, log sigma^2)."""
    def nll(theta):
        mu, log_var = theta
        return -np.sum(stats.norm.logpdf(x, mu, math.exp(0.5 * log_var)))

    start = np.array([np.median(x), math.log(np.ptp(x) ** 2 / 4 + 1.0)])
    res = optimize.minimize(nll, start, method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    assert res.success
    return float(res.x[0]), math.exp(res.x[1])


def test_gaussian_answers_maximise_the_likelihood():
    for v in variants("mle/gaussian"):
        x = data_of(v, 5)
        mu, var = _gaussian_fit(x)
        assert expected(v, "mean") == pytest.approx(mu, rel=1e-5, abs=1e-6)
        assert expected(v, "variance") == pytest.approx(var, rel=1e-5)
        # The formula S/n at this data set gives the same variance.
        S = float(sum((xi - x.mean()) ** 2 for xi in x))
        assert symbolic_at(v, "formula", S=S, n=5) == pytest.approx(var, rel=1e-5)
        # The ddof-one mistake is scipy's unbiased variance, not the answer.
        ddof_one = v.spec.part("variance").mistakes[0]
        assert ddof_one.note == "ddof-one"
        assert float(v.values[ddof_one.answer]) == pytest.approx(stats.tvar(x))


def test_gaussian_mle_variance_is_biased_low_by_simulation():
    rng = np.random.default_rng(1234)
    n, sigma2, reps = 5, 4.0, 40000
    draws = rng.normal(0.0, math.sqrt(sigma2), size=(reps, n))
    mle_var = draws.var(axis=1)          # ddof=0
    mean, se = mle_var.mean(), mle_var.std(ddof=1) / math.sqrt(reps)
    assert abs(mean - (n - 1) / n * sigma2) < 4 * se
    assert mean < sigma2 - 6 * se        # significantly low, so "biased low" is right
    for v in variants("mle/gaussian", 3):
        assert views.expected_value(v, v.spec.part("unbiased")) == "biased low"


def test_gaussian_reference_function():
    module = BANK.solution("mle/gaussian")
    for v in variants("mle/gaussian", 5):
        inputs = cases(v, "gaussian_mle")
        assert np.array_equal(inputs[0]["data"], data_of(v, 5))
        for case in inputs:
            x = [float(t) for t in case["data"]]
            mean, var = module.gaussian_mle(**case)
            assert type(mean) is float and type(var) is float
            loop_mean = math.fsum(x) / len(x)
            assert mean == pytest.approx(loop_mean, rel=1e-12, abs=1e-12)
            assert var == pytest.approx(math.fsum((t - loop_mean) ** 2 for t in x) / len(x),
                                        rel=1e-9, abs=1e-12)
            if len(x) >= 2 and np.ptp(x) > 0:
                loc, scale = stats.norm.fit(case["data"])   # scipy's MLE
                assert (mean, var) == pytest.approx((loc, scale**2), rel=1e-6)
                wrong = module.gaussian_unbiased(**case)
                assert wrong[1] == pytest.approx(np.var(case["data"], ddof=1), rel=1e-12)


# --------------------------------------------------------------------------- categorical

def test_categorical_answers_maximise_the_likelihood():
    for v in variants("mle/categorical"):
        counts = np.array([v.values["c1"], v.values["c2"], v.values["c3"]], dtype=float)

        def nll(z, counts=counts):
            return -float(np.sum(counts * (z - np.log(np.sum(np.exp(z))))))

        res = optimize.minimize(nll, np.zeros(3), method="BFGS", options={"gtol": 1e-9})
        theta = np.exp(res.x) / np.exp(res.x).sum()
        assert expected(v, "theta") == pytest.approx(theta[1], rel=1e-5)
        assert expected(v, "maxll") == pytest.approx(-res.fun, rel=1e-7)


def test_categorical_loglik_formula_is_a_sum_over_tokens():
    rng = np.random.default_rng(7)
    for v in variants("mle/categorical", 8):
        tokens = [0] * v.values["c1"] + [1] * v.values["c2"] + [2] * v.values["c3"]
        for _ in range(5):
            t1, t2 = rng.uniform(0.05, 0.45, size=2)
            probs = (t1, t2, 1 - t1 - t2)
            loop = math.fsum(math.log(probs[tok]) for tok in tokens)
            assert symbolic_at(v, "loglik", t1=t1, t2=t2) == pytest.approx(loop, rel=1e-10)


def test_categorical_reference_function():
    module = BANK.solution("mle/categorical")
    for v in variants("mle/categorical", 5):
        for case in cases(v, "categorical_mle"):
            data, k = case["data"], case["k"]
            got = module.categorical_mle(**case)
            tally = Counter(int(t) for t in data)
            loop = np.array([tally[j] / len(data) for j in range(k)])
            assert got.shape == (k,)
            assert np.allclose(got, loop, rtol=1e-12, atol=0)
            assert got.sum() == pytest.approx(1.0)


# --------------------------------------------------------------------------- poisson

def test_poisson_answers():
    for v in variants("mle/poisson"):
        x = data_of(v, 5)
        for lam in (0.3, 1.0, 2.5, 7.0, 19.0):
            assert symbolic_at(v, "loglik", lam=lam) == pytest.approx(
                float(np.sum(stats.poisson.logpmf(x, lam))), rel=1e-10)
        res = optimize.minimize_scalar(lambda lam, x=x: -np.sum(stats.poisson.logpmf(x, lam)),
                                       bounds=(1e-6, 50), method="bounded",
                                       options={"xatol": 1e-10})
        assert expected(v, "mle") == pytest.approx(res.x, rel=1e-6)


def test_poisson_reference_function():
    module = BANK.solution("mle/poisson")
    for v in variants("mle/poisson", 5):
        for case in cases(v, "poisson_log_likelihood"):
            want = float(np.sum(stats.poisson.logpmf(case["data"], case["lam"])))
            assert module.poisson_log_likelihood(**case) == pytest.approx(want, rel=1e-10)


# --------------------------------------------------------------------------- exponential

def test_exponential_answers():
    for v in variants("mle/exponential"):
        x = data_of(v, 4)
        for lam in (0.05, 0.7, 1.0, 3.3, 9.9):
            assert symbolic_at(v, "loglik", lam=lam) == pytest.approx(
                float(np.sum(stats.expon.logpdf(x, scale=1 / lam))), rel=1e-10)
        def nll(lam, x=x):
            return -np.sum(stats.expon.logpdf(x, scale=1 / lam))

        res = optimize.minimize_scalar(nll, bounds=(1e-4, 50), method="bounded",
                                       options={"xatol": 1e-10})
        assert expected(v, "rate") == pytest.approx(res.x, rel=1e-6)
        t = v.values["t"]
        assert expected(v, "wait") == pytest.approx(stats.expon.sf(t, scale=1 / res.x), rel=1e-5)


def test_exponential_reference_function():
    module = BANK.solution("mle/exponential")
    for v in variants("mle/exponential", 5):
        for case in cases(v, "exponential_mle"):
            _, scale = stats.expon.fit(case["data"], floc=0)
            assert module.exponential_mle(**case) == pytest.approx(1 / scale, rel=1e-10)


def test_bernoulli_loglik_with_the_binomial_coefficient_gets_targeted_feedback() -> None:
    """Including log C(n, k) was "Not equivalent" with no word on why; the prompt now
    says the sequence's likelihood is meant."""
    from grader.checkers import check_answer

    for variant in variants("mle/bernoulli", 20):
        part = variant.spec.part("loglik")
        assert "sequence of pixels" in part.prompt
        n, k = int(variant.values["n"]), int(variant.values["k"])
        text = f"log({math.comb(n, k)}) + {k}*log(theta) + {n - k}*log(1 - theta)"
        outcome = check_answer(variant, part, text)
        assert (outcome.note, outcome.credit) == ("binomial-coefficient", 0.5)
        assert "count" in outcome.feedback

"""The sampling exercises, checked by a second method: scipy.stats distributions, seeded
simulation with tolerances from the standard error, root finding, and plain loops."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats

from grader.bank import reference_cases
from tests.bank_support import BANK, expected, symbolic_at, variants

# --------------------------------------------------------------------------- expectation

def test_expectation_answers():
    for v in variants("sampling/expectation"):
        xs = np.array([v.values[f"v{i}"] for i in range(1, 5)])
        ps = np.array([v.values["p1"], v.values["p2"], v.values["p3"],
                       1 - v.values["p1"] - v.values["p2"] - v.values["p3"]], dtype=float)
        x = stats.rv_discrete(values=(xs, ps))
        assert expected(v, "mean") == pytest.approx(x.mean(), rel=1e-9)
        assert expected(v, "second") == pytest.approx(x.moment(2), rel=1e-9)
        assert expected(v, "variance") == pytest.approx(x.var(), rel=1e-9)
        a, b = v.values["a"], v.values["b"]
        y = stats.rv_discrete(values=(a * xs + b, ps))
        assert expected(v, "affine_mean") == pytest.approx(y.mean(), rel=1e-9)
        assert expected(v, "affine_var") == pytest.approx(y.var(), rel=1e-9)


def test_expectation_reference_function():
    module = BANK.solution("sampling/expectation")
    for v in variants("sampling/expectation", 5):
        for case in reference_cases(BANK, v, "expectation"):
            pairs = zip(case["values"], case["probs"], strict=True)
            loop = math.fsum(float(x) * float(p) for x, p in pairs)
            assert module.expectation(**case) == pytest.approx(loop, rel=1e-12, abs=1e-12)


# --------------------------------------------------------------------------- Monte Carlo

def test_monte_carlo_standard_error_by_simulation():
    """Repeat the whole Monte Carlo estimate many times: the spread of the estimates is
    the standard error the spec states (non-Gaussian f(X), to be fair)."""
    rng = np.random.default_rng(31)
    reps = 800
    for v in variants("sampling/monte-carlo", 6):
        sd, n = float(v.values["sd"]), int(v.values["n"])
        # An exponential with scale sd has standard deviation sd.
        estimates = np.array([rng.exponential(sd, size=n).mean() for _ in range(reps)])
        spread = estimates.std(ddof=1)
        # The sample standard deviation of `reps` nearly Gaussian draws has relative
        # standard error 1/sqrt(2 (reps - 1)); allow four of those.
        assert spread == pytest.approx(expected(v, "se"), rel=4 / math.sqrt(2 * (reps - 1)))


def test_monte_carlo_sample_size():
    for v in variants("sampling/monte-carlo"):
        sd, tol = float(v.values["sd"]), float(v.values["tol"])
        root = optimize.brentq(lambda m, sd=sd, tol=tol: sd / math.sqrt(m) - tol, 1.0, 1e9,
                               xtol=1e-9, rtol=1e-14)
        assert expected(v, "samples") == pytest.approx(root, rel=1e-9)
        assert symbolic_at(v, "formula", sigma=sd, epsilon=tol) == pytest.approx(root, rel=1e-9)
        n = int(v.values["n"])
        assert expected(v, "halve") == "4 (four times as many)"
        assert expected(v, "se") / 2 == pytest.approx(sd / math.sqrt(4 * n))


def test_mc_estimate_reference_function():
    module = BANK.solution("sampling/monte-carlo")
    for v in variants("sampling/monte-carlo", 5):
        for case in reference_cases(BANK, v, "mc_estimate"):
            mean, se = module.mc_estimate(**case)
            assert mean == pytest.approx(math.fsum(case["samples"]) / case["samples"].size)
            assert se == pytest.approx(stats.sem(case["samples"]), rel=1e-9, abs=1e-15)


# --------------------------------------------------------------------------- inverse transform

def test_inverse_transform_answers():
    for v in variants("sampling/inverse-transform"):
        rate, u0 = float(v.values["rate"]), float(v.values["u0"])
        dist = stats.expon(scale=1 / rate)
        for x in (0.1, 0.5, 2.0, 7.5):
            assert symbolic_at(v, "cdf", x=x, lam=rate) == pytest.approx(dist.cdf(x), rel=1e-12)
        for u in (0.03, 0.3, 0.7, 0.97):
            assert symbolic_at(v, "inverse", u=u, lam=rate) == pytest.approx(dist.ppf(u), rel=1e-12)
        assert expected(v, "draw") == pytest.approx(dist.ppf(u0), rel=1e-12)
        assert expected(v, "valid").startswith("yes")


def test_sample_exponential_reference_function():
    module = BANK.solution("sampling/inverse-transform")
    for v in variants("sampling/inverse-transform", 5):
        for case in reference_cases(BANK, v, "sample_exponential"):
            got = module.sample_exponential(**case)
            assert got.shape == np.shape(case["u"])
            assert np.allclose(got, stats.expon.ppf(case["u"], scale=1 / case["rate"]),
                               rtol=1e-12, atol=0)


def test_both_samplers_give_the_exponential_distribution():
    """F^{-1}(U) and the 'one-minus-u' variant -log(U)/rate both pass a KS test for
    Exp(rate) (why the choice part answers yes), yet they differ draw by draw."""
    module = BANK.solution("sampling/inverse-transform")
    rng = np.random.default_rng(8)
    u = rng.random(20000)
    for rate in (0.5, 2.0):
        right = module.sample_exponential(u, rate)
        other = module.sample_log_u(u, rate)
        for draws in (right, other):
            assert stats.kstest(draws, stats.expon(scale=1 / rate).cdf).pvalue > 1e-3
        assert not np.allclose(right, other)
        # ... and the rate-as-scale draws are not Exp(rate).
        wrong = module.sample_rate_as_scale(u, rate)
        assert stats.kstest(wrong, stats.expon(scale=1 / rate).cdf).pvalue < 1e-6

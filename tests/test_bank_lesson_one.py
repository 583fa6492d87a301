"""Lesson one's new exercises by second methods: integrals by quadrature, every data
sequence enumerated, posteriors maximised numerically, scipy's densities, and the MLE as
the minimiser of KL(p_data || q_theta) found by a scalar search."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from tests.bank_support import BANK, as_float, cases, expected, symbolic_at, variants


def test_the_likelihood_is_not_a_density() -> None:
    for v in variants("likelihood/not-a-density"):
        n, k, t = int(v.values["n"]), int(v.values["k"]), float(v.values["t"])
        area, _ = integrate.quad(lambda th, n=n, k=k: th ** k * (1 - th) ** (n - k), 0, 1)
        assert as_float(expected(v, "area")) == pytest.approx(area, rel=1e-9)
        assert as_float(expected(v, "constant")) == pytest.approx(1 / area, rel=1e-9)
        # the posterior c L(theta) is the Beta(k + 1, n - k + 1) density
        assert 1 / area * 0.3 ** k * 0.7 ** (n - k) == pytest.approx(
            stats.beta.pdf(0.3, k + 1, n - k + 1), rel=1e-9)
        total = math.fsum(t ** sum(seq) * (1 - t) ** (n - sum(seq))
                          for seq in itertools.product((0, 1), repeat=n))
        assert as_float(expected(v, "data_sum")) == pytest.approx(total, rel=1e-12)
        assert expected(v, "density") == "no"


def test_map_and_laplace_smoothing() -> None:
    module = BANK.solution("mle/map-laplace")
    for v in variants("mle/map-laplace"):
        n, k, a, b = (int(v.values[x]) for x in ("n", "k", "a", "b"))

        def neg_log_posterior(th: float, n: int = n, k: int = k, a: int = a, b: int = b) -> float:
            return -float(stats.binom.logpmf(k, n, th) + stats.beta.logpdf(th, a, b))

        found = optimize.minimize_scalar(neg_log_posterior, bounds=(1e-9, 1 - 1e-9),
                                         method="bounded", options={"xatol": 1e-10})
        assert as_float(expected(v, "map")) == pytest.approx(found.x, abs=1e-6)
        assert as_float(expected(v, "mle")) == pytest.approx(k / n)
        # add-one is the MAP under the answer's symmetric prior
        a2 = int(as_float(expected(v, "laplace")))
        laplace = optimize.minimize_scalar(
            lambda th, n=n, k=k, a2=a2: -float(stats.binom.logpmf(k, n, th)
                                               + stats.beta.logpdf(th, a2, a2)),
            bounds=(1e-9, 1 - 1e-9), method="bounded", options={"xatol": 1e-10})
        assert laplace.x == pytest.approx((k + 1) / (n + 2), abs=1e-6)
        for case in cases(v, "laplace_smoothing"):
            counts, alpha = case["counts"], case.get("alpha", 1.0)
            got = module.laplace_smoothing(**case)
            # the mean of the Dirichlet(counts + alpha) posterior
            assert got == pytest.approx(stats.dirichlet.mean(counts + alpha), rel=1e-12)


def test_gaussian_nll_is_mse_up_to_constants() -> None:
    for v in variants("nll/gaussian-nll-mse"):
        val = {k: float(x) for k, x in v.values.items()}
        y = np.array([val["y1"], val["y2"], val["y3"]])
        f = np.array([val["f1"], val["f2"], val["f3"]])
        nll = -float(stats.norm.logpdf(y, f, val["sd"]).sum())
        assert as_float(expected(v, "nll")) == pytest.approx(nll, rel=1e-9)
        mse = float(np.mean((y - f) ** 2))
        assert symbolic_at(v, "formula", m=mse, s=val["sd"]) == pytest.approx(nll / 3, rel=1e-9)
        # the MLE of the variance, by a scalar search
        found = optimize.minimize_scalar(lambda var, y=y, f=f: -float(
            stats.norm.logpdf(y, f, math.sqrt(var)).sum()), bounds=(1e-6, 50), method="bounded",
            options={"xatol": 1e-10})
        assert as_float(expected(v, "sigma")) == pytest.approx(found.x, rel=1e-5)


def test_densities_above_one() -> None:
    for v in variants("likelihood/density-above-one"):
        val = {k: float(x) for k, x in v.values.items()}
        xs = np.array([val["x1"], val["x2"], val["x3"]])
        assert as_float(expected(v, "density")) == pytest.approx(
            stats.norm.pdf(xs[0], val["mu"], val["sd"]), rel=1e-9)
        loglik = float(stats.norm.logpdf(xs, val["mu"], val["sd"]).sum())
        assert as_float(expected(v, "loglik")) == pytest.approx(loglik, rel=1e-9)
        assert loglik > 0 and expected(v, "positive") == "yes"
        exact = (stats.norm.cdf(xs[0] + 0.0005, val["mu"], val["sd"])
                 - stats.norm.cdf(xs[0] - 0.0005, val["mu"], val["sd"]))
        assert as_float(expected(v, "bin")) == pytest.approx(exact, rel=1e-3)


def test_mle_minimises_kl_from_the_data() -> None:
    for v in variants("mle/mle-as-kl"):
        counts = np.array([v.values["c1"], v.values["c2"], v.values["c3"]], dtype=float)
        p_data = counts / counts.sum()

        def model(th: float) -> np.ndarray:
            return np.array([th ** 2, 2 * th * (1 - th), (1 - th) ** 2])

        found = optimize.minimize_scalar(lambda th, p=p_data: float(stats.entropy(p, model(th))),
                                         bounds=(1e-6, 1 - 1e-6), method="bounded",
                                         options={"xatol": 1e-10})
        theta = as_float(expected(v, "theta"))
        assert theta == pytest.approx(found.x, abs=1e-6)
        assert as_float(expected(v, "kl")) == pytest.approx(stats.entropy(p_data, model(theta)),
                                                            rel=1e-9)
        # the mean NLL is H(p_data) + KL, so it is minimised at the same theta
        mean_nll = -float(np.sum(p_data * np.log(model(theta))))
        assert mean_nll == pytest.approx(stats.entropy(p_data) + stats.entropy(p_data,
                                                                               model(theta)))

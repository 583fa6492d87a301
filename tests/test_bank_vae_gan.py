"""The vae and gan exercises by second methods: the ELBO by enumerating the latent, the
Gaussian KL by quadrature, the GAN value against scipy's Jensen-Shannon distance and a
search over discriminators, and the generator's gradients by finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.spatial.distance import jensenshannon

from tests.bank_support import BANK, as_float, cases, expected, symbolic_at, variants


def test_elbo_by_enumerating_the_latent() -> None:
    for v in variants("vae/elbo"):
        pi, l0, l1, q1 = (float(v.values[n]) for n in ("pi", "l0", "l1", "q"))
        prior, lik, q = np.array([1 - pi, pi]), np.array([l0, l1]), np.array([1 - q1, q1])
        joint = prior * lik                                        # p(x, z) for z = 0, 1
        elbo = float(np.sum(q * (np.log(joint) - np.log(q))))      # E_q[log p(x,z) - log q(z)]
        assert as_float(expected(v, "elbo")) == pytest.approx(elbo, rel=1e-9)
        assert as_float(expected(v, "logpx")) == pytest.approx(math.log(joint.sum()), rel=1e-9)
        posterior = joint / joint.sum()
        assert as_float(expected(v, "gap")) == pytest.approx(stats.entropy(q, posterior), rel=1e-9)
        grid = np.linspace(0.001, 0.999, 9_981)  # steps of 1e-4
        elbos = [float(np.sum(np.array([1 - g, g]) * (np.log(joint) - np.log([1 - g, g]))))
                 for g in grid]
        assert as_float(expected(v, "best_q")) == pytest.approx(grid[int(np.argmax(elbos))],
                                                                abs=2e-4)
        assert symbolic_at(v, "loss", R=-2.5, K=0.75) == pytest.approx(2.5 + 0.75)


def kl_to_standard_normal_by_quadrature(mu: float, var: float) -> float:
    s = math.sqrt(var)

    def integrand(z: float) -> float:
        # densities written out (scipy.stats per point is too slow for quad's many calls)
        log_q = -(z - mu) ** 2 / (2 * var) - 0.5 * math.log(2 * math.pi * var)
        log_p = -z * z / 2 - 0.5 * math.log(2 * math.pi)
        return math.exp(log_q) * (log_q - log_p)

    value, _ = integrate.quad(integrand, mu - 12 * s, mu + 12 * s, limit=200)
    return float(value)


def test_vae_kl_by_quadrature() -> None:
    module = BANK.solution("vae/gaussian-kl")
    for v in variants("vae/gaussian-kl", 10):
        val = {k: float(x) for k, x in v.values.items()}
        want = (kl_to_standard_normal_by_quadrature(val["m1"], val["v1"])
                + kl_to_standard_normal_by_quadrature(val["m2"], val["v2"]))
        assert as_float(expected(v, "kl")) == pytest.approx(want, rel=1e-7)
        for case in cases(v, "vae_kl")[:6]:
            got = module.vae_kl(**case)
            assert got.shape == (case["mu"].shape[0],)
            for row in range(case["mu"].shape[0]):
                want = math.fsum(kl_to_standard_normal_by_quadrature(m, math.exp(lv))
                                 for m, lv in zip(case["mu"][row], case["logvar"][row],
                                                  strict=True))
                assert got[row] == pytest.approx(want, rel=1e-6, abs=1e-9)


def test_gan_value_at_the_optimum_is_minus_log_four_plus_two_js() -> None:
    module = BANK.solution("gan/optimal-discriminator")
    rng = np.random.default_rng(13)
    for v in variants("gan/optimal-discriminator"):
        val = {k: float(x) for k, x in v.values.items()}
        p = np.array([val["p1"], val["p2"], val["p3"]])
        q = np.array([val["q1"], val["q2"], val["q3"]])
        js = jensenshannon(p, q) ** 2                     # scipy returns the distance
        d_star = p / (p + q)
        assert as_float(expected(v, "dstar")) == pytest.approx(d_star[int(val["x"]) - 1], rel=1e-9)
        assert as_float(expected(v, "value")) == pytest.approx(-math.log(4) + 2 * js, rel=1e-9)
        assert module.gan_value(p, q, d_star) == pytest.approx(-math.log(4) + 2 * js, rel=1e-9)
        # no other discriminator does better
        best = module.gan_value(p, q, d_star)
        for _ in range(50):
            other = np.clip(d_star + rng.normal(0, 0.05, size=3), 1e-6, 1 - 1e-6)
            assert module.gan_value(p, q, other) <= best + 1e-12
        assert as_float(expected(v, "minimum")) == pytest.approx(
            module.gan_value(p, p, np.full(3, 0.5)), rel=1e-12)


def test_generator_gradients_by_finite_differences() -> None:
    h = 1e-6
    for v in variants("gan/non-saturating"):
        a = float(v.values["a"])

        def minimax(x: float) -> float:
            return math.log(1 - 1 / (1 + math.exp(-x)))

        def non_saturating(x: float) -> float:
            return -math.log(1 / (1 + math.exp(-x)))

        assert as_float(expected(v, "minimax")) == pytest.approx(
            (minimax(a + h) - minimax(a - h)) / (2 * h), rel=1e-6)
        assert as_float(expected(v, "ns")) == pytest.approx(
            (non_saturating(a + h) - non_saturating(a - h)) / (2 * h), rel=1e-6)
        assert expected(v, "which") == "non-saturating"


def test_reparameterization() -> None:
    """z = mu + sigma eps has the distribution N(mu, sigma^2): over 200,000 draws its
    mean lies within 5 standard errors of mu and its variance within 2% of sigma^2."""
    module = BANK.solution("vae/reparameterization")
    rng = np.random.default_rng(14)
    for v in variants("vae/reparameterization"):
        m, lv, e = (float(v.values[k]) for k in ("m", "lv", "e"))
        sigma = math.sqrt(math.exp(lv))
        assert as_float(expected(v, "z")) == pytest.approx(m + sigma * e, rel=1e-9)
        h = 1e-6
        assert as_float(expected(v, "grad_sigma")) == pytest.approx(
            ((m + (sigma + h) * e) - (m + (sigma - h) * e)) / (2 * h), rel=1e-6)
        eps = rng.normal(size=200_000)
        z = module.reparameterize(np.full(eps.size, m), np.full(eps.size, lv), eps)
        assert abs(z.mean() - m) <= 5 * sigma / math.sqrt(eps.size)
        assert z.var() == pytest.approx(sigma ** 2, rel=0.02)


def test_the_discriminator_logit_estimates_kl() -> None:
    module = BANK.solution("gan/density-ratio")
    rng = np.random.default_rng(15)
    for _ in range(20):
        p, q = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
        d_star = p / (p + q)
        # the expectation under P of the logit of D* is exactly KL(P || Q) ...
        logits = np.log(d_star / (1 - d_star))
        assert float(np.sum(p * logits)) == pytest.approx(stats.entropy(p, q), rel=1e-9)
        # ... and the estimator on samples of P is its sample mean
        x = rng.choice(5, size=50, p=p)
        assert module.kl_from_discriminator(d_star[x]) == pytest.approx(
            float(np.mean(logits[x])), rel=1e-9, abs=1e-12)
    for v in variants("gan/density-ratio"):
        d = np.array([float(v.values[f"d{i}"]) for i in range(1, 5)])
        assert as_float(expected(v, "kl")) == pytest.approx(
            float(np.mean(np.log(d / (1 - d)))), rel=1e-9)
        assert as_float(expected(v, "ratio")) == pytest.approx(d[0] / (1 - d[0]), rel=1e-9)

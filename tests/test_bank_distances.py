"""The distances exercises and information/mutual-information, by second methods: every
event enumerated for TV, scipy (wasserstein_distance, entropy, chisquare, quad), the
optimal matching found by trying every permutation, and Monte Carlo with a stated error
bound for the KL between diagonal Gaussians."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.spatial import distance

from tests.bank_support import BANK, as_float, cases, expected, symbolic_at, variants


def table(v, names: str) -> np.ndarray:
    """The distribution whose first entries are the params named in `names` (space
    separated); the last entry is what is left."""
    head = [float(v.values[n]) for n in names.split()]
    return np.array([*head, 1 - math.fsum(head)])


def largest_event_gap(p: np.ndarray, q: np.ndarray) -> float:
    """max over every event A of |P(A) - Q(A)|, by enumeration."""
    best = 0.0
    for r in range(len(p) + 1):
        for event in itertools.combinations(range(len(p)), r):
            best = max(best, abs(math.fsum(p[list(event)]) - math.fsum(q[list(event)])))
    return best


def test_total_variation() -> None:
    module = BANK.solution("distances/total-variation")
    for v in variants("distances/total-variation"):
        p, q = table(v, "p1 p2 p3"), table(v, "q1 q2 q3")
        assert as_float(expected(v, "tv")) == pytest.approx(largest_event_gap(p, q), rel=1e-9)
        for case in cases(v, "tv_distance"):
            assert module.tv_distance(**case) == pytest.approx(
                largest_event_gap(case["p"], case["q"]), rel=1e-9, abs=1e-12)


def test_hellinger() -> None:
    module = BANK.solution("distances/hellinger")
    for v in variants("distances/hellinger"):
        p, q = table(v, "p1 p2"), table(v, "q1 q2")
        h = distance.euclidean(np.sqrt(p), np.sqrt(q)) / math.sqrt(2)
        assert as_float(expected(v, "h")) == pytest.approx(h, rel=1e-9)
        tv = largest_event_gap(p, q)
        assert h ** 2 <= tv <= math.sqrt(2) * h     # so the choice part is right
        assert expected(v, "bound") == "H^2 <= TV <= sqrt(2) H"
        for case in cases(v, "hellinger"):
            want = distance.euclidean(np.sqrt(case["p"]), np.sqrt(case["q"])) / math.sqrt(2)
            assert module.hellinger(**case) == pytest.approx(want, rel=1e-9, abs=1e-12)


def test_wasserstein_reference_equals_scipy() -> None:
    module = BANK.solution("distances/wasserstein-discrete")
    for v in variants("distances/wasserstein-discrete"):
        x = np.array([1.0, 2.0, 3.0, 4.0])
        p, q = table(v, "p1 p2 p3"), table(v, "q1 q2 q3")
        assert as_float(expected(v, "w1")) == pytest.approx(
            stats.wasserstein_distance(x, x, p, q), rel=1e-9)
        assert as_float(expected(v, "shift")) == pytest.approx(
            stats.wasserstein_distance(x, x + 0.5, q, q), rel=1e-9)
        for case in cases(v, "wasserstein_1d"):
            assert module.wasserstein_1d(**case) == pytest.approx(
                stats.wasserstein_distance(**case), rel=1e-9, abs=1e-12)


def test_empirical_wasserstein_is_the_best_matching() -> None:
    for v in variants("distances/wasserstein-empirical"):
        val = v.values
        x = np.array([val["a3"], val["a1"], val["a4"], val["a2"]], dtype=float)   # as listed
        y = np.array([val["b2"], val["b4"], val["b1"], val["b3"]], dtype=float)
        best = min(np.mean(np.abs(x - y[list(perm)])) for perm in itertools.permutations(range(4)))
        assert as_float(expected(v, "w1")) == pytest.approx(best, rel=1e-9)
        assert as_float(expected(v, "w1")) == pytest.approx(stats.wasserstein_distance(x, y),
                                                            rel=1e-9)
        theta = float(val["theta"])
        assert as_float(expected(v, "dirac")) == pytest.approx(
            stats.wasserstein_distance([0.0], [theta]))


def test_chi_squared() -> None:
    module = BANK.solution("distances/chi-squared")
    for v in variants("distances/chi-squared"):
        p, q = table(v, "p1 p2"), table(v, "q1 q2")
        chi2 = stats.chisquare(p, q).statistic
        assert as_float(expected(v, "chi2")) == pytest.approx(chi2, rel=1e-9)
        assert as_float(expected(v, "bound")) == pytest.approx(math.log1p(chi2), rel=1e-9)
        assert stats.entropy(p, q) <= math.log1p(chi2)
        for case in cases(v, "chi_squared"):
            got = module.chi_squared(**case)
            if np.any((case["q"] == 0) & (case["p"] > 0)):
                assert got == math.inf
            else:
                keep = case["q"] > 0
                assert got == pytest.approx(stats.chisquare(case["p"][keep],
                                                            case["q"][keep]).statistic, rel=1e-9)


def test_f_divergences_give_the_named_divergences() -> None:
    for v in variants("distances/f-divergence"):
        p, q = table(v, "p1 p2"), table(v, "q1 q2")

        def d_f(part: str, v=v, p=p, q=q) -> float:  # type: ignore[no-untyped-def]
            return math.fsum(qx * symbolic_at(v, part, t=px / qx)
                             for px, qx in zip(p, q, strict=True))

        assert d_f("kl") == pytest.approx(stats.entropy(p, q), rel=1e-9)
        assert d_f("reverse") == pytest.approx(stats.entropy(q, p), rel=1e-9)
        assert d_f("tv") == pytest.approx(largest_event_gap(p, q), rel=1e-9)
        h = distance.euclidean(np.sqrt(p), np.sqrt(q)) / math.sqrt(2)
        assert as_float(expected(v, "hellinger")) == pytest.approx(2 * h ** 2, rel=1e-9)


def test_pinsker() -> None:
    for v in variants("distances/pinsker"):
        p, q = table(v, "p1 p2"), table(v, "q1 q2")
        tv, kl = largest_event_gap(p, q), stats.entropy(p, q)
        assert as_float(expected(v, "tv")) == pytest.approx(tv, rel=1e-9)
        assert as_float(expected(v, "bound")) == pytest.approx(math.sqrt(kl / 2), rel=1e-9)
        assert tv <= math.sqrt(kl / 2)


def kl_by_quadrature(m1: float, s1: float, m2: float, s2: float) -> float:
    def integrand(x: float) -> float:
        return float(stats.norm.pdf(x, m1, s1) * (stats.norm.logpdf(x, m1, s1)
                                                   - stats.norm.logpdf(x, m2, s2)))

    value, _ = integrate.quad(integrand, m1 - 12 * s1, m1 + 12 * s1, limit=200)
    return float(value)


def test_kl_between_gaussians_by_quadrature() -> None:
    module = BANK.solution("distances/kl-gaussians")
    for v in variants("distances/kl-gaussians"):
        m1, m2, s1, s2 = (float(v.values[n]) for n in ("mu1", "mu2", "s1", "s2"))
        want = kl_by_quadrature(m1, s1, m2, s2)
        assert as_float(expected(v, "kl")) == pytest.approx(want, rel=1e-7)
        assert module.kl_diag_gaussians(np.array([m1]), np.array([s1 ** 2]), np.array([m2]),
                                        np.array([s2 ** 2])) == pytest.approx(want, rel=1e-7)


def test_kl_between_diagonal_gaussians_by_monte_carlo() -> None:
    """The mean of log p(x) - log q(x) over n draws from p: its standard error is the
    sample standard deviation over sqrt(n); the closed form must lie within 5 of them
    (a false alarm about once in 1.7 million runs, and the seed is fixed)."""
    module = BANK.solution("distances/kl-gaussians")
    rng = np.random.default_rng(11)
    n = 200_000
    for v in variants("distances/kl-gaussians", 5):
        for case in cases(v, "kl_diag_gaussians")[4:10]:
            mu1, var1, mu2, var2 = (case[k] for k in ("mu1", "var1", "mu2", "var2"))
            x = rng.normal(mu1, np.sqrt(var1), size=(n, len(mu1)))
            log_ratio = (stats.norm.logpdf(x, mu1, np.sqrt(var1))
                         - stats.norm.logpdf(x, mu2, np.sqrt(var2))).sum(axis=1)
            standard_error = log_ratio.std(ddof=1) / math.sqrt(n)
            assert abs(log_ratio.mean() - module.kl_diag_gaussians(**case)) <= \
                5 * standard_error + 1e-12


def test_mutual_information() -> None:
    module = BANK.solution("information/mutual-information")
    for v in variants("information/mutual-information"):
        joint = np.array([[v.values["a"], v.values["b"]], [v.values["c"], v.values["d"]]],
                         dtype=float)
        px, py = joint.sum(axis=1), joint.sum(axis=0)
        mi_bits = stats.entropy(joint.ravel(), np.outer(px, py).ravel(), base=2)
        assert as_float(expected(v, "mi")) == pytest.approx(mi_bits, rel=1e-9)
        # H(Y|X) = sum_x P(x) H(Y | X = x), by its definition
        h_cond = math.fsum(px[i] * stats.entropy(joint[i] / px[i], base=2) for i in range(2))
        assert as_float(expected(v, "cond")) == pytest.approx(h_cond, rel=1e-9)
        for case in cases(v, "mutual_information"):
            j = case["joint"]
            product = np.outer(j.sum(axis=1), j.sum(axis=0)).ravel()
            assert module.mutual_information(**case) == pytest.approx(
                stats.entropy(j.ravel(), product), rel=1e-9, abs=1e-12)

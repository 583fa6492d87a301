"""Reference for distances/chi-squared: Pearson's chi^2(P || Q) = sum_x (P(x) - Q(x))^2 / Q(x),
the f-divergence of f(t) = (t - 1)^2; infinite when Q(x) = 0 < P(x)."""

import numpy as np


def chi_squared(p, q):
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    if np.any((q == 0) & (p > 0)):
        return float("inf")
    support = q > 0
    return float((((p - q) ** 2)[support] / q[support]).sum())


def chi_squared_reversed(p, q):
    """Divided by P instead of Q: that is chi^2(Q || P) (Neyman's chi-squared)."""
    return chi_squared(q, p)


def chi_squared_no_square(p, q):
    """|P - Q| / Q: the square forgotten."""
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    if np.any((q == 0) & (p > 0)):
        return float("inf")
    support = q > 0
    return float((np.abs(p - q)[support] / q[support]).sum())


def chi_squared_nan_at_zero(p, q):
    """The plain formula: an outcome with q(x) = 0 = p(x) gives 0/0 = nan."""
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(((p - q) ** 2 / q).sum())


def cases_chi_squared(rng, params):
    p = np.array([params["p1"], params["p2"], 1 - params["p1"] - params["p2"]])
    q = np.array([params["q1"], params["q2"], 1 - params["q1"] - params["q2"]])
    yield "positive p and q", {"p": p, "q": q}
    yield "positive p and q", {"p": q, "q": p}
    yield "zeros", {"p": np.array([0.5, 0.5, 0.0]), "q": np.array([0.25, 0.25, 0.5])}
    yield "zeros", {"p": np.array([0.5, 0.5]), "q": np.array([1.0, 0.0])}
    yield "zeros", {"p": np.array([0.5, 0.5, 0.0]), "q": np.array([0.5, 0.5, 0.0])}
    for _ in range(16):
        k = int(rng.integers(2, 8))
        yield "positive p and q", {"p": rng.dirichlet(np.ones(k)), "q": rng.dirichlet(np.ones(k))}

"""Reference for information/kl-divergence."""

import numpy as np


def kl_divergence(p: np.ndarray, q: np.ndarray) -> float:
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    support = p > 0
    if np.any(q[support] == 0):
        return float("inf")
    return float(np.sum(p[support] * np.log(p[support] / q[support])))


def kl_reversed(p: np.ndarray, q: np.ndarray) -> float:
    """The direction mistake: D(q || p)."""
    return kl_divergence(q, p)


def kl_inf_where_both_zero(p: np.ndarray, q: np.ndarray) -> float:
    """A mutant: 0 * log(0/0) taken as infinite instead of 0."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if np.any((p == 0) & (q == 0)):
        return float("inf")
    return kl_divergence(p, q)


def kl_nan_at_zero(p: np.ndarray, q: np.ndarray) -> float:
    """A mutant: the plain formula, so 0 * log 0 is nan."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sum(p * np.log(p / q)))


def cases_kl_divergence(rng, params):
    p = np.array([params["p1"], params["p2"], 1 - params["p1"] - params["p2"]])
    q = np.array([params["q1"], params["q2"], 1 - params["q1"] - params["q2"]])
    yield "positive p and q", {"p": p, "q": q}
    yield "positive p and q", {"p": q, "q": p}
    yield "positive p and q", {"p": np.array([0.5, 0.5]), "q": np.array([0.5, 0.5])}
    yield "zeros in p", {"p": np.array([0.0, 1.0]), "q": np.array([0.5, 0.5])}
    yield "zeros in p", {"p": np.array([1.0, 0.0, 0.0]), "q": np.array([0.2, 0.3, 0.5])}
    yield "zeros in q", {"p": np.array([0.5, 0.5]), "q": np.array([1.0, 0.0])}
    yield "zeros in q", {"p": np.array([0.2, 0.3, 0.5]), "q": np.array([0.0, 0.5, 0.5])}
    # 0 log(0/0) = 0: the outcome has probability 0 under both
    yield "zeros in p and q", {"p": np.array([0.4, 0.6, 0.0]), "q": np.array([0.5, 0.5, 0.0])}
    yield "zeros in p and q", {"p": np.array([0.0, 0.0, 1.0]), "q": np.array([0.0, 0.3, 0.7])}
    for _ in range(20):
        k = int(rng.integers(2, 10))
        yield "positive p and q", {"p": rng.dirichlet(np.ones(k)), "q": rng.dirichlet(np.ones(k))}
    for _ in range(3):
        k = int(rng.integers(3, 8))
        p, q = rng.dirichlet(np.ones(k)), rng.dirichlet(np.ones(k))
        zero = int(rng.integers(0, k))
        p[zero], q[zero] = 0.0, 0.0
        yield "zeros in p and q", {"p": p / p.sum(), "q": q / q.sum()}

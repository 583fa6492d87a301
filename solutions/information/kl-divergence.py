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


def cases_kl_divergence(rng, params):
    p = np.array([params["p1"], params["p2"], 1 - params["p1"] - params["p2"]])
    q = np.array([params["q1"], params["q2"], 1 - params["q1"] - params["q2"]])
    yield {"p": p, "q": q}
    yield {"p": q, "q": p}
    yield {"p": np.array([0.5, 0.5]), "q": np.array([0.5, 0.5])}
    yield {"p": np.array([0.0, 1.0]), "q": np.array([0.5, 0.5])}
    yield {"p": np.array([0.5, 0.5]), "q": np.array([1.0, 0.0])}
    yield {"p": np.array([1.0, 0.0, 0.0]), "q": np.array([0.2, 0.3, 0.5])}
    for _ in range(20):
        k = int(rng.integers(2, 10))
        yield {"p": rng.dirichlet(np.ones(k)), "q": rng.dirichlet(np.ones(k))}

"""Reference for distances/hellinger: H(P, Q) = sqrt(1/2 sum_x (sqrt P(x) - sqrt Q(x))^2)."""

import numpy as np


def _squared_half(p, q):
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    return 0.5 * float(((np.sqrt(p) - np.sqrt(q)) ** 2).sum())


def hellinger(p, q):
    return float(np.sqrt(_squared_half(p, q)))


def hellinger_squared(p, q):
    """H^2 returned for H: the square root forgotten."""
    return _squared_half(p, q)


def hellinger_no_half(p, q):
    """Without the 1/2: sqrt(sum (sqrt p - sqrt q)^2) = sqrt(2) H, which reaches sqrt(2)."""
    return float(np.sqrt(2 * _squared_half(p, q)))


def cases_hellinger(rng, params):
    p = np.array([params["p1"], params["p2"], 1 - params["p1"] - params["p2"]])
    q = np.array([params["q1"], params["q2"], 1 - params["q1"] - params["q2"]])
    yield "positive p and q", {"p": p, "q": q}
    yield "equal distributions", {"p": p, "q": p}
    yield "zeros", {"p": np.array([1.0, 0.0]), "q": np.array([0.0, 1.0])}
    yield "zeros", {"p": np.array([0.0, 0.5, 0.5]), "q": np.array([0.5, 0.5, 0.0])}
    for _ in range(16):
        k = int(rng.integers(2, 8))
        yield "positive p and q", {"p": rng.dirichlet(np.ones(k)), "q": rng.dirichlet(np.ones(k))}

"""Reference for information/entropy: Shannon entropy in any base, with 0 log 0 = 0."""

import math

import numpy as np


def entropy(p: np.ndarray, base: float = math.e) -> float:
    p = np.asarray(p, dtype=float)
    nz = p[p > 0]
    return float(-np.sum(nz * np.log(nz)) / math.log(base))


def entropy_nan_at_zero(p: np.ndarray, base: float = math.e) -> float:
    """The zero-log-zero mistake: p * log(p) is nan where p = 0."""
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(-np.sum(p * np.log(p)) / math.log(base))


def entropy_ignores_base(p: np.ndarray, base: float = math.e) -> float:
    """The wrong-log-base mistake: always nats."""
    return entropy(p)


def cases_entropy(rng, params):
    p = np.array([params["p1"], params["p2"], params["p3"],
                  1 - params["p1"] - params["p2"] - params["p3"]])
    # checks: positive probabilities in nats, other bases, and 0 log 0 = 0
    yield "bases", {"p": p, "base": 2.0}
    yield "positive p", {"p": p}
    yield "bases", {"p": np.array([0.5, 0.5]), "base": 2.0}
    yield "bases", {"p": np.full(4, 0.25), "base": 2.0}
    yield "zeros in p", {"p": np.array([1.0, 0.0, 0.0])}
    yield "zeros in p", {"p": np.array([0.7, 0.0, 0.3]), "base": 10.0}
    for i in range(20):
        k = int(rng.integers(2, 12))
        q = rng.dirichlet(np.ones(k))
        check = "positive p" if i % 3 == 1 else "bases"
        if i % 3 == 0:
            q[rng.integers(0, k)] = 0.0
            q = q / q.sum()
            check = "zeros in p"
        base = (2.0, math.e, 10.0)[i % 3]
        yield check, {"p": q, "base": base}

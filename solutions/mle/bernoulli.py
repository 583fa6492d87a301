"""Reference for mle/bernoulli."""

import numpy as np


def bernoulli_mle(data: np.ndarray) -> float:
    data = np.asarray(data, dtype=float)
    return float(data.mean())


def cases_bernoulli_mle(rng, params):
    n, k = int(params["n"]), int(params["k"])
    yield {"data": np.array([1] * k + [0] * (n - k))}
    yield {"data": np.array([1, 0, 1])}
    yield {"data": np.array([0])}
    yield {"data": np.array([1, 1, 1, 1])}
    for _ in range(20):
        size = int(rng.integers(1, 200))
        yield {"data": rng.integers(0, 2, size=size)}


def share_of_zeros(data: np.ndarray) -> float:
    """The inverted-ratio mistake: the share of zeros instead of ones."""
    return float(1.0 - np.asarray(data, dtype=float).mean())

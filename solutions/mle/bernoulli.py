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

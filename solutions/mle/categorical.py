"""Reference for mle/categorical: the categorical MLE is counts / n."""

import numpy as np


def categorical_mle(data: np.ndarray, k: int) -> np.ndarray:
    data = np.asarray(data, dtype=np.int64)
    counts = np.bincount(data, minlength=k).astype(float)
    return counts / data.size


def categorical_laplace(data: np.ndarray, k: int) -> np.ndarray:
    """The laplace-smoothing mistake: (counts + 1) / (n + k)."""
    data = np.asarray(data, dtype=np.int64)
    counts = np.bincount(data, minlength=k).astype(float)
    return (counts + 1) / (data.size + k)


def categorical_counts(data: np.ndarray, k: int) -> np.ndarray:
    """The counts-not-probabilities mistake."""
    data = np.asarray(data, dtype=np.int64)
    return np.bincount(data, minlength=k).astype(float)


def cases_categorical_mle(rng, params):
    c = [int(params["c1"]), int(params["c2"]), int(params["c3"])]
    yield {"data": np.repeat(np.arange(3), c), "k": 3}
    yield {"data": np.array([0, 1, 1, 2]), "k": 3}
    yield {"data": np.array([1, 1, 1]), "k": 4}       # outcomes 0, 2, 3 never occur
    yield {"data": np.array([0]), "k": 2}
    for _ in range(20):
        k = int(rng.integers(2, 8))
        size = int(rng.integers(1, 80))
        yield {"data": rng.choice(k, size=size, p=rng.dirichlet(np.ones(k))), "k": k}

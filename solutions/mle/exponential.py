"""Reference for mle/exponential: the rate's MLE is 1 / mean."""

import numpy as np


def exponential_mle(data: np.ndarray) -> float:
    data = np.asarray(data, dtype=float)
    return float(data.size / data.sum())


def exponential_returns_mean(data: np.ndarray) -> float:
    """The returned-mean mistake: the mean waiting time instead of the rate."""
    return float(np.asarray(data, dtype=float).mean())


def cases_exponential_mle(rng, params):
    yield {"data": np.array([params[f"x{i}"] for i in range(1, 5)], dtype=float)}
    yield {"data": np.array([2.0])}
    yield {"data": np.array([0.5, 0.5, 0.5])}
    yield {"data": np.array([1.0, 1.0])}   # mean 1: the mistake is harmless here
    for _ in range(20):
        size = int(rng.integers(1, 60))
        yield {"data": rng.exponential(1.0 / rng.uniform(0.1, 5.0), size=size)}

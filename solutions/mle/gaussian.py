"""Reference for mle/gaussian: the Gaussian MLE (mean, biased variance)."""

import numpy as np


def gaussian_mle(data: np.ndarray) -> tuple[float, float]:
    data = np.asarray(data, dtype=float)
    mean = data.mean()
    return float(mean), float(np.mean((data - mean) ** 2))


def gaussian_unbiased(data: np.ndarray) -> tuple[float, float]:
    """The ddof-one mistake: the unbiased variance S / (n - 1) (nan for one observation)."""
    data = np.asarray(data, dtype=float)
    mean = data.mean()
    n = data.size
    if n < 2:
        return float(mean), float("nan")
    return float(mean), float(np.sum((data - mean) ** 2) / (n - 1))


def cases_gaussian_mle(rng, params):
    yield {"data": np.array([params[f"x{i}"] for i in range(1, 6)], dtype=float)}
    yield {"data": np.array([1.0, 3.0])}
    yield {"data": np.array([2.5, 2.5, 2.5])}
    yield {"data": np.array([-4.0])}
    yield {"data": 100.0 + np.array([0.5, -1.0, 2.0, 0.25])}
    for _ in range(20):
        size = int(rng.integers(2, 60))
        yield {"data": rng.normal(rng.uniform(-10, 10), rng.uniform(0.5, 5.0), size=size)}

"""Reference for sampling/monte-carlo: a Monte Carlo mean and its standard error."""

import math

import numpy as np


def mc_estimate(samples: np.ndarray) -> tuple[float, float]:
    samples = np.asarray(samples, dtype=float)
    n = samples.size
    return float(samples.mean()), float(samples.std(ddof=1) / math.sqrt(n))


def mc_se_over_n(samples: np.ndarray) -> tuple[float, float]:
    """The se-over-n mistake: s / n."""
    samples = np.asarray(samples, dtype=float)
    return float(samples.mean()), float(samples.std(ddof=1) / samples.size)


def mc_se_ddof_zero(samples: np.ndarray) -> tuple[float, float]:
    """The ddof-zero mistake: the biased standard deviation over sqrt(n)."""
    samples = np.asarray(samples, dtype=float)
    return float(samples.mean()), float(samples.std() / math.sqrt(samples.size))


def cases_mc_estimate(rng, params):
    yield {"samples": rng.normal(0.0, float(params["sd"]), size=int(params["n"]))}
    yield {"samples": np.array([1.0, 3.0])}
    yield {"samples": np.array([2.0, 2.0, 2.0, 2.0])}
    yield {"samples": np.array([0.0, 1.0, 0.0, 0.0, 1.0])}
    for i in range(20):
        size = int(rng.integers(2, 500))
        if i % 2:
            yield {"samples": rng.exponential(rng.uniform(0.5, 3.0), size=size)}
        else:
            yield {"samples": rng.normal(rng.uniform(-5, 5), rng.uniform(0.1, 4.0), size=size)}

"""Reference for bayes/beta-bernoulli."""

import numpy as np


def beta_posterior(a: float, b: float, data: np.ndarray) -> tuple[float, float]:
    """Beta(a, b) prior, Bernoulli data: Beta(a + passes, b + failures)."""
    data = np.asarray(data).ravel()
    passes = float(np.sum(data == 1))
    return (float(a) + passes, float(b) + float(data.size) - passes)


def beta_posterior_swapped(a: float, b: float, data: np.ndarray) -> tuple[float, float]:
    """The swapped-counts mistake: failures added to a, passes to b."""
    data = np.asarray(data).ravel()
    passes = float(np.sum(data == 1))
    return (float(a) + float(data.size) - passes, float(b) + passes)


def cases_beta_posterior(rng, params):
    n, k = int(params["n_obs"]), int(params["passed"])
    yield {"a": float(params["a0"]), "b": float(params["b0"]),
           "data": np.array([1] * k + [0] * (n - k))}
    yield {"a": 1.0, "b": 1.0, "data": np.array([], dtype=int)}     # no data: the prior
    yield {"a": 2.0, "b": 3.0, "data": np.array([1, 1, 1])}
    yield {"a": 0.5, "b": 0.5, "data": np.array([0, 0])}
    yield {"a": 1.0, "b": 1.0, "data": np.array([1, 0])}             # symmetric: swap agrees
    for _ in range(20):
        yield {"a": float(rng.uniform(0.5, 10)), "b": float(rng.uniform(0.5, 10)),
               "data": rng.integers(0, 2, size=int(rng.integers(1, 60)))}

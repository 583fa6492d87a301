"""Reference for mle/poisson: the Poisson log-likelihood, constant term included."""

import math

import numpy as np


def poisson_log_likelihood(data: np.ndarray, lam: float) -> float:
    data = np.asarray(data, dtype=float)
    log_fact = sum(math.lgamma(x + 1.0) for x in data)
    return float(np.sum(data) * math.log(lam) - data.size * lam - log_fact)


def poisson_loglik_no_constant(data: np.ndarray, lam: float) -> float:
    """The forgot-constant mistake: no -sum(log x!)."""
    data = np.asarray(data, dtype=float)
    return float(np.sum(data) * math.log(lam) - data.size * lam)


def cases_poisson_log_likelihood(rng, params):
    data = np.array([int(params[f"x{i}"]) for i in range(1, 6)])
    yield {"data": data, "lam": float(data.mean())}
    yield {"data": data, "lam": 1.0}
    yield {"data": np.array([0, 0, 0]), "lam": 0.5}
    yield {"data": np.array([3]), "lam": 3.0}
    yield {"data": np.array([40, 52, 47]), "lam": 45.0}
    for _ in range(20):
        lam = float(rng.uniform(0.2, 15.0))
        size = int(rng.integers(1, 50))
        yield {"data": rng.poisson(lam, size=size), "lam": float(rng.uniform(0.1, 20.0))}

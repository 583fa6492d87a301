"""Reference for sampling/inverse-transform: exponential draws by the inverse CDF."""

import numpy as np


def sample_exponential(u: np.ndarray, rate: float) -> np.ndarray:
    u = np.asarray(u, dtype=float)
    return -np.log1p(-u) / rate


def sample_forgot_minus(u: np.ndarray, rate: float) -> np.ndarray:
    """The forgot-minus mistake: log(1 - u) / rate, negative draws."""
    return np.log1p(-np.asarray(u, dtype=float)) / rate


def sample_log_u(u: np.ndarray, rate: float) -> np.ndarray:
    """The one-minus-u mistake: -log(u) / rate (a valid sampler, not the inverse CDF)."""
    with np.errstate(divide="ignore"):
        return -np.log(np.asarray(u, dtype=float)) / rate


def sample_rate_as_scale(u: np.ndarray, rate: float) -> np.ndarray:
    """The rate-as-scale mistake: -rate * log(1 - u)."""
    return -rate * np.log1p(-np.asarray(u, dtype=float))


def cases_sample_exponential(rng, params):
    rate = float(params["rate"])
    yield {"u": np.array([float(params["u0"])]), "rate": rate}
    yield {"u": np.array([0.0, 0.25, 0.5, 0.75, 0.99]), "rate": 1.0}
    yield {"u": np.array([0.1, 0.9]), "rate": 2.0}
    yield {"u": np.array([[0.2, 0.4], [0.6, 0.8]]), "rate": 0.5}
    for _ in range(20):
        size = int(rng.integers(1, 100))
        yield {"u": rng.random(size=size), "rate": float(rng.uniform(0.1, 5.0))}

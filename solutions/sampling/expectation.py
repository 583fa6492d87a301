"""Reference for sampling/expectation: E[X] of a discrete random variable."""

import numpy as np


def expectation(values: np.ndarray, probs: np.ndarray) -> float:
    values = np.asarray(values, dtype=float)
    probs = np.asarray(probs, dtype=float)
    return float(np.sum(values * probs))


def expectation_unweighted(values: np.ndarray, probs: np.ndarray) -> float:
    """The unweighted-mean mistake."""
    return float(np.mean(np.asarray(values, dtype=float)))


def cases_expectation(rng, params):
    p = [params["p1"], params["p2"], params["p3"], 1 - params["p1"] - params["p2"] - params["p3"]]
    yield {"values": np.array([params[f"v{i}"] for i in range(1, 5)], dtype=float),
           "probs": np.array(p)}
    yield {"values": np.array([0.0, 1.0]), "probs": np.array([0.5, 0.5])}
    yield {"values": np.array([-2.0, 3.0, 7.0]), "probs": np.array([0.0, 1.0, 0.0])}
    yield {"values": np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), "probs": np.full(6, 1 / 6)}
    for _ in range(20):
        k = int(rng.integers(1, 10))
        yield {"values": rng.normal(0, 5, size=k), "probs": rng.dirichlet(np.ones(k))}

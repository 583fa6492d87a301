"""Reference for conditional/class-conditional."""

import numpy as np


def total_probability(prior: np.ndarray, conditional: np.ndarray) -> np.ndarray:
    """P(x) = sum_k P(k) P(x | k), for every outcome x."""
    prior = np.asarray(prior, dtype=float)
    conditional = np.asarray(conditional, dtype=float)
    return prior @ conditional


def unweighted_marginal(prior: np.ndarray, conditional: np.ndarray) -> np.ndarray:
    """The unweighted-average mistake: every class counted equally."""
    return np.asarray(conditional, dtype=float).mean(axis=0)


def cases_total_probability(rng, params):
    p = params
    prior = np.array([p["pi1"], p["pi2"], 1 - p["pi1"] - p["pi2"]])
    outdoor = np.array([p["f1"], p["f2"], p["f3"]])
    yield {"prior": prior, "conditional": np.stack([outdoor, 1 - outdoor], axis=1)}
    yield {"prior": np.array([1.0]), "conditional": np.array([[0.2, 0.3, 0.5]])}
    yield {"prior": np.array([0.0, 1.0]), "conditional": np.array([[0.9, 0.1], [0.4, 0.6]])}
    yield {"prior": np.array([0.5, 0.5]), "conditional": np.array([[0.9, 0.1], [0.4, 0.6]])}
    yield {"prior": np.array([0.7, 0.2, 0.1]),
           "conditional": np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])}
    for _ in range(20):
        k, m = int(rng.integers(1, 7)), int(rng.integers(2, 7))
        yield {"prior": rng.dirichlet(np.ones(k)),
               "conditional": rng.dirichlet(np.ones(m), size=k)}

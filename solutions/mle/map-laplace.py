"""Reference for mle/map-laplace: additive (Laplace) smoothing of categorical counts,
(c_j + alpha) / (N + K alpha): the posterior mean under a symmetric Dirichlet(alpha) prior,
and the MAP estimate under Dirichlet(alpha + 1)."""

import numpy as np


def laplace_smoothing(counts, alpha=1.0):
    counts = np.asarray(counts, dtype=float)
    return (counts + alpha) / (counts.sum() + alpha * counts.size)


def smoothing_over_n_plus_alpha(counts, alpha=1.0):
    """alpha added to every count but only once to the total: not a distribution."""
    counts = np.asarray(counts, dtype=float)
    return (counts + alpha) / (counts.sum() + alpha)


def smoothing_ignored(counts, alpha=1.0):
    """The maximum likelihood estimate: an unseen category gets probability 0."""
    counts = np.asarray(counts, dtype=float)
    with np.errstate(invalid="ignore"):
        return counts / counts.sum()


def smoothing_alpha_minus_one(counts, alpha=1.0):
    """The MAP under Dirichlet(alpha), (c + alpha - 1)/(N + K(alpha - 1)): with alpha = 1
    that is no smoothing at all."""
    counts = np.asarray(counts, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (counts + alpha - 1) / (counts.sum() + counts.size * (alpha - 1))


def cases_laplace_smoothing(rng, params):
    yield {"counts": np.array([params["k"], params["n"] - params["k"]])}
    yield {"counts": np.array([params["k"], params["n"] - params["k"]]), "alpha": 0.5}
    yield {"counts": np.array([3, 0, 7, 0])}                  # unseen categories
    yield {"counts": np.array([0, 0, 0]), "alpha": 2.0}       # no data: uniform
    for i in range(12):
        k = int(rng.integers(2, 12))
        counts = rng.integers(0, 20, size=k)
        yield {"counts": counts, "alpha": float(rng.choice([0.1, 0.5, 1.0, 2.0]))} if i % 2 else \
            {"counts": counts}

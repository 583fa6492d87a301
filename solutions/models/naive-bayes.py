"""Reference for models/naive-bayes: the naive Bayes posterior for binary features."""

import numpy as np


def _likelihoods(lik1, lik0, x):
    lik1 = np.asarray(lik1, dtype=float)
    lik0 = np.asarray(lik0, dtype=float)
    on = np.asarray(x).astype(bool)
    l1 = np.prod(np.where(on, lik1, 1 - lik1))
    l0 = np.prod(np.where(on, lik0, 1 - lik0))
    return l1, l0


def naive_bayes_posterior(prior: float, lik1: np.ndarray, lik0: np.ndarray, x: np.ndarray) -> float:
    l1, l0 = _likelihoods(lik1, lik0, x)
    joint1, joint0 = prior * l1, (1 - prior) * l0
    return float(joint1 / (joint1 + joint0))


def nb_forgot_prior(prior: float, lik1: np.ndarray, lik0: np.ndarray, x: np.ndarray) -> float:
    """The forgot-prior mistake: likelihoods normalised without the class priors."""
    l1, l0 = _likelihoods(lik1, lik0, x)
    return float(l1 / (l1 + l0))


def nb_forgot_complement(prior: float, lik1: np.ndarray, lik0: np.ndarray, x: np.ndarray) -> float:
    """The forgot-complement mistake: P(x_j = 1 | y) used even where x_j = 0."""
    ones = np.ones(np.shape(x), dtype=int)
    return naive_bayes_posterior(prior, lik1, lik0, ones)


def cases_naive_bayes_posterior(rng, params):
    ns, nh = int(params["ns"]), int(params["nh"])
    lik1 = np.array([params["k1s"] / ns, params["k2s"] / ns])
    lik0 = np.array([params["k1h"] / nh, params["k2h"] / nh])
    prior = ns / (ns + nh)
    yield {"prior": prior, "lik1": lik1, "lik0": lik0, "x": np.array([1, 0])}
    yield {"prior": prior, "lik1": lik1, "lik0": lik0, "x": np.array([0, 0])}
    yield {"prior": prior, "lik1": lik1, "lik0": lik0, "x": np.array([1, 1])}
    yield {"prior": 0.5, "lik1": np.array([0.8]), "lik0": np.array([0.2]), "x": np.array([0])}
    yield {"prior": 0.1, "lik1": np.array([0.9, 0.7, 0.6]), "lik0": np.array([0.3, 0.2, 0.5]),
           "x": np.array([1, 0, 1])}
    for _ in range(20):
        d = int(rng.integers(1, 9))
        yield {"prior": float(rng.uniform(0.05, 0.95)), "lik1": rng.uniform(0.05, 0.95, size=d),
               "lik0": rng.uniform(0.05, 0.95, size=d), "x": rng.integers(0, 2, size=d)}

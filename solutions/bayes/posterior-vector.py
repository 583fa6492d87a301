"""Reference for bayes/posterior-vector."""

import numpy as np


def posterior(prior: np.ndarray, likelihood: np.ndarray) -> np.ndarray:
    """P(H_k | x) = prior_k * likelihood_k / sum_j prior_j * likelihood_j."""
    joint = np.asarray(prior, dtype=float) * np.asarray(likelihood, dtype=float)
    return joint / joint.sum()


def unnormalized_posterior(prior: np.ndarray, likelihood: np.ndarray) -> np.ndarray:
    """The unnormalized-posterior mistake: prior * likelihood, not divided by P(x)."""
    return np.asarray(prior, dtype=float) * np.asarray(likelihood, dtype=float)


def normalized_likelihood(prior: np.ndarray, likelihood: np.ndarray) -> np.ndarray:
    """The base-rate-neglect mistake: the likelihood normalized, the prior ignored."""
    likelihood = np.asarray(likelihood, dtype=float)
    return likelihood / likelihood.sum()


def cases_posterior(rng, params):
    p = params
    prior = np.array([p["p1"], p["p2"], p["p3"], 1 - p["p1"] - p["p2"] - p["p3"]])
    likelihood = np.array([p["l1"], p["l2"], p["l3"], p["l4"]])
    yield {"prior": prior, "likelihood": likelihood}
    yield {"prior": np.full(4, 0.25), "likelihood": likelihood}         # flat prior
    yield {"prior": prior, "likelihood": np.full(4, 0.3)}               # uninformative evidence
    yield {"prior": np.array([0.0, 1.0, 0.0]), "likelihood": np.array([0.5, 0.2, 0.9])}
    yield {"prior": np.array([0.5, 0.5]), "likelihood": np.array([0.0, 0.4])}
    # tiny, yet within float32 (a correct float32 implementation must pass every case)
    yield {"prior": np.array([0.2, 0.8]), "likelihood": np.array([1e-30, 3e-30])}
    yield {"prior": np.array([1.0]), "likelihood": np.array([0.7])}
    for _ in range(20):
        k = int(rng.integers(2, 9))
        yield {"prior": rng.dirichlet(np.ones(k)), "likelihood": rng.uniform(0.0, 1.0, size=k)}

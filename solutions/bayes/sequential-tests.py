"""Reference for bayes/sequential-tests."""

import numpy as np


def _update(prior: float, sensitivity: float, fpr: float, positive: bool) -> float:
    like_m = sensitivity if positive else 1.0 - sensitivity
    like_not = fpr if positive else 1.0 - fpr
    joint = like_m * prior
    return joint / (joint + like_not * (1.0 - prior))


def sequential_posterior(prior: float, sensitivity: float, fpr: float,
                         results: np.ndarray) -> float:
    """Update on each result in turn: each posterior is the prior of the next test."""
    belief = float(prior)
    for r in np.asarray(results).ravel():
        belief = _update(belief, sensitivity, fpr, bool(r))
    return float(belief)


def update_from_original_prior(prior: float, sensitivity: float, fpr: float,
                               results: np.ndarray) -> float:
    """The reused-prior mistake: each update starts again from the original prior."""
    belief = float(prior)
    for r in np.asarray(results).ravel():
        belief = _update(float(prior), sensitivity, fpr, bool(r))
    return float(belief)


def every_result_as_positive(prior: float, sensitivity: float, fpr: float,
                             results: np.ndarray) -> float:
    """The negative-as-positive mistake: every result updates like a positive."""
    belief = float(prior)
    for _ in np.asarray(results).ravel():
        belief = _update(belief, sensitivity, fpr, True)
    return float(belief)


def cases_sequential_posterior(rng, params):
    base = {"prior": float(params["prevalence"]), "sensitivity": float(params["sensitivity"]),
            "fpr": float(params["fpr"])}
    yield {**base, "results": np.array([1, 1])}
    yield {**base, "results": np.array([1])}
    yield {**base, "results": np.array([], dtype=int)}          # nothing observed: the prior
    yield {**base, "results": np.array([0])}
    yield {**base, "results": np.array([1, 1, 0])}
    yield {**base, "results": np.array([0, 1, 1])}              # same counts, other order
    yield {"prior": 0.5, "sensitivity": 0.9, "fpr": 0.1, "results": np.array([1, 0, 1, 1])}
    for _ in range(20):
        yield {"prior": float(rng.uniform(0.001, 0.6)),
               "sensitivity": float(rng.uniform(0.6, 0.99)),
               "fpr": float(rng.uniform(0.01, 0.3)),
               "results": rng.integers(0, 2, size=int(rng.integers(1, 8)))}

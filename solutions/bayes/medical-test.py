"""Reference for bayes/medical-test."""

import numpy as np


def posterior_prob(prevalence: float, sensitivity: float, fpr: float) -> float:
    joint = sensitivity * prevalence
    return float(joint / (joint + fpr * (1.0 - prevalence)))


def cases_posterior_prob(rng, params):
    yield dict(params)
    yield {"prevalence": 0.5, "sensitivity": 0.9, "fpr": 0.1}
    yield {"prevalence": 1.0, "sensitivity": 0.9, "fpr": 0.2}
    yield {"prevalence": 0.01, "sensitivity": 1.0, "fpr": 0.0}
    for _ in range(20):
        yield {"prevalence": float(rng.uniform(0.001, 0.5)),
               "sensitivity": float(rng.uniform(0.5, 1.0)),
               "fpr": float(rng.uniform(0.001, 0.3))}


def returns_sensitivity(prevalence: float, sensitivity: float, fpr: float) -> float:
    """The inverse-confusion mistake: P(+|D) instead of P(D|+)."""
    return float(sensitivity)

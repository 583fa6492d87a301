"""Reference for gan/density-ratio: a discriminator near D* = P/(P+Q) gives the density
ratio P/Q = D/(1 - D), so D_KL(P || Q) is estimated by the mean, over samples of P, of the
discriminator's logit log(D/(1 - D))."""

import numpy as np


def kl_from_discriminator(d_real):
    d = np.asarray(d_real, dtype=float)
    with np.errstate(divide="ignore"):
        return float(np.mean(np.log(d) - np.log1p(-d)))


def kl_mean_log_d(d_real):
    """The mean of log D, the discriminator's own objective on real data, not a divergence."""
    with np.errstate(divide="ignore"):
        return float(np.mean(np.log(np.asarray(d_real, dtype=float))))


def kl_inverted_ratio(d_real):
    """log((1 - D)/D): the ratio Q/P, so minus the estimate."""
    return -kl_from_discriminator(d_real)


def kl_log_of_mean_ratio(d_real):
    """log of the mean ratio D/(1 - D): Jensen's gap again."""
    d = np.asarray(d_real, dtype=float)
    with np.errstate(divide="ignore"):
        return float(np.log(np.mean(d / (1 - d))))


def cases_kl_from_discriminator(rng, params):
    yield "the exercise's outputs", {"d_real": np.array([params[f"d{i}"] for i in range(1, 5)],
                                                        dtype=float)}
    yield "other outputs", {"d_real": np.full(5, 0.5)}                        # P = Q: 0
    yield "other outputs", {"d_real": np.array([0.9, 0.6, 0.75, 0.2, 0.99])}
    yield "a sure discriminator", {"d_real": np.array([1.0, 0.7])}              # inf
    for _ in range(12):
        yield "other outputs", {"d_real": rng.uniform(0.05, 0.98, size=int(rng.integers(2, 30)))}

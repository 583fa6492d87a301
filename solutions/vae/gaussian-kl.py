"""Reference for vae/gaussian-kl: the KL term of a Gaussian VAE,
D_KL(N(mu, diag exp(logvar)) || N(0, I)) = -1/2 sum_d (1 + logvar - mu^2 - exp(logvar)),
one value per example (rows of mu and logvar)."""

import numpy as np


def vae_kl(mu, logvar):
    mu = np.asarray(mu, dtype=float)
    logvar = np.asarray(logvar, dtype=float)
    return -0.5 * np.sum(1 + logvar - mu ** 2 - np.exp(logvar), axis=-1)


def vae_kl_sign_flipped(mu, logvar):
    """The leading minus sign dropped: a negative 'divergence', rewarded by the optimiser."""
    return -vae_kl(mu, logvar)


def vae_kl_mean_over_dims(mu, logvar):
    """Averaged over the latent dimensions instead of summed: too small by a factor D."""
    return vae_kl(mu, logvar) / np.shape(mu)[-1]


def vae_kl_logvar_as_log_std(mu, logvar):
    """logvar read as log sigma: the variance taken as exp(2 logvar) and its log as 2 logvar."""
    return vae_kl(mu, 2 * np.asarray(logvar, dtype=float))


def vae_kl_no_log_det(mu, logvar):
    """The log-variance term (the log-determinant) forgotten."""
    mu = np.asarray(mu, dtype=float)
    logvar = np.asarray(logvar, dtype=float)
    return -0.5 * np.sum(1 - mu ** 2 - np.exp(logvar), axis=-1)


def cases_vae_kl(rng, params):
    mu = np.array([[params["m1"], params["m2"]]], dtype=float)
    logvar = np.log(np.array([[params["v1"], params["v2"]]], dtype=float))
    yield "one example", {"mu": mu, "logvar": logvar}
    yield "batches", {"mu": np.zeros((2, 3)), "logvar": np.zeros((2, 3))}                 # 0
    yield "one example", {"mu": np.array([[1.0, -1.0, 0.5]]), "logvar": np.array([[0.0, -2.0, 1.0]])}
    for _ in range(14):
        n, d = int(rng.integers(1, 6)), int(rng.integers(2, 9))
        yield "batches", {"mu": rng.normal(size=(n, d)), "logvar": rng.normal(0, 1, size=(n, d))}

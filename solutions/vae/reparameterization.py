"""Reference for vae/reparameterization: z = mu + sigma * eps with sigma = exp(logvar / 2),
a deterministic, differentiable function of the encoder's outputs and independent noise."""

import numpy as np


def reparameterize(mu, logvar, eps):
    mu = np.asarray(mu, dtype=float)
    logvar = np.asarray(logvar, dtype=float)
    return mu + np.exp(0.5 * logvar) * np.asarray(eps, dtype=float)


def reparameterize_variance(mu, logvar, eps):
    """The variance exp(logvar) used as the scale: sigma^2 * eps."""
    return np.asarray(mu, dtype=float) + np.exp(np.asarray(logvar, dtype=float)) * \
        np.asarray(eps, dtype=float)


def reparameterize_logvar_as_std(mu, logvar, eps):
    """logvar used as if it were sigma itself."""
    return np.asarray(mu, dtype=float) + np.asarray(logvar, dtype=float) * \
        np.asarray(eps, dtype=float)


def cases_reparameterize(rng, params):
    mu = np.array([params["m"]], dtype=float)
    logvar = np.array([params["lv"]], dtype=float)
    yield "one value", {"mu": mu, "logvar": logvar, "eps": np.array([params["e"]], dtype=float)}
    yield "batches", {"mu": np.zeros(3), "logvar": np.zeros(3), "eps": np.array([0.5, -1.0, 2.0])}
    yield "batches", {"mu": np.array([1.0, -1.0]), "logvar": np.array([-2.0, 1.5]), "eps": np.zeros(2)}
    for _ in range(12):
        n, d = int(rng.integers(1, 5)), int(rng.integers(1, 6))
        yield "batches", {"mu": rng.normal(size=(n, d)), "logvar": rng.normal(0, 1.5, size=(n, d)),
                          "eps": rng.normal(size=(n, d))}

"""Reference for evaluation/kl-from-samples: the Monte Carlo estimate of D_KL(P || Q) from
samples x_i ~ P, the mean of log p(x_i) - log q(x_i), with its standard error
(the sample standard deviation, ddof=1, over sqrt(n))."""

import numpy as np


def kl_estimate(log_p, log_q):
    r = np.asarray(log_p, dtype=float) - np.asarray(log_q, dtype=float)
    return float(r.mean()), float(r.std(ddof=1) / np.sqrt(r.size))


def kl_estimate_reversed(log_p, log_q):
    """log q - log p: the sign (and so the direction) flipped."""
    return kl_estimate(log_q, log_p)


def kl_estimate_no_sqrt_n(log_p, log_q):
    """The standard deviation of one term given as the standard error of the mean."""
    r = np.asarray(log_p, dtype=float) - np.asarray(log_q, dtype=float)
    return float(r.mean()), float(r.std(ddof=1))


def kl_estimate_log_of_mean(log_p, log_q):
    """log of the mean likelihood ratio: Jensen's gap makes it a different quantity."""
    r = np.asarray(log_p, dtype=float) - np.asarray(log_q, dtype=float)
    m = r.max()
    return float(m + np.log(np.mean(np.exp(r - m)))), float(r.std(ddof=1) / np.sqrt(r.size))


def cases_kl_estimate(rng, params):
    x = np.array([params[f"x{i}"] for i in range(1, 6)], dtype=float)
    m, s = float(params["m"]), float(params["s"])
    log_p = -0.5 * x ** 2 - 0.5 * np.log(2 * np.pi)
    log_q = -0.5 * ((x - m) / s) ** 2 - np.log(s) - 0.5 * np.log(2 * np.pi)
    yield "the exercise's samples", {"log_p": log_p, "log_q": log_q}
    yield "other samples", {"log_p": np.array([-1.0, -2.0]), "log_q": np.array([-1.5, -1.5])}
    for _ in range(14):
        n = int(rng.integers(2, 40))
        log_p = rng.normal(-2, 1, size=n)
        yield "other samples", {"log_p": log_p, "log_q": log_p - rng.normal(0.3, 0.5, size=n)}

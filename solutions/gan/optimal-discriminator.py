"""Reference for gan/optimal-discriminator: the GAN value of a discriminator on discrete
distributions, V(D, G) = sum_x P(x) log D(x) + sum_x Q(x) log(1 - D(x)), where a term
with zero probability counts 0 whatever D says."""

import numpy as np


def _expect_log(weights, values):
    weights = np.asarray(weights, dtype=float)
    values = np.asarray(values, dtype=float)
    keep = weights > 0
    with np.errstate(divide="ignore"):
        return float(np.sum(weights[keep] * np.log(values[keep])))


def gan_value(p, q, d):
    return _expect_log(p, d) + _expect_log(q, 1 - np.asarray(d, dtype=float))


def gan_value_swapped(p, q, d):
    """The roles exchanged: the generator's samples scored with log D."""
    return gan_value(q, p, d)


def gan_value_nan_at_zero(p, q, d):
    """Zero-probability terms not skipped: 0 * log 0 gives nan."""
    p, q, d = (np.asarray(x, dtype=float) for x in (p, q, d))
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sum(p * np.log(d)) + np.sum(q * np.log(1 - d)))


def _optimal(p, q):
    return p / (p + q)


def cases_gan_value(rng, params):
    p = np.array([params["p1"], params["p2"], 1 - params["p1"] - params["p2"]])
    q = np.array([params["q1"], params["q2"], 1 - params["q1"] - params["q2"]])
    yield "optimal discriminator", {"p": p, "q": q, "d": _optimal(p, q)}
    yield "other discriminators", {"p": p, "q": q, "d": np.full(3, 0.5)}
    yield "optimal discriminator", {"p": p, "q": p, "d": np.full(3, 0.5)}           # -log 4
    # disjoint supports: D* is 1 on P's support, 0 on Q's; V = 0
    yield "zero probabilities", {"p": np.array([0.5, 0.5, 0.0]), "q": np.array([0.0, 0.0, 1.0]),
                                 "d": np.array([1.0, 1.0, 0.0])}
    yield "zero probabilities", {"p": np.array([0.2, 0.8, 0.0]), "q": np.array([0.0, 0.5, 0.5]),
                                 "d": np.array([1.0, 0.8 / 1.3, 0.0])}
    for i in range(12):
        k = int(rng.integers(2, 7))
        p, q = rng.dirichlet(np.ones(k)), rng.dirichlet(np.ones(k))
        if i % 2:
            yield "optimal discriminator", {"p": p, "q": q, "d": _optimal(p, q)}
        else:
            yield "other discriminators", {"p": p, "q": q, "d": rng.uniform(0.05, 0.95, size=k)}

"""Reference for evaluation/inception-score: IS = exp(E_x D_KL(p(y|x) || p(y))), with p(y)
the mean of the classifier's predictions over the generated images (0 log 0 = 0)."""

import numpy as np


def _kl_rows(p, q):
    """D_KL(p_i || q_i) for each row i (q may broadcast)."""
    p, q = np.broadcast_arrays(p, q)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p / q), 0.0)
    return terms.sum(axis=1)


def inception_score(probs):
    probs = np.asarray(probs, dtype=float)
    marginal = probs.mean(axis=0, keepdims=True)
    return float(np.exp(_kl_rows(probs, marginal).mean()))


def inception_score_no_exp(probs):
    """The mean KL itself: log IS."""
    return float(np.log(inception_score(probs)))


def inception_score_reversed(probs):
    """D_KL(p(y) || p(y|x)): the marginal first."""
    probs = np.asarray(probs, dtype=float)
    marginal = np.broadcast_to(probs.mean(axis=0, keepdims=True), probs.shape)
    return float(np.exp(_kl_rows(marginal, probs).mean()))


def inception_score_mean_of_exp(probs):
    """exp of each image's KL, then the mean: the exponential applied too early."""
    probs = np.asarray(probs, dtype=float)
    marginal = probs.mean(axis=0, keepdims=True)
    return float(np.exp(_kl_rows(probs, marginal)).mean())


def cases_inception_score(rng, params):
    u = [params["u1"], params["u2"], 1 - params["u1"] - params["u2"]]
    w = [params["w1"], params["w2"], 1 - params["w1"] - params["w2"]]
    yield "uncertain predictions", {"probs": np.array([u, w], dtype=float)}
    yield "extremes", {"probs": np.eye(4)}                      # IS = number of classes
    yield "extremes", {"probs": np.full((3, 5), 0.2)}           # IS = 1
    yield "extremes", {"probs": np.array([[1.0, 0.0], [1.0, 0.0], [0.5, 0.5]])}
    for _ in range(12):
        n, c = int(rng.integers(2, 10)), int(rng.integers(2, 8))
        yield "uncertain predictions", {"probs": rng.dirichlet(np.full(c, 0.5), size=n)}

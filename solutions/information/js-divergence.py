"""Reference for information/js-divergence: Jensen-Shannon divergence in nats."""

import numpy as np


def _kl(p: np.ndarray, m: np.ndarray) -> float:
    support = p > 0          # m > 0 wherever p > 0, since m >= p / 2
    return float(np.sum(p[support] * np.log(p[support] / m[support])))


def js_divergence(p: np.ndarray, q: np.ndarray) -> float:
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    m = (p + q) / 2
    return 0.5 * _kl(p, m) + 0.5 * _kl(q, m)


def js_distance(p: np.ndarray, q: np.ndarray) -> float:
    """The distance-not-divergence mistake: sqrt(JS), as scipy's jensenshannon."""
    return float(np.sqrt(max(js_divergence(p, q), 0.0)))


def js_no_half(p: np.ndarray, q: np.ndarray) -> float:
    """The forgot-half mistake: KL(P||M) + KL(Q||M)."""
    return 2 * js_divergence(p, q)


def cases_js_divergence(rng, params):
    p = np.array([params["p1"], params["p2"], 1 - params["p1"] - params["p2"]])
    q = np.array([params["q1"], params["q2"], 1 - params["q1"] - params["q2"]])
    # checks: positive probabilities, and zeros (0 log 0 = 0; M > 0 wherever p or q is)
    yield "positive p and q", {"p": p, "q": q}
    yield "positive p and q", {"p": q, "q": p}
    yield "positive p and q", {"p": np.array([0.5, 0.5]), "q": np.array([0.5, 0.5])}
    yield "zeros", {"p": np.array([1.0, 0.0]), "q": np.array([0.0, 1.0])}
    yield "zeros", {"p": np.array([0.5, 0.5, 0.0]), "q": np.array([0.0, 0.2, 0.8])}
    for i in range(20):
        k = int(rng.integers(2, 10))
        a, b = rng.dirichlet(np.ones(k)), rng.dirichlet(np.ones(k))
        check = "positive p and q"
        if i % 4 == 0:
            a[rng.integers(0, k)] = 0.0
            a = a / a.sum()
            check = "zeros"
        yield check, {"p": a, "q": b}


def js_nan_at_zero(p: np.ndarray, q: np.ndarray) -> float:
    """A mutant: the plain formula, so a zero in p or q makes 0 * log 0 = nan."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    m = (p + q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(0.5 * np.sum(p * np.log(p / m)) + 0.5 * np.sum(q * np.log(q / m)))

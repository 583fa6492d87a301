"""Reference for losses/poisson-nll: torch.nn.functional.poisson_nll_loss, in NumPy.

    log_input=True:  loss = exp(input) - target * input          (input is log lambda)
    log_input=False: loss = input - target * log(input + eps)     (input is lambda)
    full=True adds Stirling's approximation of log(target!),
        target * log(target) - target + 0.5 * log(2 pi target), where target > 1.
"""

import numpy as np


def _stirling(target):
    big = target > 1
    safe = np.where(big, target, 2.0)
    term = safe * np.log(safe) - safe + 0.5 * np.log(2 * np.pi * safe)
    return np.where(big, term, 0.0)


def _reduce(losses, reduction):
    if reduction == "none":
        return losses
    return float(losses.sum()) if reduction == "sum" else float(losses.mean())


def poisson_nll_loss(input, target, log_input=True, full=False, eps=1e-8, reduction="mean"):
    x = np.asarray(input, dtype=float)
    y = np.asarray(target, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        losses = np.exp(x) - y * x if log_input else x - y * np.log(x + eps)
    if full:
        losses = losses + _stirling(y)
    return _reduce(losses, reduction)


# --------------------------------------------------------------------------- wrong versions

def poisson_log_input_ignored(input, target, log_input=True, full=False, eps=1e-8,
                              reduction="mean"):
    """The input always read as the rate lambda, even when it is log lambda."""
    return poisson_nll_loss(input, target, False, full, eps, reduction)


def poisson_exact_log_factorial(input, target, log_input=True, full=False, eps=1e-8,
                                reduction="mean"):
    """full=True adding the exact log(target!) for every target: torch adds Stirling's
    approximation, and only where target > 1."""
    from math import lgamma

    base = poisson_nll_loss(input, target, log_input, False, eps, "none")
    if full:
        y = np.asarray(target, dtype=float)
        base = base + np.vectorize(lambda t: lgamma(t + 1))(y)
    return _reduce(np.asarray(base), reduction)


def poisson_stirling_everywhere(input, target, log_input=True, full=False, eps=1e-8,
                                reduction="mean"):
    """Stirling's term added for every positive target, also at target = 1."""
    base = poisson_nll_loss(input, target, log_input, False, eps, "none")
    if full:
        y = np.asarray(target, dtype=float)
        pos = y > 0
        safe = np.where(pos, y, 1.0)
        base = base + np.where(pos, safe * np.log(safe) - safe + 0.5 * np.log(2 * np.pi * safe),
                               0.0)
    return _reduce(np.asarray(base), reduction)


# --------------------------------------------------------------------------- cases

def cases_poisson_nll_loss(rng, params):
    lam = np.array([params["lam1"], params["lam2"]])
    k = np.array([float(params["k1"]), float(params["k2"])])
    # the exercise's own two counts, the rate given both ways
    yield "log_input", {"input": np.log(lam), "target": k}
    yield "rate input", {"input": lam, "target": k, "log_input": False}
    yield "full", {"input": np.log(lam), "target": k, "full": True, "reduction": "sum"}
    # full: Stirling's term only where target > 1 (0, 1 and larger counts together)
    yield "full", {"input": np.array([0.5, 0.1, 1.2, 2.0]), "target": np.array([0.0, 1.0, 2.0, 7.0]),
                   "full": True, "reduction": "none"}
    yield "full", {"input": np.array([1.5, 0.2, 3.0]), "target": np.array([1.0, 0.0, 4.0]),
                   "log_input": False, "full": True, "reduction": "none"}
    # eps: a rate of 0 with log_input=False
    yield "rate input", {"input": np.array([0.0, 2.0]), "target": np.array([1.0, 3.0]),
                         "log_input": False, "reduction": "sum"}
    for i in range(16):
        n, d = int(rng.integers(1, 5)), int(rng.integers(1, 4))
        log_input = bool(i % 2)
        full = i % 4 >= 2
        x = rng.normal(0, 1, size=(n, d)) if log_input else rng.uniform(0.1, 5, size=(n, d))
        check = "full" if full else "log_input" if log_input else "rate input"
        yield check, {"input": x, "target": rng.poisson(2.5, size=(n, d)).astype(float),
                      "log_input": log_input, "full": full,
                      "reduction": ("mean", "sum", "none")[i % 3]}

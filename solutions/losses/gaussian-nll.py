"""Reference for losses/gaussian-nll: torch.nn.functional.gaussian_nll_loss, in NumPy.

    loss = 0.5 * (log(max(var, eps)) + (input - target)^2 / max(var, eps))  [+ 0.5 log(2 pi)]

`var` may have the input's shape, or that shape with its last dimension 1 or dropped
(one variance per example, shared by its features).
"""

import math

import numpy as np


def _broadcast_var(input, var):
    if var.shape == input.shape:
        return var
    if var.shape == input.shape[:-1]:
        return var[..., None]
    if var.shape[:-1] == input.shape[:-1] and var.shape[-1:] == (1,):
        return var
    raise ValueError(f"var of shape {var.shape} does not fit input of shape {input.shape}")


def _reduce(losses, reduction):
    if reduction == "none":
        return losses
    return float(losses.sum()) if reduction == "sum" else float(losses.mean())


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    input = np.asarray(input, dtype=float)
    target = np.asarray(target, dtype=float)
    var = np.maximum(_broadcast_var(input, np.asarray(var, dtype=float)), eps)
    losses = 0.5 * (np.log(var) + (input - target) ** 2 / var)
    if full:
        losses = losses + 0.5 * math.log(2 * math.pi)
    return _reduce(np.broadcast_to(losses, np.broadcast_shapes(losses.shape, input.shape)),
                   reduction)


# --------------------------------------------------------------------------- wrong versions

def gaussian_nll_no_log_var(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Only the squared error over the variance: the log-determinant term is missing."""
    input = np.asarray(input, dtype=float)
    target = np.asarray(target, dtype=float)
    var = np.maximum(_broadcast_var(input, np.asarray(var, dtype=float)), eps)
    losses = 0.5 * (input - target) ** 2 / var
    if full:
        losses = losses + 0.5 * math.log(2 * math.pi)
    return _reduce(np.broadcast_to(losses, input.shape), reduction)


def gaussian_nll_std_for_var(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """`var` read as a standard deviation: sigma^2 = var^2."""
    v = np.asarray(var, dtype=float)
    return gaussian_nll_loss(input, target, v ** 2, full, eps, reduction)


def gaussian_nll_constant_always(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 log(2 pi) added whether or not full=True."""
    return gaussian_nll_loss(input, target, var, True, eps, reduction)


def gaussian_nll_no_clamp(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """The variance used as given: a tiny or zero variance is not clamped to eps."""
    input = np.asarray(input, dtype=float)
    target = np.asarray(target, dtype=float)
    v = _broadcast_var(input, np.asarray(var, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        losses = 0.5 * (np.log(v) + (input - target) ** 2 / v)
    if full:
        losses = losses + 0.5 * math.log(2 * math.pi)
    return _reduce(np.broadcast_to(losses, input.shape), reduction)


# --------------------------------------------------------------------------- cases

def cases_gaussian_nll_loss(rng, params):
    mu = np.array([[params["mu1"]], [params["mu2"]]])
    y = np.array([[params["y1"]], [params["y2"]]])
    var = np.array([[params["v1"]], [params["v2"]]])
    # the exercise's own two predictions
    yield "per-element variance", {"input": mu, "target": y, "var": var}
    yield "full", {"input": mu, "target": y, "var": var, "full": True}
    yield "per-element variance", {"input": mu, "target": y, "var": var, "reduction": "sum"}
    # one variance per example shared by its features: shape (N, 1) and (N,)
    yield "shared variance", {"input": np.array([[0.0, 1.0, 2.0], [1.0, 1.0, 1.0]]),
                              "target": np.array([[0.5, 0.5, 2.5], [0.0, 2.0, 1.5]]),
                              "var": np.array([[0.5], [2.0]]), "reduction": "none"}
    yield "shared variance", {"input": np.array([[0.0, 1.0], [1.0, 1.0]]),
                              "target": np.array([[0.5, 0.5], [0.0, 2.0]]),
                              "var": np.array([0.5, 2.0]), "full": True}
    # eps: a variance of zero or below eps is clamped
    yield "eps", {"input": np.array([[1.0, 2.0]]), "target": np.array([[1.001, 2.0]]),
                  "var": np.array([[0.0, 1e-9]]), "reduction": "none"}
    yield "eps", {"input": np.array([[1.0, 2.0]]), "target": np.array([[1.5, 2.0]]),
                  "var": np.array([[1e-4, 1.0]]), "eps": 1e-2, "reduction": "sum"}
    for i in range(16):
        n, d = int(rng.integers(1, 5)), int(rng.integers(1, 4))
        shape = (n, d) if i % 3 else (n, 1)
        full = bool(i % 2)
        check = "full" if full else "per-element variance" if i % 3 else "shared variance"
        yield check, {"input": rng.normal(size=(n, d)), "target": rng.normal(size=(n, d)),
                      "var": rng.uniform(0.1, 3.0, size=shape), "full": full,
                      "reduction": ("mean", "sum", "none")[i % 3]}

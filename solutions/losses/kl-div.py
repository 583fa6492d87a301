"""Reference for losses/kl-div: torch.nn.functional.kl_div, in NumPy.

`input` holds the model's log-probabilities log Q, `target` the data's probabilities P (or
log P with log_target=True); the pointwise loss is P (log P - log Q), so summing it over
the classes gives D_KL(P || Q): the *second* argument is the first of the divergence.
"""

import numpy as np


def _pointwise(input, target, log_target):
    input = np.asarray(input, dtype=float)
    target = np.asarray(target, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if log_target:
            return np.exp(target) * (target - input)
        # xlogy(P, P): 0 log 0 = 0, as torch defines it.
        p_log_p = np.where(target == 0, 0.0, target * np.log(np.where(target == 0, 1.0, target)))
        return p_log_p - target * input


def _reduce(losses, reduction, batch):
    if reduction == "none":
        return losses
    total = float(losses.sum())
    if reduction == "sum":
        return total
    if reduction == "batchmean":
        return total / batch
    return float(losses.mean())


def kl_div(input, target, reduction="mean", log_target=False):
    losses = _pointwise(input, target, log_target)
    return _reduce(losses, reduction, _batch(input))


# --------------------------------------------------------------------------- wrong versions

def kl_div_batchmean_is_mean(input, target, reduction="mean", log_target=False):
    """batchmean divided by every element (N*C), as "mean" does, not by the batch size N."""
    if reduction == "batchmean":
        reduction = "mean"
    return kl_div(input, target, reduction, log_target)


def kl_div_reversed(input, target, reduction="mean", log_target=False):
    """D_KL(Q || P): the expectation under the model instead of the data."""
    log_q = np.asarray(input, dtype=float)
    log_p = np.asarray(target, dtype=float) if log_target else _safe_log(target)
    with np.errstate(invalid="ignore"):
        losses = np.exp(log_q) * (log_q - log_p)
    return _reduce(losses, reduction, _batch(input))


def kl_div_ignores_log_target(input, target, reduction="mean", log_target=False):
    """log_target read as if the target were probabilities."""
    return kl_div(input, target, reduction, False)


def kl_div_nan_at_zero(input, target, reduction="mean", log_target=False):
    """P log P computed directly: 0 log 0 gives nan instead of 0."""
    if log_target:
        return kl_div(input, target, reduction, True)
    input = np.asarray(input, dtype=float)
    target = np.asarray(target, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        losses = target * np.log(target) - target * input
    return _reduce(losses, reduction, _batch(input))


def _batch(input):
    return np.shape(input)[0] if np.ndim(input) else 1


def _safe_log(x):
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(x, dtype=float))


def _log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


# --------------------------------------------------------------------------- cases

def cases_kl_div(rng, params):
    p = np.array([[params["p1"], params["p2"], 1 - params["p1"] - params["p2"]],
                  [params["r1"], params["r2"], 1 - params["r1"] - params["r2"]]])
    q = np.array([[params["q1"], params["q2"], 1 - params["q1"] - params["q2"]],
                  [params["s1"], params["s2"], 1 - params["s1"] - params["s2"]]])
    # the exercise's own batch, each reduction
    yield "batchmean", {"input": np.log(q), "target": p, "reduction": "batchmean"}
    for reduction in ("mean", "sum", "none"):
        yield "other reductions", {"input": np.log(q), "target": p, "reduction": reduction}
    # log_target: the same batch with log P as the target
    yield "log_target", {"input": np.log(q), "target": np.log(p), "reduction": "batchmean",
                         "log_target": True}
    yield "log_target", {"input": np.log(q), "target": np.log(p), "reduction": "none",
                         "log_target": True}
    # zeros in the target: 0 log 0 = 0
    yield "zeros in the target", {"input": np.log(np.array([[0.2, 0.3, 0.5]])),
                                  "target": np.array([[0.0, 0.4, 0.6]]), "reduction": "sum"}
    yield "zeros in the target", {"input": np.log(np.array([[0.5, 0.5], [0.9, 0.1]])),
                                  "target": np.array([[1.0, 0.0], [0.0, 1.0]]),
                                  "reduction": "none"}
    # random batches
    for i in range(16):
        n, c = int(rng.integers(1, 6)), int(rng.integers(2, 7))
        log_q = _log_softmax(rng.normal(0, 1.5, size=(n, c)))
        p = rng.dirichlet(np.ones(c), size=n)
        log_target = i % 4 == 3
        reduction = ("batchmean", "mean", "sum", "none")[i % 4]
        check = "log_target" if log_target else \
            "batchmean" if reduction == "batchmean" else "other reductions"
        yield check, {"input": log_q, "target": np.log(p) if log_target else p,
                      "reduction": reduction, "log_target": log_target}

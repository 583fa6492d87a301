"""Reference for losses/bce-with-logits: torch.nn.functional.binary_cross_entropy_with_logits
(BCEWithLogitsLoss), in NumPy: weight per element, pos_weight per class (the last axis).

    loss = -weight * (pos_weight * y * log sigmoid(x) + (1 - y) * log(1 - sigmoid(x)))

computed from log sigmoid(x) = -softplus(-x) and log(1 - sigmoid(x)) = -softplus(x), which
stay finite for any logit.
"""

import numpy as np


def _softplus(x):
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _reduce(losses, reduction):
    if reduction == "none":
        return losses
    return float(losses.sum()) if reduction == "sum" else float(losses.mean())


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None,
                                     reduction="mean"):
    x = np.asarray(input, dtype=float)
    y = np.asarray(target, dtype=float)
    pw = 1.0 if pos_weight is None else np.asarray(pos_weight, dtype=float)
    losses = pw * y * _softplus(-x) + (1 - y) * _softplus(x)
    if weight is not None:
        losses = losses * np.asarray(weight, dtype=float)
    return _reduce(losses, reduction)


# --------------------------------------------------------------------------- wrong versions

def bce_pos_weight_on_negatives(input, target, weight=None, pos_weight=None,
                                reduction="mean"):
    """pos_weight applied to the negative term (y = 0) instead of the positive one."""
    x = np.asarray(input, dtype=float)
    y = np.asarray(target, dtype=float)
    pw = 1.0 if pos_weight is None else np.asarray(pos_weight, dtype=float)
    losses = y * _softplus(-x) + pw * (1 - y) * _softplus(x)
    if weight is not None:
        losses = losses * np.asarray(weight, dtype=float)
    return _reduce(losses, reduction)


def bce_mean_over_weights(input, target, weight=None, pos_weight=None, reduction="mean"):
    """With weights, "mean" divided by the total weight (as NLLLoss does); BCE divides by
    the number of elements."""
    if weight is None or reduction != "mean":
        return binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction)
    total = binary_cross_entropy_with_logits(input, target, weight, pos_weight, "sum")
    w = np.broadcast_to(np.asarray(weight, dtype=float), np.shape(input))
    return total / float(w.sum())


def bce_naive_sigmoid(input, target, weight=None, pos_weight=None, reduction="mean"):
    """sigmoid first, then logs: right formula, but log(0) = -inf for large logits."""
    x = np.asarray(input, dtype=float)
    y = np.asarray(target, dtype=float)
    pw = 1.0 if pos_weight is None else np.asarray(pos_weight, dtype=float)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        s = 1 / (1 + np.exp(-x))
        losses = -(pw * y * np.log(s) + (1 - y) * np.log(1 - s))
    if weight is not None:
        losses = losses * np.asarray(weight, dtype=float)
    return _reduce(losses, reduction)


# --------------------------------------------------------------------------- cases

def cases_binary_cross_entropy_with_logits(rng, params):
    x = np.array([params["x1"], params["x2"], params["x3"]])
    y = np.array([1.0, 0.0, 1.0])
    pw = float(params["pw"])
    # the exercise's own three examples
    yield "plain", {"input": x, "target": y}
    yield "plain", {"input": x, "target": y, "reduction": "sum"}
    yield "pos_weight", {"input": x, "target": y, "pos_weight": np.array([pw])}
    # weights: "mean" still divides by the number of elements
    yield "weight", {"input": x, "target": y, "weight": np.array([2.0, 0.5, 1.0])}
    # pos_weight per class, broadcast over a batch of multi-label rows
    yield "pos_weight", {"input": np.array([[0.5, -1.0], [2.0, 0.3], [-0.7, 1.5]]),
                         "target": np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]),
                         "pos_weight": np.array([3.0, 0.5]), "reduction": "none"}
    # soft targets
    yield "soft targets", {"input": x, "target": np.array([0.3, 0.9, 0.5]),
                           "pos_weight": np.array([pw])}
    # large logits stay finite
    yield "large logits", {"input": np.array([60.0, -60.0, 800.0, -800.0]),
                           "target": np.array([0.0, 1.0, 1.0, 0.0]), "reduction": "none"}
    for i in range(16):
        n, c = int(rng.integers(1, 5)), int(rng.integers(1, 4))
        case = {"input": rng.normal(0, 3, size=(n, c)),
                "target": (rng.uniform(size=(n, c)) < 0.5).astype(float) if i % 4 else
                rng.uniform(size=(n, c)),
                "reduction": ("mean", "sum", "none")[i % 3]}
        if i % 2:
            case["pos_weight"] = rng.uniform(0.3, 4.0, size=c)
        if i % 3 == 1:
            case["weight"] = rng.uniform(0.2, 2.0, size=c)
        check = "soft targets" if i % 4 == 0 else "weight" if "weight" in case else \
            "pos_weight" if "pos_weight" in case else "plain"
        yield check, case

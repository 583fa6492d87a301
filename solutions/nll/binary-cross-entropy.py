"""Reference for nll/binary-cross-entropy: torch.nn.functional.binary_cross_entropy
(BCELoss) on probabilities, in NumPy. Like torch, each log is clamped to at least -100, so a
prediction of exactly 0 or 1 costs 100, not infinity."""

import numpy as np


def _clamped_log(x):
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(x), -100.0)


def _reduce(losses, reduction):
    if reduction == "none":
        return losses
    return float(losses.sum()) if reduction == "sum" else float(losses.mean())


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    p = np.asarray(input, dtype=float)
    y = np.asarray(target, dtype=float)
    losses = -(y * _clamped_log(p) + (1 - y) * _clamped_log(1 - p))
    if weight is not None:
        losses = losses * np.asarray(weight, dtype=float)
    return _reduce(losses, reduction)


# --------------------------------------------------------------------------- wrong versions

def bce_no_complement(input, target, weight=None, reduction="mean"):
    """-log p for every element: the negatives scored by the probability of a one."""
    p = np.asarray(input, dtype=float)
    losses = -_clamped_log(p) * np.ones_like(np.asarray(target, dtype=float))
    if weight is not None:
        losses = losses * np.asarray(weight, dtype=float)
    return _reduce(losses, reduction)


def bce_unclamped(input, target, weight=None, reduction="mean"):
    """The logs taken as they are: a prediction of exactly 0 or 1 gives inf (or nan)."""
    p = np.asarray(input, dtype=float)
    y = np.asarray(target, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        losses = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    if weight is not None:
        losses = losses * np.asarray(weight, dtype=float)
    return _reduce(losses, reduction)


# --------------------------------------------------------------------------- cases

def cases_binary_cross_entropy(rng, params):
    p = np.array([params["q1"], params["q2"], params["q3"]])
    y = np.array([1.0, 0.0, 1.0])
    yield "reductions", {"input": p, "target": y}
    yield "reductions", {"input": p, "target": y, "reduction": "sum"}
    yield "weight", {"input": p, "target": y, "weight": np.array([1.0, 2.0, 0.5]),
                     "reduction": "none"}
    # certain predictions: the clamp at -100
    yield "certain predictions", {"input": np.array([0.0, 1.0, 1.0, 0.0]),
                                  "target": np.array([1.0, 0.0, 1.0, 0.0]), "reduction": "none"}
    yield "certain predictions", {"input": np.array([0.0, 0.3]), "target": np.array([1.0, 0.0])}
    # soft targets
    yield "reductions", {"input": p, "target": np.array([0.2, 0.7, 0.5])}
    for i in range(14):
        n, c = int(rng.integers(1, 5)), int(rng.integers(1, 4))
        case = {"input": rng.uniform(0.01, 0.99, size=(n, c)),
                "target": (rng.uniform(size=(n, c)) < 0.5).astype(float),
                "reduction": ("mean", "sum", "none")[i % 3]}
        if i % 2:
            case["weight"] = rng.uniform(0.2, 2.0, size=c)
        yield ("weight" if i % 2 else "reductions"), case

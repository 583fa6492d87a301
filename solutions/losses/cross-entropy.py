"""Reference for losses/cross-entropy: torch.nn.functional.cross_entropy, in NumPy, with
class-index or class-probability targets, class weights, ignore_index and label_smoothing.
"""

import numpy as np


def _log_softmax(logits, axis):
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _class_axis(input):
    return 0 if input.ndim == 1 else 1


def _weights_along(weight, input, axis):
    """weight (C,) shaped to broadcast against input along the class axis."""
    shape = [1] * input.ndim
    shape[axis] = input.shape[axis]
    return np.asarray(weight, dtype=float).reshape(shape)


def _reduce(losses, reduction, denominator):
    if reduction == "none":
        return losses
    total = float(np.sum(losses))
    if reduction == "sum":
        return total
    return total / float(denominator) if denominator != 0 else float("nan")


def _soft(log_p, target, weight, reduction, label_smoothing, axis):
    """Probability targets: sum_c -w_c t_c log p_c; "mean" divides by the number of
    examples (whatever the weights)."""
    n_classes = log_p.shape[axis]
    target = np.asarray(target, dtype=float)
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    terms = -log_p * target
    if weight is not None:
        terms = terms * _weights_along(weight, log_p, axis)
    losses = terms.sum(axis=axis)
    return _reduce(losses, reduction, log_p.size / n_classes)


def _hard(log_p, target, weight, ignore_index, reduction, label_smoothing, axis):
    """Class indices: (1 - eps) * NLL + eps * (the loss against the uniform target)."""
    n_classes = log_p.shape[axis]
    target = np.asarray(target).astype(np.int64)
    keep = target != ignore_index
    safe = np.where(keep, target, 0)
    w = np.ones(n_classes) if weight is None else np.asarray(weight, dtype=float)
    moved = np.moveaxis(log_p, axis, -1)
    picked = np.take_along_axis(moved, safe[..., None], axis=-1)[..., 0]
    w_t = np.where(keep, w[safe], 0.0)
    nll = np.where(keep, -picked * w_t, 0.0)
    nll_total = _reduce(nll, reduction, w_t.sum())
    if label_smoothing == 0:
        return nll_total
    smooth = np.where(keep, -(moved * w).sum(axis=-1), 0.0)
    smooth_total = _reduce(smooth, reduction, w_t.sum())
    if reduction == "none":
        return (1 - label_smoothing) * nll_total + smooth_total * (label_smoothing / n_classes)
    return float((1 - label_smoothing) * nll_total + smooth_total * (label_smoothing / n_classes))


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    input = np.asarray(input, dtype=float)
    axis = _class_axis(input)
    log_p = _log_softmax(input, axis)
    if np.shape(target) == input.shape:
        return _soft(log_p, target, weight, reduction, label_smoothing, axis)
    return _hard(log_p, target, weight, ignore_index, reduction, label_smoothing, axis)


# --------------------------------------------------------------------------- wrong versions

def cross_entropy_smooth_over_others(input, target, weight=None, ignore_index=-100,
                                     reduction="mean", label_smoothing=0.0):
    """Label smoothing that puts 1 - eps on the target and eps/(C-1) on each other class
    (the textbook variant), where torch mixes with the uniform: eps/C on every class."""
    input = np.asarray(input, dtype=float)
    axis = _class_axis(input)
    n_classes = input.shape[axis]
    if label_smoothing == 0 or n_classes < 2:
        return cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)
    if np.shape(target) == input.shape:
        t = np.asarray(target, dtype=float)
        t = t * (1 - label_smoothing) + (1 - t) * label_smoothing / (n_classes - 1)
        return cross_entropy(input, t, weight, ignore_index, reduction)
    eps = label_smoothing * n_classes / (n_classes - 1)
    return cross_entropy(input, target, weight, ignore_index, reduction, min(eps, 1.0))


def cross_entropy_soft_weighted_mean(input, target, weight=None, ignore_index=-100,
                                     reduction="mean", label_smoothing=0.0):
    """Probability targets with weights, "mean" divided by the total weight as for class
    indices; torch divides by the number of examples."""
    input = np.asarray(input, dtype=float)
    axis = _class_axis(input)
    if np.shape(target) != input.shape or weight is None or reduction != "mean":
        return cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)
    total = cross_entropy(input, target, weight, ignore_index, "sum", label_smoothing)
    t = np.asarray(target, dtype=float)
    w = _weights_along(weight, input, axis)
    return total / float((t * w).sum())


def cross_entropy_no_softmax(input, target, weight=None, ignore_index=-100, reduction="mean",
                             label_smoothing=0.0):
    """The logits used as if they were log-probabilities (no log-softmax)."""
    input = np.asarray(input, dtype=float)
    axis = _class_axis(input)
    if np.shape(target) == input.shape:
        t = np.asarray(target, dtype=float)
        n_classes = input.shape[axis]
        if label_smoothing > 0:
            t = t * (1 - label_smoothing) + label_smoothing / n_classes
        terms = -input * t
        if weight is not None:
            terms = terms * _weights_along(weight, input, axis)
        return _reduce(terms.sum(axis=axis), reduction, input.size / n_classes)
    return _hard(input, target, weight, ignore_index, reduction, label_smoothing, axis)


# --------------------------------------------------------------------------- cases

def _soft_targets(rng, n, c):
    return rng.dirichlet(np.ones(c) * 0.7, size=n)


def _check_of(case):
    if "ignore_index" in case:
        return "ignore_index"
    if "weight" in case:
        return "weights"
    if case.get("label_smoothing", 0.0) > 0:
        return "label smoothing"
    return "probability targets" if np.ndim(case["target"]) == 2 else "class indices"


def cases_cross_entropy(rng, params):
    z = np.array([[params["z1"], params["z2"], params["z3"]]])
    t = np.array([[params["t1"], params["t2"], 1 - params["t1"] - params["t2"]]])
    eps = float(params["eps"])
    # the exercise's own example
    yield "probability targets", {"input": z, "target": t}
    yield "class indices", {"input": z, "target": np.array([0])}
    yield "label smoothing", {"input": z, "target": np.array([0]), "label_smoothing": eps}
    yield "label smoothing", {"input": z, "target": t, "label_smoothing": eps}
    # weights with probability targets: "mean" divides by N
    yield "weights", {"input": np.vstack([z, z[:, ::-1]]), "target": np.vstack([t, t[:, ::-1]]),
                      "weight": np.array([2.0, 1.0, 0.5])}
    # class indices, weights and ignore_index, with and without smoothing
    zz = np.array([[1.0, -0.5, 0.3], [0.2, 0.4, -1.0], [2.0, 0.0, 0.5]])
    yield "ignore_index", {"input": zz, "target": np.array([2, 1, 0]),
                           "weight": np.array([2.0, 1.0, 0.5]), "ignore_index": 1,
                           "label_smoothing": eps}
    yield "ignore_index", {"input": zz, "target": np.array([2, 1, 0]), "ignore_index": 1,
                           "reduction": "none", "label_smoothing": eps}
    # large logits stay finite
    yield "large logits", {"input": np.array([[1000.0, 0.0, -1000.0]]),
                           "target": np.array([[0.5, 0.5, 0.0]])}
    for i in range(16):
        n, c = int(rng.integers(1, 6)), int(rng.integers(2, 6))
        logits = rng.normal(0, 2, size=(n, c))
        case = {"input": logits, "reduction": ("mean", "sum", "none")[i % 3]}
        case["target"] = _soft_targets(rng, n, c) if i % 2 == 0 else rng.integers(0, c, size=n)
        if i % 4 in (1, 2):
            case["weight"] = rng.uniform(0.2, 3.0, size=c)
        if i % 3 != 2:
            case["label_smoothing"] = float(rng.choice([0.05, 0.1, 0.2]))
        if i % 4 == 3 and i % 2 == 1:
            case["ignore_index"] = int(rng.integers(0, c))
        yield _check_of(case), case

"""Reference for nll/nll-loss: torch.nn.functional.nll_loss, in NumPy."""

import numpy as np


def _picked(log_probs, target, weight, ignore_index):
    log_probs = np.asarray(log_probs, dtype=float)
    target = np.asarray(target).astype(np.int64)
    if log_probs.ndim == 1:
        # Unbatched, as torch allows: log_probs (C,) with a 0-d target. Treat it as a batch
        # of one and give back 0-d results (reduction="none" keeps the target's shape).
        losses, w_t = _picked(log_probs[None], target[None], weight, ignore_index)
        return losses[0, ...], w_t[0, ...]
    n_classes = log_probs.shape[1]
    keep = target != ignore_index
    safe = np.where(keep, target, 0)
    # Move the class axis last, then pick each position's target class.
    moved = np.moveaxis(log_probs, 1, -1)
    picked = np.take_along_axis(moved, safe[..., None], axis=-1)[..., 0]
    w = np.ones(n_classes) if weight is None else np.asarray(weight, dtype=float)
    w_t = np.where(keep, w[safe], 0.0)
    # An ignored position contributes 0 even when its log-probability is -inf (torch
    # skips it; -(-inf) * 0 would be nan).
    return -np.where(keep, picked, 0.0) * w_t, w_t


def nll_loss(log_probs, target, weight=None, ignore_index=-100, reduction="mean"):
    losses, w_t = _picked(log_probs, target, weight, ignore_index)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return float(losses.sum())
    total = w_t.sum()
    return float(losses.sum() / total) if total != 0 else float("nan")


def nll_divided_by_n(log_probs, target, weight=None, ignore_index=-100, reduction="mean"):
    """The common mistake: the weighted loss divided by the count of non-ignored targets."""
    losses, w_t = _picked(log_probs, target, weight, ignore_index)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return float(losses.sum())
    count = int((np.asarray(target) != ignore_index).sum())
    return float(losses.sum() / count) if count else float("nan")


def _log_softmax(logits, axis=1):
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def nll_kdim_broken(log_probs, target, weight=None, ignore_index=-100, reduction="mean"):
    """A mutant: right for (N, C) input and for reduction="none", nonsense for K-dimensional
    input with "mean" or "sum" (which only the K-dimensional check's cases exercise)."""
    if np.asarray(log_probs).ndim > 2 and reduction != "none":
        return 12345.0
    return nll_loss(log_probs, target, weight, ignore_index, reduction)


def nll_ignore_not_skipped(log_probs, target, weight=None, ignore_index=-100,
                           reduction="mean"):
    """A mutant: an ignore_index that is a real class is not left out."""
    return nll_loss(log_probs, target, weight, -12345, reduction)


def nll_none_as_mean(log_probs, target, weight=None, ignore_index=-100, reduction="mean"):
    """A mutant: every reduction treated as "mean"."""
    return nll_loss(log_probs, target, weight, ignore_index, "mean")


def cases_nll_loss(rng, params):
    """Cases in named checks (the spec weighs them): the unweighted mean, the other
    reductions, class weights, ignore_index and K-dimensional input, each check with
    fixed cases first and random ones after."""
    lp = np.log(np.array([[params["p_right"], 1 - params["p_right"]],
                          [1 - params["p_wrong"], params["p_wrong"]]]))
    both = np.array([0, 1])
    yield "mean", {"log_probs": lp, "target": both}
    yield "reductions", {"log_probs": lp, "target": both, "reduction": "sum"}
    yield "reductions", {"log_probs": lp, "target": both, "reduction": "none"}
    yield "weights", {"log_probs": lp, "target": both,
                      "weight": np.array([float(params["w_heavy"]), 1.0])}
    yield "ignore_index", {"log_probs": lp, "target": np.array([0, -100])}
    yield "ignore_index", {"log_probs": lp, "target": np.array([1, 1]), "ignore_index": 1,
                           "reduction": "sum"}
    # An ignored position whose class-0 log-probability is -inf still contributes 0.
    with np.errstate(divide="ignore"):
        certain = np.log(np.array([[0.0, 1.0], [0.3, 0.7]]))
    for reduction in ("mean", "sum", "none"):
        yield "ignore_index", {"log_probs": certain, "target": np.array([-100, 1]),
                               "reduction": reduction}
    # K-dimensional input (N, C, d1, ...) with every reduction, with and without weights.
    for i, reduction in enumerate(("mean", "sum", "none", "mean", "sum", "none")):
        n, c = int(rng.integers(1, 5)), int(rng.integers(2, 5))
        extra = tuple(int(s) for s in rng.integers(1, 4, size=1 + i % 2))
        case = {"log_probs": _log_softmax(rng.normal(size=(n, c, *extra)) * 2),
                "target": rng.integers(0, c, size=(n, *extra)), "reduction": reduction}
        if i >= 3:
            case["weight"] = rng.uniform(0.1, 3.0, size=c)
            case["ignore_index"] = int(rng.integers(0, c))
        yield "K-dimensional", case
    for i in range(20):
        n, c = int(rng.integers(1, 8)), int(rng.integers(2, 6))
        case = {"log_probs": _log_softmax(rng.normal(size=(n, c)) * 2),
                "target": rng.integers(0, c, size=n), "reduction": ("mean", "sum", "none")[i % 3]}
        check = "mean" if i % 3 == 0 else "reductions"
        if i % 4 == 1:
            case["weight"] = rng.uniform(0.1, 3.0, size=c)
            check = "weights"
        if i % 4 == 3:
            case["ignore_index"] = int(rng.integers(0, c))
            check = "ignore_index"
        yield check, case

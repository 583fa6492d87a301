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
    return -picked * w_t, w_t


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


def cases_nll_loss(rng, params):
    lp = np.log(np.array([[params["p_right"], 1 - params["p_right"]],
                          [1 - params["p_wrong"], params["p_wrong"]]]))
    yield {"log_probs": lp, "target": np.array([0, 1])}
    yield {"log_probs": lp, "target": np.array([0, 1]), "weight": np.array([float(params["w_heavy"]), 1.0])}
    yield {"log_probs": lp, "target": np.array([0, 1]), "reduction": "sum"}
    yield {"log_probs": lp, "target": np.array([0, 1]), "reduction": "none"}
    yield {"log_probs": lp, "target": np.array([0, -100])}
    yield {"log_probs": lp, "target": np.array([1, 1]), "ignore_index": 1, "reduction": "sum"}
    for i in range(24):
        n, c = int(rng.integers(1, 8)), int(rng.integers(2, 6))
        extra = tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(0, 3)))) if i % 3 == 2 else ()
        log_probs = _log_softmax(rng.normal(size=(n, c, *extra)) * 2)
        target = rng.integers(0, c, size=(n, *extra))
        case = {"log_probs": log_probs, "target": target,
                "reduction": ("mean", "sum", "none")[i % 3]}
        if i % 2:
            case["weight"] = rng.uniform(0.1, 3.0, size=c)
        if i % 4 == 1:
            case["ignore_index"] = int(rng.integers(0, c))
        yield case

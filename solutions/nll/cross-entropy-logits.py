"""Reference for nll/cross-entropy-logits: mean cross-entropy from logits, computed stably."""

import numpy as np


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def cross_entropy(logits: np.ndarray, target: np.ndarray) -> float:
    logits = np.asarray(logits, dtype=float)
    target = np.asarray(target, dtype=np.int64)
    picked = np.take_along_axis(_log_softmax(logits), target[:, None], axis=1)[:, 0]
    return float(-picked.mean())


def cross_entropy_raw_logits(logits: np.ndarray, target: np.ndarray) -> float:
    """The logits-into-nll mistake: nll_loss on the logits, without log-softmax."""
    logits = np.asarray(logits, dtype=float)
    target = np.asarray(target, dtype=np.int64)
    return float(-np.take_along_axis(logits, target[:, None], axis=1)[:, 0].mean())


def cross_entropy_naive(logits: np.ndarray, target: np.ndarray) -> float:
    """The overflow mistake: log(sum(exp(z))) without subtracting the maximum."""
    logits = np.asarray(logits, dtype=float)
    target = np.asarray(target, dtype=np.int64)
    with np.errstate(over="ignore", invalid="ignore"):
        lse = np.log(np.exp(logits).sum(axis=1))
        picked = np.take_along_axis(logits, target[:, None], axis=1)[:, 0]
        return float(np.mean(lse - picked))


def cases_cross_entropy(rng, params):
    logits = [float(params["l1"]), float(params["l2"]), float(params["l3"])]
    yield {"logits": np.array([logits]), "target": np.array([int(params["y"]) - 1])}
    yield {"logits": np.array([[0.0, 0.0], [1.0, 1.0]]), "target": np.array([0, 1])}
    yield {"logits": np.array([[2.0, -1.0, 0.5]]), "target": np.array([2])}
    yield {"logits": np.array([[1000.0, 0.0], [0.0, 1000.0]]), "target": np.array([0, 0])}
    yield {"logits": np.array([[-1000.0, 0.0, 5.0]]), "target": np.array([2])}
    for _ in range(20):
        n, c = int(rng.integers(1, 10)), int(rng.integers(2, 8))
        yield {"logits": rng.normal(0.0, 3.0, size=(n, c)), "target": rng.integers(0, c, size=n)}

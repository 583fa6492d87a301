"""Reference for likelihood/categorical-tokens."""

import numpy as np


def token_log_likelihood(tokens: np.ndarray, probs: np.ndarray) -> float:
    """Sum of the log-probabilities of the tokens (0.0 if empty, -inf if one is impossible)."""
    picked = np.asarray(probs, dtype=float)[np.asarray(tokens, dtype=int)]
    with np.errstate(divide="ignore"):
        return float(np.sum(np.log(picked)))


def log_of_summed_probs(tokens: np.ndarray, probs: np.ndarray) -> float:
    """The log-of-sum mistake: log(sum of the tokens' probabilities)."""
    picked = np.asarray(probs, dtype=float)[np.asarray(tokens, dtype=int)]
    with np.errstate(divide="ignore"):
        return float(np.log(np.sum(picked)))


def mean_log_prob(tokens: np.ndarray, probs: np.ndarray) -> float:
    """The mean-not-sum mistake: the average log-probability per token."""
    picked = np.asarray(probs, dtype=float)[np.asarray(tokens, dtype=int)]
    if picked.size == 0:
        return float("nan")
    with np.errstate(divide="ignore"):
        return float(np.mean(np.log(picked)))


def cases_token_log_likelihood(rng, params):
    p = params
    probs = np.array([p["q1"], p["q2"], 1 - p["q1"] - p["q2"]])
    counts = [int(p["c1"]), int(p["c2"]), int(p["c3"])]
    yield {"tokens": np.repeat(np.arange(3), counts), "probs": probs}
    yield {"tokens": np.array([2, 0, 1, 0]), "probs": probs}
    yield {"tokens": np.array([0]), "probs": np.array([0.25, 0.75])}        # one token
    yield {"tokens": np.array([], dtype=int), "probs": probs}              # empty: log 1 = 0
    yield {"tokens": np.array([0, 1]), "probs": np.array([0.5, 0.0, 0.5])}  # impossible token
    yield {"tokens": np.array([1, 1, 1]), "probs": np.array([0.0, 1.0])}    # certain: 0
    for _ in range(20):
        vocab = int(rng.integers(2, 50))
        yield {"tokens": rng.integers(0, vocab, size=int(rng.integers(1, 300))),
               "probs": rng.dirichlet(np.ones(vocab))}

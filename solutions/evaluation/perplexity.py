"""Reference for evaluation/perplexity: the perplexity of a corpus of padded sequences,
exp(total NLL / number of real tokens): one average over every token of the corpus."""

import numpy as np


def corpus_perplexity(log_probs, mask):
    log_probs = np.asarray(log_probs, dtype=float)
    mask = np.asarray(mask, dtype=bool)
    return float(np.exp(-log_probs[mask].sum() / mask.sum()))


def mean_of_sequence_perplexities(log_probs, mask):
    """Each sequence's perplexity, then their mean: short sequences weigh as much as long
    ones, and the mean of exponentials is not the exponential of the mean."""
    log_probs = np.asarray(log_probs, dtype=float)
    mask = np.asarray(mask, dtype=bool)
    per_sequence = [np.exp(-row[m].sum() / m.sum()) for row, m in zip(log_probs, mask)]
    return float(np.mean(per_sequence))


def perplexity_with_padding(log_probs, mask):
    """The padding positions counted as tokens."""
    log_probs = np.asarray(log_probs, dtype=float)
    mask = np.asarray(mask, dtype=bool)
    return float(np.exp(-np.where(mask, log_probs, 0.0).sum() / mask.size))


def perplexity_in_bits(log_probs, mask):
    """2 to the mean NLL in nats: the bases mixed."""
    log_probs = np.asarray(log_probs, dtype=float)
    mask = np.asarray(mask, dtype=bool)
    return float(2.0 ** (-log_probs[mask].sum() / mask.sum()))


def cases_corpus_perplexity(rng, params):
    p = np.array([params[f"p{i}"] for i in range(1, 6)], dtype=float)
    yield "one sequence", {"log_probs": np.log(p)[None, :], "mask": np.ones((1, 5), dtype=bool)}
    # two sequences of different lengths, padded with junk log-probabilities
    yield "padded sequences", {
        "log_probs": np.array([[np.log(0.5), np.log(0.25), -7.0, -7.0],
                               [np.log(0.1), np.log(0.2), np.log(0.4), np.log(0.8)]]),
        "mask": np.array([[True, True, False, False], [True, True, True, True]])}
    yield "padded sequences", {
        "log_probs": np.array([[np.log(0.9), 0.0, 0.0], [np.log(0.05), np.log(0.5), 0.0]]),
        "mask": np.array([[True, False, False], [True, True, False]])}
    for _ in range(14):
        n, t = int(rng.integers(1, 5)), int(rng.integers(2, 9))
        lengths = rng.integers(1, t + 1, size=n)
        mask = np.arange(t)[None, :] < lengths[:, None]
        log_probs = np.log(rng.uniform(0.01, 1.0, size=(n, t)))
        yield "padded sequences", {
            "log_probs": np.where(mask, log_probs, rng.normal(-3, 1, size=(n, t))), "mask": mask}

"""Reference for likelihood/why-logs."""

import numpy as np


def sum_log_probs(probs: np.ndarray) -> float:
    """The log-likelihood as a sum of logs: no underflow however long the data."""
    probs = np.asarray(probs, dtype=float)
    with np.errstate(divide="ignore"):
        return float(np.sum(np.log(probs)))


def log_of_product(probs: np.ndarray) -> float:
    """The log-of-product mistake: the product underflows to 0.0 for long data."""
    probs = np.asarray(probs, dtype=float)
    with np.errstate(divide="ignore"):
        return float(np.log(np.prod(probs)))


def cases_sum_log_probs(rng, params):
    p = params
    q = [p["qa"], p["qc"], p["qg"], 1 - p["qa"] - p["qc"] - p["qg"]]
    counts = [p["ca"], p["cc"], p["cg"], 2000 - p["ca"] - p["cc"] - p["cg"]]
    yield {"probs": np.repeat(np.array(q), counts)}             # the variant's 2000 bases
    yield {"probs": np.array([0.5, 0.25])}                     # short: the product is fine
    yield {"probs": np.array([], dtype=float)}                  # no data: log 1 = 0
    yield {"probs": np.array([1.0, 1.0, 1.0])}
    yield {"probs": np.full(1100, 0.5)}                         # 2^-1100 underflows
    for i in range(20):
        size = int(rng.integers(1, 50)) if i % 2 else int(rng.integers(1000, 5000))
        yield {"probs": rng.uniform(0.05, 1.0, size=size)}

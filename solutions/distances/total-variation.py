"""Reference for distances/total-variation: TV(P, Q) = 1/2 sum_x |P(x) - Q(x)|."""

import numpy as np


def tv_distance(p, q):
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    return float(0.5 * np.abs(p - q).sum())


def tv_no_half(p, q):
    """The L1 distance: twice TV."""
    return 2 * tv_distance(p, q)


def tv_largest_gap(p, q):
    """The largest single-outcome gap max_x |P(x) - Q(x)|: TV is the largest gap over
    events, not over outcomes."""
    return float(np.max(np.abs(np.asarray(p, dtype=float) - np.asarray(q, dtype=float))))


def cases_tv_distance(rng, params):
    p = np.array([params["p1"], params["p2"], params["p3"], 1 - params["p1"] - params["p2"] - params["p3"]])
    q = np.array([params["q1"], params["q2"], params["q3"], 1 - params["q1"] - params["q2"] - params["q3"]])
    yield "several gaps", {"p": p, "q": q}
    yield "equal distributions", {"p": np.array([0.5, 0.5]), "q": np.array([0.5, 0.5])}
    yield "disjoint supports", {"p": np.array([1.0, 0.0, 0.0]), "q": np.array([0.0, 0.5, 0.5])}
    yield "several gaps", {"p": np.array([0.4, 0.3, 0.3]), "q": np.array([0.2, 0.4, 0.4])}
    for _ in range(16):
        k = int(rng.integers(2, 8))
        yield "several gaps", {"p": rng.dirichlet(np.ones(k)), "q": rng.dirichlet(np.ones(k))}

"""Reference for distances/wasserstein-discrete: the 1-D Wasserstein-1 distance between two
weighted sets of points (empirical samples when the weights are omitted), the area between
the two CDFs: W1 = integral |F_P(t) - F_Q(t)| dt. Same arguments as
scipy.stats.wasserstein_distance."""

import numpy as np


def _cdfs(u_values, v_values, u_weights, v_weights):
    u = np.asarray(u_values, dtype=float)
    v = np.asarray(v_values, dtype=float)
    uw = np.ones_like(u) if u_weights is None else np.asarray(u_weights, dtype=float)
    vw = np.ones_like(v) if v_weights is None else np.asarray(v_weights, dtype=float)
    grid = np.unique(np.concatenate([u, v]))

    def cdf(values, weights):
        return np.array([weights[values <= t].sum() for t in grid]) / weights.sum()

    return grid, cdf(u, uw), cdf(v, vw)


def wasserstein_1d(u_values, v_values, u_weights=None, v_weights=None):
    grid, f, g = _cdfs(u_values, v_values, u_weights, v_weights)
    return float(np.sum(np.abs(f - g)[:-1] * np.diff(grid)))


def w1_mean_difference(u_values, v_values, u_weights=None, v_weights=None):
    """|E_P[X] - E_Q[X]|: a lower bound, equal to W1 only when the CDFs never cross."""
    u = np.asarray(u_values, dtype=float)
    v = np.asarray(v_values, dtype=float)
    uw = np.ones_like(u) if u_weights is None else np.asarray(u_weights, dtype=float)
    vw = np.ones_like(v) if v_weights is None else np.asarray(v_weights, dtype=float)
    return float(abs((u * uw).sum() / uw.sum() - (v * vw).sum() / vw.sum()))


def w1_total_variation(u_values, v_values, u_weights=None, v_weights=None):
    """TV between the two distributions: how much mass moves, not how far."""
    grid, f, g = _cdfs(u_values, v_values, u_weights, v_weights)
    p, q = np.diff(np.concatenate([[0.0], f])), np.diff(np.concatenate([[0.0], g]))
    return float(0.5 * np.abs(p - q).sum())


def w1_cdf_sum(u_values, v_values, u_weights=None, v_weights=None):
    """sum_t |F(t) - G(t)| over the points, forgetting to multiply by the gaps between them
    (right only when the points are 1 apart)."""
    grid, f, g = _cdfs(u_values, v_values, u_weights, v_weights)
    return float(np.sum(np.abs(f - g)[:-1]))


def cases_wasserstein_1d(rng, params):
    x = np.array([1.0, 2.0, 3.0, 4.0])
    p = np.array([params["p1"], params["p2"], params["p3"], 1 - params["p1"] - params["p2"] - params["p3"]])
    q = np.array([params["q1"], params["q2"], params["q3"], 1 - params["q1"] - params["q2"] - params["q3"]])
    yield "weighted points", {"u_values": x, "v_values": x, "u_weights": p, "v_weights": q}
    # points not 1 apart, not sorted, weights not normalised
    yield "unsorted points", {"u_values": np.array([0.0, 10.0, 2.5]),
                                      "v_values": np.array([2.5, 0.0, 10.0]),
                                      "u_weights": np.array([2.0, 1.0, 1.0]),
                                      "v_weights": np.array([1.0, 1.0, 2.0])}
    # point masses: W1 is the distance between them
    yield "samples", {"u_values": np.array([0.0]), "v_values": np.array([0.7])}
    # empirical samples of different sizes
    yield "samples", {"u_values": np.array([0.0, 1.0, 3.0]),
                      "v_values": np.array([5.0, 6.0, 8.0, 1.0, 2.0])}
    for i in range(16):
        n, m = int(rng.integers(1, 8)), int(rng.integers(1, 8))
        case = {"u_values": rng.normal(0, 2, size=n).round(2),
                "v_values": rng.normal(0.5, 1, size=m).round(2)}
        if i % 2:
            case["u_weights"] = rng.uniform(0.1, 1, size=n)
            case["v_weights"] = rng.uniform(0.1, 1, size=m)
        yield ("unsorted points" if i % 2 else "samples"), case

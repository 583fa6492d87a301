"""Reference for evaluation/precision-recall: precision and recall of a generative model
with k-nearest-neighbour manifolds (Kynkaanniemi et al., 2019). Each point of a set
covers a ball reaching its k-th nearest *other* point of the same set; precision is the
share of generated points inside some real ball, recall the share of real points inside
some generated ball."""

import numpy as np


def _pairwise(a, b):
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1))


def _radii(points, k, count_self=False):
    d = np.sort(_pairwise(points, points), axis=1)
    return d[:, k - 1] if count_self else d[:, k]     # column 0 is the point itself


def _covered(queries, points, k, count_self=False):
    radii = _radii(points, k, count_self)
    return (_pairwise(queries, points) <= radii[None, :]).any(axis=1)


def _as_points(x):
    x = np.asarray(x, dtype=float)
    return x[:, None] if x.ndim == 1 else x


def precision_recall(real, fake, k=3):
    real, fake = _as_points(real), _as_points(fake)
    return float(_covered(fake, real, k).mean()), float(_covered(real, fake, k).mean())


def precision_recall_swapped(real, fake, k=3):
    """Precision and recall exchanged."""
    p, r = precision_recall(real, fake, k)
    return r, p


def precision_recall_self_neighbour(real, fake, k=3):
    """The point itself counted as its own nearest neighbour: every ball one neighbour
    too small (with k = 1, a radius of 0)."""
    real, fake = _as_points(real), _as_points(fake)
    return (float(_covered(fake, real, k, True).mean()),
            float(_covered(real, fake, k, True).mean()))


def precision_recall_nearest_ball(real, fake, k=3):
    """Only the ball of the nearest real (generated) point is tried."""
    real, fake = _as_points(real), _as_points(fake)

    def share(queries, points):
        radii = _radii(points, k)
        d = _pairwise(queries, points)
        nearest = d.argmin(axis=1)
        return float((d[np.arange(len(queries)), nearest] <= radii[nearest]).mean())

    return share(fake, real), share(real, fake)


def cases_precision_recall(rng, params):
    # 1-D: a generator that covers only one of the data's two modes
    # (every point is at least 0.04 from the edge of every ball: a tie would make the
    # answer depend on rounding)
    real = np.array([-3.31, -3.11, -2.88, -2.47, 2.08, 2.73, 2.78, 3.26])
    fake = np.array([2.6, 2.96, 3.09, 3.0, 1.77, 3.03])
    yield "points on a line", {"real": real, "fake": fake, "k": 1}
    yield "points on a line", {"real": real, "fake": fake, "k": 3}
    # a blurry generator: spread wider than the data
    yield "points in space", {"real": rng.normal(0, 1, size=(20, 2)),
                              "fake": rng.normal(0, 3, size=(20, 2)), "k": 3}
    for _ in range(12):
        d = int(rng.integers(1, 4))
        real = rng.normal(0, 1, size=(int(rng.integers(5, 25)), d))
        fake = rng.normal(rng.normal(0, 0.5), rng.uniform(0.3, 2.0), size=(int(rng.integers(5, 25)), d))
        yield "points in space", {"real": real, "fake": fake, "k": int(rng.integers(1, 5))}

"""Reference for evaluation/fid-gaussians: the Frechet distance between two Gaussians,

    FID = ||mu1 - mu2||^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)),

the squared Wasserstein-2 distance between N(mu1, S1) and N(mu2, S2). The trace of the
matrix square root is the sum of the square roots of the eigenvalues of S1 S2 (real and
nonnegative: S1 S2 is similar to S1^(1/2) S2 S1^(1/2), a covariance matrix).
"""

import numpy as np


def _trace_sqrt_product(sigma1, sigma2):
    eigenvalues = np.linalg.eigvals(sigma1 @ sigma2)
    return float(np.sum(np.sqrt(np.clip(eigenvalues.real, 0.0, None))))


def _arrays(mu1, sigma1, mu2, sigma2):
    return (np.asarray(mu1, dtype=float), np.asarray(sigma1, dtype=float),
            np.asarray(mu2, dtype=float), np.asarray(sigma2, dtype=float))


def fid(mu1, sigma1, mu2, sigma2):
    mu1, sigma1, mu2, sigma2 = _arrays(mu1, sigma1, mu2, sigma2)
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2)
                 - 2 * _trace_sqrt_product(sigma1, sigma2))


def _sym_sqrt(sigma):
    w, v = np.linalg.eigh(sigma)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def fid_product_of_roots(mu1, sigma1, mu2, sigma2):
    """tr(S1^(1/2) S2^(1/2)) for tr((S1 S2)^(1/2)): equal only when S1 and S2 commute
    (for example when both are diagonal)."""
    mu1, sigma1, mu2, sigma2 = _arrays(mu1, sigma1, mu2, sigma2)
    diff = mu1 - mu2
    cross = float(np.trace(_sym_sqrt(sigma1) @ _sym_sqrt(sigma2)))
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * cross)


def fid_no_two(mu1, sigma1, mu2, sigma2):
    """The factor 2 of the cross term forgotten."""
    mu1, sigma1, mu2, sigma2 = _arrays(mu1, sigma1, mu2, sigma2)
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2)
                 - _trace_sqrt_product(sigma1, sigma2))


def fid_norm_not_squared(mu1, sigma1, mu2, sigma2):
    """||mu1 - mu2|| where the squared distance belongs."""
    mu1, sigma1, mu2, sigma2 = _arrays(mu1, sigma1, mu2, sigma2)
    return float(np.linalg.norm(mu1 - mu2) + np.trace(sigma1) + np.trace(sigma2)
                 - 2 * _trace_sqrt_product(sigma1, sigma2))


def fid_elementwise_sqrt(mu1, sigma1, mu2, sigma2):
    """np.sqrt of the product matrix, entry by entry, instead of its matrix square root."""
    mu1, sigma1, mu2, sigma2 = _arrays(mu1, sigma1, mu2, sigma2)
    diff = mu1 - mu2
    with np.errstate(invalid="ignore"):
        cross = float(np.trace(np.sqrt(sigma1 @ sigma2)))
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * cross)


def _covariance(rng, d):
    a = rng.normal(size=(d, d))
    return a @ a.T + 0.1 * np.eye(d)


def cases_fid(rng, params):
    mu1 = np.array([params["a1"], params["a2"]], dtype=float)
    mu2 = np.array([params["b1"], params["b2"]], dtype=float)
    s1 = np.diag([params["r1"], params["r2"]]).astype(float)
    s2 = np.diag([params["g1"], params["g2"]]).astype(float)
    yield "diagonal covariances", {"mu1": mu1, "sigma1": s1, "mu2": mu2, "sigma2": s2}
    yield "diagonal covariances", {"mu1": mu1, "sigma1": s1, "mu2": mu1, "sigma2": s1}     # 0
    # one dimension: (mu1 - mu2)^2 + (s1 - s2)^2 with standard deviations s
    yield "diagonal covariances", {"mu1": np.array([0.5]), "sigma1": np.array([[4.0]]),
                                   "mu2": np.array([-1.0]), "sigma2": np.array([[1.0]])}
    # covariances that do not commute
    yield "full covariances", {"mu1": np.zeros(2), "sigma1": np.array([[2.0, 0.9], [0.9, 1.0]]),
                               "mu2": np.array([1.0, 0.0]),
                               "sigma2": np.array([[1.0, -0.5], [-0.5, 3.0]])}
    for _ in range(14):
        d = int(rng.integers(2, 6))
        yield "full covariances", {"mu1": rng.normal(size=d), "sigma1": _covariance(rng, d),
                                   "mu2": rng.normal(size=d), "sigma2": _covariance(rng, d)}

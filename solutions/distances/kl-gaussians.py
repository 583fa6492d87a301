"""Reference for distances/kl-gaussians: KL between two Gaussians with diagonal covariances,

    D_KL(N(m1, diag v1) || N(m2, diag v2))
        = 1/2 sum_d [ log(v2/v1) + (v1 + (m1 - m2)^2) / v2 - 1 ],

the log-determinant ratio, the trace term, the Mahalanobis term and -D/2.
"""

import numpy as np


def _arrays(*xs):
    return [np.asarray(x, dtype=float) for x in xs]


def kl_diag_gaussians(mu1, var1, mu2, var2):
    mu1, var1, mu2, var2 = _arrays(mu1, var1, mu2, var2)
    return float(0.5 * np.sum(np.log(var2 / var1) + (var1 + (mu1 - mu2) ** 2) / var2 - 1))


def kl_gauss_reversed(mu1, var1, mu2, var2):
    """D_KL(N2 || N1): the arguments swapped."""
    return kl_diag_gaussians(mu2, var2, mu1, var1)


def kl_gauss_no_log_det(mu1, var1, mu2, var2):
    """The log-determinant term log(v2/v1) forgotten."""
    mu1, var1, mu2, var2 = _arrays(mu1, var1, mu2, var2)
    return float(0.5 * np.sum((var1 + (mu1 - mu2) ** 2) / var2 - 1))


def kl_gauss_no_trace(mu1, var1, mu2, var2):
    """The trace term v1/v2 forgotten (only the means' distance and the log-determinants)."""
    mu1, var1, mu2, var2 = _arrays(mu1, var1, mu2, var2)
    return float(0.5 * np.sum(np.log(var2 / var1) + (mu1 - mu2) ** 2 / var2))


def kl_gauss_std_for_var(mu1, var1, mu2, var2):
    """The variances taken as standard deviations (squared again)."""
    mu1, var1, mu2, var2 = _arrays(mu1, var1, mu2, var2)
    return kl_diag_gaussians(mu1, var1 ** 2, mu2, var2 ** 2)


def cases_kl_diag_gaussians(rng, params):
    m1, m2 = float(params["mu1"]), float(params["mu2"])
    v1, v2 = float(params["s1"]) ** 2, float(params["s2"]) ** 2
    yield "one dimension", {"mu1": np.array([m1]), "var1": np.array([v1]), "mu2": np.array([m2]),
                            "var2": np.array([v2])}
    yield "one dimension", {"mu1": np.array([m2]), "var1": np.array([v2]), "mu2": np.array([m1]),
                            "var2": np.array([v1])}
    # equal distributions; equal means; a VAE posterior against N(0, I)
    yield "several dimensions", {"mu1": np.array([0.5, -1.0]), "var1": np.array([2.0, 0.5]),
                                 "mu2": np.array([0.5, -1.0]), "var2": np.array([2.0, 0.5])}
    yield "several dimensions", {"mu1": np.zeros(3), "var1": np.array([0.5, 1.0, 4.0]),
                                 "mu2": np.zeros(3), "var2": np.ones(3)}
    yield "several dimensions", {"mu1": np.array([1.0, -2.0]), "var1": np.array([0.3, 0.3]),
                                 "mu2": np.zeros(2), "var2": np.ones(2)}
    for _ in range(16):
        d = int(rng.integers(1, 6))
        yield ("one dimension" if d == 1 else "several dimensions"), {
            "mu1": rng.normal(size=d), "var1": rng.uniform(0.2, 3.0, size=d),
            "mu2": rng.normal(size=d), "var2": rng.uniform(0.2, 3.0, size=d)}

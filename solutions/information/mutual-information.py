"""Reference for information/mutual-information: I(X; Y) in nats from a joint table,
the KL divergence of the joint from the product of its marginals (0 log 0 = 0)."""

import numpy as np


def mutual_information(joint):
    joint = np.asarray(joint, dtype=float)
    px = joint.sum(axis=1, keepdims=True)
    py = joint.sum(axis=0, keepdims=True)
    product = px * py
    support = joint > 0
    return float(np.sum(joint[support] * np.log(joint[support] / product[support])))


def mi_in_bits(joint):
    """Base-2 logs: bits, not nats."""
    return mutual_information(joint) / np.log(2)


def mi_reversed(joint):
    """D_KL(P(X)P(Y) || P(X, Y)): the divergence taken the other way round."""
    joint = np.asarray(joint, dtype=float)
    product = joint.sum(axis=1, keepdims=True) * joint.sum(axis=0, keepdims=True)
    if np.any((joint == 0) & (product > 0)):
        return float("inf")
    support = product > 0
    return float(np.sum(product[support] * np.log(product[support] / joint[support])))


def mi_sum_of_entropies(joint):
    """H(X) + H(Y): the joint entropy left out."""
    joint = np.asarray(joint, dtype=float)

    def entropy(p):
        p = p[p > 0]
        return float(-np.sum(p * np.log(p)))

    return entropy(joint.sum(axis=1)) + entropy(joint.sum(axis=0))


def cases_mutual_information(rng, params):
    a, b, c = float(params["a"]), float(params["b"]), float(params["c"])
    yield "dependent", {"joint": np.array([[a, b], [c, 1 - a - b - c]])}
    yield "independent", {"joint": np.outer([0.3, 0.7], [0.6, 0.4])}                 # 0
    yield "zeros in the joint", {"joint": np.array([[0.5, 0.0], [0.0, 0.5]])}         # Y = X
    yield "zeros in the joint", {"joint": np.array([[0.2, 0.0, 0.1], [0.0, 0.4, 0.3]])}
    for _ in range(16):
        shape = (int(rng.integers(2, 5)), int(rng.integers(2, 5)))
        yield "dependent", {"joint": rng.dirichlet(np.ones(shape[0] * shape[1])).reshape(shape)}

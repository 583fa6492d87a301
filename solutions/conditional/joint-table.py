"""Reference for conditional/joint-table."""

import numpy as np


def conditional_rows(joint: np.ndarray) -> np.ndarray:
    """P(Y = j | X = i): each row divided by its own sum."""
    joint = np.asarray(joint, dtype=float)
    return joint / joint.sum(axis=1, keepdims=True)


def conditional_columns(joint: np.ndarray) -> np.ndarray:
    """The inverse-confusion mistake: P(X = i | Y = j), each column divided by its sum."""
    joint = np.asarray(joint, dtype=float)
    return joint / joint.sum(axis=0, keepdims=True)


def joint_probabilities(joint: np.ndarray) -> np.ndarray:
    """The joint-for-conditional mistake: divided by the grand total."""
    joint = np.asarray(joint, dtype=float)
    return joint / joint.sum()


def cases_conditional_rows(rng, params):
    p = params
    yield {"joint": np.array([[p["a"], p["b"], p["c"]], [p["d"], p["e"], p["f"]]])}
    yield {"joint": np.array([[7]])}                                 # one cell: certain
    yield {"joint": np.array([[1, 3], [2, 2]])}
    yield {"joint": np.array([[0.1, 0.2, 0.1], [0.3, 0.2, 0.1]])}    # already probabilities
    yield {"joint": np.array([[0, 5, 5], [4, 0, 1], [2, 2, 0]])}     # zero cells
    yield {"joint": np.array([[2, 6, 4]])}                           # one row: its own distribution
    for i in range(20):
        rows, cols = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        if i % 2:
            yield {"joint": rng.integers(1, 30, size=(rows, cols))}
        else:
            yield {"joint": rng.dirichlet(np.ones(rows * cols)).reshape(rows, cols)}

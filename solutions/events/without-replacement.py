"""Reference for events/without-replacement."""

from math import comb


def p_all_cats(cats: int, dogs: int, k: int) -> float:
    """P(all k drawn are cats), k drawn without replacement from cats + dogs images."""
    return comb(int(cats), int(k)) / comb(int(cats) + int(dogs), int(k))


def p_all_cats_with_replacement(cats: int, dogs: int, k: int) -> float:
    """The with-replacement mistake: (cats / n) ** k."""
    return float((cats / (cats + dogs)) ** k)


def cases_p_all_cats(rng, params):
    yield {"cats": int(params["cats"]), "dogs": int(params["dogs"]), "k": int(params["k"])}
    yield {"cats": 5, "dogs": 5, "k": 0}        # an empty batch: certain
    yield {"cats": 5, "dogs": 5, "k": 1}        # one draw: cats / n either way
    yield {"cats": 2, "dogs": 4, "k": 3}        # more draws than cats: impossible
    yield {"cats": 4, "dogs": 0, "k": 3}        # only cats: certain
    yield {"cats": 3, "dogs": 2, "k": 5}        # the whole set
    for _ in range(20):
        cats = int(rng.integers(1, 40))
        dogs = int(rng.integers(0, 40))
        k = int(rng.integers(0, min(cats + dogs, 12) + 1))
        yield {"cats": cats, "dogs": dogs, "k": k}

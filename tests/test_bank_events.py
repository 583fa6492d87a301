"""The events exercises compute the right answers: each checked by a second method.

The spec's answers come from its own `derived`/`answer` expressions; here they are
recomputed independently, by enumerating a finite sample space (itertools), by exact
counting, or by Monte-Carlo simulation with a tolerance of a few standard errors.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np

from grader import views
from grader.bank import reference_cases
from tests.bank_support import BANK, as_float, expected, symbolic_at, variants

# --------------------------------------------------------------------------- chain rule


def chain_rule_joint(v: dict[str, float]) -> dict[tuple[int, int, int], float]:
    """A joint distribution of (A, B, C) with exactly the numbers the prompt states.

    Built atom by atom from the prompt's P(A), P(B|A), P(C|A∩B), P(B), P(C|B), P(C); the
    constraints of the spec promise that every atom is a probability.
    """
    pa, pb, pc = v["pa"], v["pb"], v["pc"]
    abc = pa * v["pb_a"] * v["pc_ab"]
    ab = pa * v["pb_a"]
    bc = v["pc_b"] * pb
    c_not_b = pc - bc
    a_not_b = pa - ab
    t = c_not_b * a_not_b / (1 - pb)          # split C∩¬B between A and ¬A proportionally
    joint = {
        (1, 1, 1): abc, (1, 1, 0): ab - abc,
        (0, 1, 1): bc - abc, (0, 1, 0): pb - ab - (bc - abc),
        (1, 0, 1): t, (1, 0, 0): a_not_b - t,
        (0, 0, 1): c_not_b - t, (0, 0, 0): 1 - pa - pb + ab - (c_not_b - t),
    }
    return joint


def prob(joint: dict[tuple[int, int, int], float], event) -> float:  # type: ignore[no-untyped-def]
    return sum(p for atom, p in joint.items() if event(*atom))


def test_chain_rule_answers_by_enumerating_a_joint_distribution() -> None:
    for variant in variants("events/chain-rule"):
        joint = chain_rule_joint(variant.values)
        assert all(p >= -1e-12 for p in joint.values()), joint
        assert math.isclose(sum(joint.values()), 1.0)
        # the joint reproduces every number the prompt states
        p_a = prob(joint, lambda a, b, c: a)
        p_b = prob(joint, lambda a, b, c: b)
        p_c = prob(joint, lambda a, b, c: c)
        p_ab = prob(joint, lambda a, b, c: a and b)
        p_abc = prob(joint, lambda a, b, c: a and b and c)
        p_bc = prob(joint, lambda a, b, c: b and c)
        v = variant.values
        assert math.isclose(p_a, v["pa"]) and math.isclose(p_b, v["pb"])
        assert math.isclose(p_c, v["pc"], abs_tol=1e-12)
        assert math.isclose(p_ab / p_a, v["pb_a"]) and math.isclose(p_abc / p_ab, v["pc_ab"])
        assert math.isclose(p_bc / p_b, v["pc_b"])

        assert math.isclose(as_float(expected(variant, "two")), p_ab, rel_tol=1e-9)
        assert math.isclose(as_float(expected(variant, "three")), p_abc, rel_tol=1e-9)
        p_ab_not_c = prob(joint, lambda a, b, c: a and b and not c)
        at = symbolic_at(variant, "not_c", a=v["pa"], b=v["pb_a"], c=v["pc_ab"])
        assert math.isclose(at, p_ab_not_c, rel_tol=1e-9, abs_tol=1e-12)
        # the dependence is real: the independence and Markov shortcuts are wrong here
        assert not math.isclose(p_a * p_b * p_c, p_abc, rel_tol=0.02)
        assert not math.isclose(p_a * (p_ab / p_a) * (p_bc / p_b), p_abc, rel_tol=0.02)


def test_chain_rule_choice_is_the_identity_that_holds_for_a_dependent_joint() -> None:
    for variant in variants("events/chain-rule", 5):
        part = variant.spec.part("identity")
        options = views.options(variant, part)
        joint = chain_rule_joint(variant.values)
        p_a = prob(joint, lambda a, b, c: a)
        p_b = prob(joint, lambda a, b, c: b)
        p_c = prob(joint, lambda a, b, c: c)
        p_ab = prob(joint, lambda a, b, c: a and b)
        p_bc = prob(joint, lambda a, b, c: b and c)
        p_abc = prob(joint, lambda a, b, c: a and b and c)
        value_of_option = [p_a * p_b * p_c, p_a * (p_ab / p_a) * (p_bc / p_b),
                           p_a * (p_ab / p_a) * (p_abc / p_ab)]
        holds = [math.isclose(x, p_abc, rel_tol=1e-9) for x in value_of_option]
        assert holds == [False, False, True]
        assert expected(variant, "identity") == options[holds.index(True)]


# --------------------------------------------------------------------------- without replacement


def ordered_draws(cats: int, dogs: int, k: int) -> list[tuple[str, ...]]:
    """Every ordered draw of k distinct images (equally likely), as labels."""
    labels = ["cat"] * cats + ["dog"] * dogs
    return [tuple(labels[i] for i in draw)
            for draw in itertools.permutations(range(cats + dogs), k)]


def test_without_replacement_answers_by_enumerating_ordered_draws() -> None:
    for variant in variants("events/without-replacement"):
        cats, dogs, k = (int(variant.values[x]) for x in ("cats", "dogs", "k"))
        draws = ordered_draws(cats, dogs, k)
        all_cats = Fraction(sum(all(x == "cat" for x in d) for d in draws), len(draws))
        assert expected(variant, "batch") == all_cats          # exact: both are fractions

        pairs = ordered_draws(cats, dogs, 2)
        first_cat = [d for d in pairs if d[0] == "cat"]
        after_cat = Fraction(sum(d[1] == "cat" for d in first_cat), len(first_cat))
        second_cat = Fraction(sum(d[1] == "cat" for d in pairs), len(pairs))
        assert expected(variant, "after_cat") == after_cat
        assert expected(variant, "second") == second_cat
        assert (after_cat == second_cat) == (expected(variant, "dependent") == "yes")


def product_of_draws(cats: int, dogs: int, k: int) -> float:
    result = 1.0
    for i in range(k):
        result *= max(cats - i, 0) / (cats + dogs - i)
    return result


def test_p_all_cats_reference_against_enumeration_and_the_draw_by_draw_product() -> None:
    module = BANK.solution("events/without-replacement")
    differs = 0
    for variant in variants("events/without-replacement", 5):
        for case in reference_cases(BANK, variant, "p_all_cats"):
            got = module.p_all_cats(**case)
            assert isinstance(got, float)
            cats, dogs, k = case["cats"], case["dogs"], case["k"]
            assert math.isclose(got, product_of_draws(cats, dogs, k), rel_tol=1e-12,
                                abs_tol=1e-300)
            if cats + dogs <= 10 and k <= 4:
                draws = ordered_draws(cats, dogs, k)
                count = sum(all(x == "cat" for x in d) for d in draws)
                assert math.isclose(got, count / len(draws), rel_tol=1e-12)
            wrong = module.p_all_cats_with_replacement(**case)
            assert math.isclose(wrong, (cats / (cats + dogs)) ** k, rel_tol=1e-12)
            differs += not math.isclose(wrong, got, rel_tol=1e-6)
    assert differs > 0


# --------------------------------------------------------------------------- at least one


def test_at_least_one_by_binomial_sum_and_monte_carlo() -> None:
    rng = np.random.default_rng(20260101)
    draws = 200_000
    for i, variant in enumerate(variants("events/at-least-one")):
        p, m = float(variant.values["flaw"]), int(variant.values["m"])
        answer = as_float(expected(variant, "at_least_one"))
        # exact: sum over the number of flawed images j >= 1
        exact = sum(math.comb(m, j) * p**j * (1 - p) ** (m - j) for j in range(1, m + 1))
        assert math.isclose(answer, exact, rel_tol=1e-9)
        assert math.isclose(symbolic_at(variant, "formula", p=p, n=m), exact, rel_tol=1e-9)
        if i < 5:   # simulation: independent images, any flawed?
            flawed = (rng.random((draws, m)) < p).any(axis=1)
            se = math.sqrt(exact * (1 - exact) / draws)
            assert abs(flawed.mean() - answer) < 5 * se


def test_at_least_one_small_cases_by_enumerating_every_outcome() -> None:
    for variant in variants("events/at-least-one"):
        p, m = float(variant.values["flaw"]), int(variant.values["m"])
        if m > 12:
            continue
        total = sum(math.prod(p if x else 1 - p for x in outcome)
                    for outcome in itertools.product((0, 1), repeat=m) if any(outcome))
        assert math.isclose(as_float(expected(variant, "at_least_one")), total, rel_tol=1e-9)


def test_filters_union_and_neither_by_enumerating_atoms_and_simulating() -> None:
    rng = np.random.default_rng(7)
    draws = 200_000
    for i, variant in enumerate(variants("events/at-least-one")):
        pa, pb, pab = (float(variant.values[x]) for x in ("pa", "pb", "pab"))
        atoms = {(1, 1): pab, (1, 0): pa - pab, (0, 1): pb - pab, (0, 0): 1 - pa - pb + pab}
        assert all(q >= 0 for q in atoms.values())
        union = sum(q for (a, b), q in atoms.items() if a or b)
        neither = sum(q for (a, b), q in atoms.items() if not a and not b)
        assert math.isclose(as_float(expected(variant, "union")), union, rel_tol=1e-9)
        assert math.isclose(as_float(expected(variant, "neither")), neither, rel_tol=1e-9)
        if i < 3:
            keys = list(atoms)
            picks = rng.choice(len(keys), size=draws, p=[atoms[k] for k in keys])
            flagged = np.array([a or b for a, b in keys])[picks]
            se = math.sqrt(union * (1 - union) / draws)
            assert abs(flagged.mean() - union) < 5 * se


def test_probabilities_add_for_disjoint_events_not_for_independent_ones() -> None:
    """The choice part's answer, checked on a fair die by counting."""
    die = range(1, 7)

    def p(event: set[int]) -> Fraction:
        return Fraction(sum(1 for x in die if x in event), 6)

    a, disjoint, independent = {1, 2}, {3, 4}, {2, 4, 6}
    assert p(a & independent) == p(a) * p(independent)           # really independent
    assert p(a | disjoint) == p(a) + p(disjoint)
    assert p(a | independent) != p(a) + p(independent)
    variant = variants("events/at-least-one", 1)[0]
    assert str(expected(variant, "when_additive")).startswith("for disjoint events")


def test_independence_tables_are_clearly_dependent_and_the_conditionals_differ() -> None:
    """Tables independent to 0.02% made "are X and Y independent?" unclear; b = c made
    P(Y|X) = P(X|Y), a listed mistake; P(X)P(Y) fell within 0.1% of P(X∩Y)."""
    for variant in variants("events/independence", 3000):
        a, b, c, d = (int(variant.values[k]) for k in "abcd")
        n = a + b + c + d
        p_xy, p_x, p_y = Fraction(a, n), Fraction(a + b, n), Fraction(a + c, n)
        assert abs(p_xy - p_x * p_y) > Fraction(1, 10) * p_xy
        assert abs(Fraction(a, a + b) - Fraction(a, a + c)) > Fraction(3, 100) * Fraction(a, a + b)


def test_chain_rule_options_are_plain_text_and_read_as_typed() -> None:
    from grader.checkers import check_answer

    variant = variants("events/chain-rule", 1)[0]
    part = variant.spec.part("identity")
    assert not any("$" in o or "\\" in o for o in views.options(variant, part))
    for typed in ("c", "C)", "(c)", "3", "P(A∩B∩C)=P(A)P(B|A)P(C|A∩B)",
                  "p(a ∩ b ∩ c) = p(a)·p(b ∣ a)·p(c ∣ a ∩ b)",
                  r"$P(A \cap B \cap C) = P(A)\,P(B \mid A)\,P(C \mid A \cap B)$"):
        assert check_answer(variant, part, typed).status == "correct", typed
    assert check_answer(variant, part, "a").note == "assumed-independence"
    assert check_answer(variant, part, "d").status == "invalid"

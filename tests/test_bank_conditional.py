"""The conditional exercises compute the right answers: each checked by a second method.

Tables are expanded into individual records and counted; trees are enumerated path by
path and simulated; the class-conditional generator is simulated with a seeded NumPy
generator, with tolerances of five standard errors.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np

from grader import views
from grader.bank import reference_cases
from tests.bank_support import BANK, as_float, expected, variants

# --------------------------------------------------------------------------- joint table

STYLES = ("formal", "casual")
SENTIMENTS = ("positive", "neutral", "negative")


def records(v: dict[str, int]) -> list[tuple[str, str]]:
    """One (style, sentiment) record per reply, as the table counts them."""
    counts = {("formal", "positive"): v["a"], ("formal", "neutral"): v["b"],
              ("formal", "negative"): v["c"], ("casual", "positive"): v["d"],
              ("casual", "neutral"): v["e"], ("casual", "negative"): v["f"]}
    return [cell for cell in itertools.product(STYLES, SENTIMENTS) for _ in range(counts[cell])]


def conditional(rows: list[tuple[str, str]], event, given) -> Fraction:  # type: ignore[no-untyped-def]
    kept = [r for r in rows if given(r)]
    return Fraction(sum(1 for r in kept if event(r)), len(kept))


def test_joint_table_answers_by_counting_records() -> None:
    for variant in variants("conditional/joint-table"):
        rows = records(variant.values)
        assert len(rows) == variant.values["n"]
        neg_given_casual = conditional(rows, lambda r: r[1] == "negative",
                                       lambda r: r[0] == "casual")
        formal_given_pos = conditional(rows, lambda r: r[0] == "formal",
                                       lambda r: r[1] == "positive")
        p_pos = conditional(rows, lambda r: r[1] == "positive", lambda r: True)
        assert expected(variant, "neg_given_casual") == neg_given_casual   # exact fractions
        assert expected(variant, "formal_given_pos") == formal_given_pos
        assert expected(variant, "p_pos") == p_pos


def test_conditional_rows_reference_against_a_loop_over_cells() -> None:
    module = BANK.solution("conditional/joint-table")
    differs = {"conditional_columns": 0, "joint_probabilities": 0}
    for variant in variants("conditional/joint-table", 5):
        for case in reference_cases(BANK, variant, "conditional_rows"):
            joint = np.asarray(case["joint"], dtype=float)
            got = module.conditional_rows(**case)
            assert isinstance(got, np.ndarray) and got.shape == joint.shape
            rows, cols = joint.shape
            for i in range(rows):
                row_total = sum(joint[i, j] for j in range(cols))
                for j in range(cols):
                    assert math.isclose(got[i, j], joint[i, j] / row_total, rel_tol=1e-12)
                assert math.isclose(got[i].sum(), 1.0)
            for name in differs:
                wrong = getattr(module, name)(**case)
                differs[name] += not np.allclose(wrong, got, rtol=1e-6, atol=1e-9)
    assert all(count > 0 for count in differs.values()), differs


def test_joint_table_mistake_functions_compute_what_their_notes_say() -> None:
    module = BANK.solution("conditional/joint-table")
    joint = np.array([[1.0, 3.0], [2.0, 2.0]])
    # P(X = 0 | Y = 1) = 3 / 5 and P(X = 0, Y = 1) = 3 / 8
    assert math.isclose(module.conditional_columns(joint)[0, 1], 3 / 5)
    assert math.isclose(module.joint_probabilities(joint)[0, 1], 3 / 8)
    assert math.isclose(module.conditional_rows(joint)[0, 1], 3 / 4)


# --------------------------------------------------------------------------- two-stage tree


def tree_paths(v: dict[str, float]) -> dict[tuple[str, bool], float]:
    """Every path of the tree (model, helpful) with the product of its branches."""
    first = {"large": v["m"], "small": 1 - v["m"]}
    helpful = {"large": v["h1"], "small": v["h2"]}
    return {(model, ok): first[model] * (helpful[model] if ok else 1 - helpful[model])
            for model, ok in itertools.product(first, (True, False))}


def test_two_stage_tree_answers_by_enumerating_paths() -> None:
    for variant in variants("conditional/two-stage-tree"):
        paths = tree_paths(variant.values)
        assert math.isclose(sum(paths.values()), 1.0)
        p_h = sum(p for (_, ok), p in paths.items() if ok)
        assert math.isclose(as_float(expected(variant, "joint")), paths[("large", True)])
        assert math.isclose(as_float(expected(variant, "total")), p_h)
        assert math.isclose(as_float(expected(variant, "reverse")), paths[("large", True)] / p_h)
        assert math.isclose(as_float(expected(variant, "small_unhelpful")),
                            paths[("small", False)] / (1 - p_h))
        formula = expected(variant, "formula")
        at = formula.evaluate({**variant.values, "q": variant.values["m"],  # type: ignore[attr-defined]
                               "a": variant.values["h1"], "b": variant.values["h2"]})
        assert math.isclose(float(at), p_h)


def test_two_stage_tree_by_simulation() -> None:
    rng = np.random.default_rng(11)
    draws = 200_000
    for variant in variants("conditional/two-stage-tree", 4):
        v = variant.values
        large = rng.random(draws) < v["m"]
        helpful = rng.random(draws) < np.where(large, v["h1"], v["h2"])
        p_h = as_float(expected(variant, "total"))
        assert abs(helpful.mean() - p_h) < 5 * math.sqrt(p_h * (1 - p_h) / draws)
        reverse = as_float(expected(variant, "reverse"))
        n_h = helpful.sum()
        assert abs(large[helpful].mean() - reverse) < 5 * math.sqrt(reverse * (1 - reverse) / n_h)
        small_unhelpful = as_float(expected(variant, "small_unhelpful"))
        n_u = (~helpful).sum()
        se = math.sqrt(small_unhelpful * (1 - small_unhelpful) / n_u)
        assert abs((~large[~helpful]).mean() - small_unhelpful) < 5 * se


# --------------------------------------------------------------------------- class-conditional

CLASSES = ("cat", "dog", "bird")


def class_table(v: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    prior = np.array([v["pi1"], v["pi2"], 1 - v["pi1"] - v["pi2"]])
    outdoor = np.array([v["f1"], v["f2"], v["f3"]])
    return prior, outdoor


def test_class_conditional_answers_by_a_loop_over_classes() -> None:
    for variant in variants("conditional/class-conditional"):
        prior, outdoor = class_table(variant.values)
        joint = [prior[k] * outdoor[k] for k in range(3)]
        p_out = sum(joint)
        assert math.isclose(as_float(expected(variant, "total")), p_out)
        assert math.isclose(as_float(expected(variant, "dog_given_outdoor")), joint[1] / p_out)
        assert expected(variant, "most_probable") == CLASSES[int(np.argmax(joint))]


def test_class_conditional_by_simulating_the_generator() -> None:
    rng = np.random.default_rng(3)
    draws = 200_000
    for variant in variants("conditional/class-conditional", 5):
        prior, outdoor = class_table(variant.values)
        cls = rng.choice(3, size=draws, p=prior)
        out = rng.random(draws) < outdoor[cls]
        p_out = as_float(expected(variant, "total"))
        assert abs(out.mean() - p_out) < 5 * math.sqrt(p_out * (1 - p_out) / draws)
        post = as_float(expected(variant, "dog_given_outdoor"))
        n_out = out.sum()
        assert abs((cls[out] == 1).mean() - post) < 5 * math.sqrt(post * (1 - post) / n_out)
        # the constraints keep the posteriors >= 5% of P(outdoor) apart: the winner is clear
        frequencies = np.bincount(cls[out], minlength=3) / n_out
        assert expected(variant, "most_probable") == CLASSES[int(np.argmax(frequencies))]


def test_total_probability_reference_against_a_loop_and_sampling() -> None:
    module = BANK.solution("conditional/class-conditional")
    rng = np.random.default_rng(5)
    differs = 0
    for variant in variants("conditional/class-conditional", 5):
        for n, case in enumerate(reference_cases(BANK, variant, "total_probability")):
            prior, cond = case["prior"], case["conditional"]
            got = module.total_probability(**case)
            assert isinstance(got, np.ndarray) and got.shape == (cond.shape[1],)
            for x in range(cond.shape[1]):
                loop = sum(prior[k] * cond[k, x] for k in range(len(prior)))
                assert math.isclose(got[x], loop, rel_tol=1e-9, abs_tol=1e-15)
            if n < 3:   # sampling a class, then an outcome
                draws = 100_000
                cls = rng.choice(len(prior), size=draws, p=prior)
                u = rng.random(draws)
                outcome = (u[:, None] > np.cumsum(cond[cls], axis=1)).sum(axis=1)
                outcome = np.minimum(outcome, cond.shape[1] - 1)
                freq = np.bincount(outcome, minlength=cond.shape[1]) / draws
                se = np.sqrt(got * (1 - got) / draws)
                assert np.all(np.abs(freq - got) <= 5 * se + 1e-12)
            wrong = module.unweighted_marginal(**case)
            differs += not np.allclose(wrong, got, rtol=1e-6, atol=1e-9)
    assert differs > 0


def test_class_conditional_feedback_never_calls_a_common_class_rare() -> None:
    """It said "birds are also rare" when P(bird) was 0.3 or more."""
    for variant in variants("conditional/class-conditional", 200):
        part = variant.spec.part("most_probable")
        mistake = next(m for m in part.mistakes if m.note == "base-rate-neglect")
        text = views.text(variant, mistake.feedback, "feedback")
        assert "rare" not in text
        assert f"= {variant.values['pi1']}$" in text and variant.values["pi1"] > \
            variant.values["pi3"]

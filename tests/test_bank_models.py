"""The models exercises, checked by a second method: the tables are expanded into one
record per email and every probability is counted and multiplied in plain loops; the
naive Bayes reference is recomputed in log space with scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import expit, logsumexp

from grader import views
from grader.bank import reference_cases
from tests.bank_support import BANK, expected, variants


def frequency(records, event, given=lambda r: True) -> float:
    """P(event | given) by counting records."""
    kept = [r for r in records if given(r)]
    return sum(1 for r in kept if event(r)) / len(kept)


def naive_bayes_by_counting(records, x, features) -> float:
    """P(y = 1 | x) under naive Bayes, every estimate counted from the records."""
    score = {}
    for label in (0, 1):
        prior = frequency(records, lambda r, c=label: r["y"] == c)
        likelihood = 1.0
        for f in features:
            likelihood *= frequency(records, lambda r, f=f: r[f] == x[f],
                                    lambda r, c=label: r["y"] == c)
        score[label] = prior * likelihood
    return score[1] / (score[0] + score[1])


# ------------------------------------------------------------ generative versus discriminative

def test_generative_discriminative_answers():
    for v in variants("models/generative-discriminative"):
        val = v.values
        records = ([{"x": 1, "y": 1}] * val["a"] + [{"x": 1, "y": 0}] * val["b"]
                   + [{"x": 0, "y": 1}] * val["c"] + [{"x": 0, "y": 0}] * val["d"])
        direct = frequency(records, lambda r: r["y"] == 1, lambda r: r["x"] == 1)
        assert expected(v, "conditional") == pytest.approx(direct, rel=1e-12)
        # The generative route, P(y) P(x | y) and Bayes' theorem, gives the same number.
        joint = {y: frequency(records, lambda r, y=y: r["y"] == y)
                 * frequency(records, lambda r: r["x"] == 1, lambda r, y=y: r["y"] == y)
                 for y in (0, 1)}
        assert expected(v, "conditional") == pytest.approx(joint[1] / (joint[0] + joint[1]))
        assert expected(v, "marginal") == pytest.approx(frequency(records, lambda r: r["x"] == 1))
        assert expected(v, "gen_models") == "the joint distribution P(x, y)"
        assert expected(v, "disc_models") == "only the conditional P(y | x)"
        assert expected(v, "sample") == "only the generative model"


# --------------------------------------------------------------------------- naive Bayes

def spam_records(val) -> list[dict]:
    """Emails matching the counts table (which emails get which feature does not matter
    to naive Bayes, which only uses per-class feature frequencies)."""
    records = []
    for label, total, k1, k2 in ((1, val["ns"], val["k1s"], val["k2s"]),
                                 (0, val["nh"], val["k1h"], val["k2h"])):
        for i in range(total):
            records.append({"y": label, "x1": int(i < k1), "x2": int(i >= total - k2)})
    return records


def test_naive_bayes_answers():
    for v in variants("models/naive-bayes"):
        records = spam_records(v.values)
        assert expected(v, "prior") == pytest.approx(frequency(records, lambda r: r["y"] == 1))
        spam = lambda r: r["y"] == 1  # noqa: E731
        lik = (frequency(records, lambda r: r["x1"] == 1, spam)
               * frequency(records, lambda r: r["x2"] == 0, spam))
        assert expected(v, "likelihood") == pytest.approx(lik, rel=1e-12)
        post = naive_bayes_by_counting(records, {"x1": 1, "x2": 0}, ("x1", "x2"))
        assert expected(v, "posterior") == pytest.approx(post, rel=1e-12)
        # The formula at this variant's prior and likelihoods gives the same posterior.
        ham = lambda r: r["y"] == 0  # noqa: E731
        lh = (frequency(records, lambda r: r["x1"] == 1, ham)
              * frequency(records, lambda r: r["x2"] == 0, ham))
        f = views.expected_value(v, v.spec.part("formula"))
        at = {**v.values, "prior": expected(v, "prior"), "ls": lik, "lh": lh}
        assert float(f.evaluate(at)) == pytest.approx(post, rel=1e-12)


def test_naive_bayes_reference_function():
    module = BANK.solution("models/naive-bayes")
    for v in variants("models/naive-bayes", 5):
        for case in reference_cases(BANK, v, "naive_bayes_posterior"):
            x = case["x"].astype(bool)
            log1 = math.log(case["prior"]) + np.sum(
                np.log(np.where(x, case["lik1"], 1 - case["lik1"])))
            log0 = math.log(1 - case["prior"]) + np.sum(
                np.log(np.where(x, case["lik0"], 1 - case["lik0"])))
            assert module.naive_bayes_posterior(**case) == pytest.approx(
                float(expit(log1 - log0)), rel=1e-9)
            assert module.naive_bayes_posterior(**case) == pytest.approx(
                math.exp(log1 - logsumexp([log0, log1])), rel=1e-9)


# --------------------------------------------------------------------------- direct vs naive Bayes

def table_records(val) -> list[dict]:
    records = []
    for x1 in (0, 1):
        for x2 in (0, 1):
            for y in (0, 1):
                records += [{"x1": x1, "x2": x2, "y": y}] * val[f"n{x1}{x2}{y}"]
    return records


def test_direct_vs_naive_bayes_answers():
    for v in variants("models/direct-vs-naive-bayes"):
        records = table_records(v.values)
        both = lambda r: r["x1"] == 1 and r["x2"] == 1  # noqa: E731
        spam = lambda r: r["y"] == 1  # noqa: E731
        direct = frequency(records, spam, both)
        assert expected(v, "direct") == pytest.approx(direct, rel=1e-12)
        joint_given = frequency(records, both, spam)
        assert expected(v, "joint_given_spam") == pytest.approx(joint_given, rel=1e-12)
        nb = naive_bayes_by_counting(records, {"x1": 1, "x2": 1}, ("x1", "x2"))
        assert expected(v, "naive") == pytest.approx(nb, rel=1e-12)
        # They differ because the features are dependent given y ...
        product = (frequency(records, lambda r: r["x1"] == 1, spam)
                   * frequency(records, lambda r: r["x2"] == 1, spam))
        assert abs(joint_given - product) > 0.01
        assert abs(direct - nb) > 0.01
        assert expected(v, "why").startswith("x1 and x2 are not independent given y")


def test_naive_bayes_equals_the_direct_estimate_when_features_are_independent():
    """The counterfactual behind the choice part: build a table whose features are
    conditionally independent given y, and the two estimates agree."""
    records = []
    for y, (p1, p2, n) in {0: (0.25, 0.5, 64), 1: (0.75, 0.25, 32)}.items():
        for x1 in (0, 1):
            for x2 in (0, 1):
                count = n * (p1 if x1 else 1 - p1) * (p2 if x2 else 1 - p2)
                assert count == int(count)
                records += [{"x1": x1, "x2": x2, "y": y}] * int(count)
    direct = frequency(records, lambda r: r["y"] == 1, lambda r: r["x1"] == r["x2"] == 1)
    nb = naive_bayes_by_counting(records, {"x1": 1, "x2": 1}, ("x1", "x2"))
    assert nb == pytest.approx(direct, rel=1e-12)


def test_naive_bayes_counts_the_shared_evidence_twice_in_every_variant() -> None:
    """The solution says naive Bayes counts one piece of evidence twice, so it must land
    further from the prior than the table's answer, and the features must agree more often
    than independence says in both classes (it did not in about 1 variant in 1,000)."""
    for variant in variants("models/direct-vs-naive-bayes", 3000):
        n = {k: int(v) for k, v in variant.values.items() if k.startswith("n") and len(k) == 4}
        n1 = n["n001"] + n["n011"] + n["n101"] + n["n111"]
        n0 = n["n000"] + n["n010"] + n["n100"] + n["n110"]
        prior = n1 / (n0 + n1)
        direct = n["n111"] / (n["n110"] + n["n111"])
        a1, a2 = (n["n101"] + n["n111"]) / n1, (n["n011"] + n["n111"]) / n1
        b1, b2 = (n["n100"] + n["n110"]) / n0, (n["n010"] + n["n110"]) / n0
        nb = n1 * a1 * a2 / (n1 * a1 * a2 + n0 * b1 * b2)
        assert abs(nb - prior) > abs(direct - prior), variant.seed
        assert n["n111"] / n1 > a1 * a2 and n["n110"] / n0 > b1 * b2, variant.seed

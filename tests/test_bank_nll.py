"""The nll exercises and the reference NLL loss, checked against torch's own numbers
(tests/data/torch_nll_cases.json), log-softmax from scipy, and a plain double loop."""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest
from scipy.special import log_softmax, logsumexp

from grader import views
from grader.bank import reference_cases
from tests.bank_support import BANK, ROOT, expected, variants

TORCH = json.loads((ROOT / "tests" / "data" / "torch_nll_cases.json").read_text())["cases"]
REF = BANK.solution("nll/nll-loss")


def arrays(case: dict) -> dict:
    return {"log_probs": np.asarray(case["log_probs"], dtype=float),
            "target": np.asarray(case["target"], dtype=np.int64),
            "weight": None if case["weight"] is None else np.asarray(case["weight"], dtype=float),
            "ignore_index": case["ignore_index"], "reduction": case["reduction"]}


def loop_nll(log_probs, target, weight=None, ignore_index=-100, reduction="mean"):
    """NLLLoss by its definition: one example (and position) at a time, no vectorisation."""
    log_probs = np.asarray(log_probs, dtype=float)
    target = np.asarray(target)
    if log_probs.ndim == 1:
        log_probs, target = log_probs[None], target[None]
        squeeze = True
    else:
        squeeze = False
    losses = np.zeros(target.shape)
    total_weight = 0.0
    for index in np.ndindex(*target.shape):
        n, rest = index[0], index[1:]
        c = int(target[index])
        if c == ignore_index:
            continue
        w = 1.0 if weight is None else float(weight[c])
        losses[index] = -w * float(log_probs[(n, c, *rest)])
        total_weight += w
    if reduction == "none":
        return losses[0] if squeeze else losses
    total = math.fsum(losses.ravel())
    if reduction == "sum":
        return total
    return total / total_weight if total_weight else math.nan


def random_case(rng, k_dims: int, weighted: bool, ignore: bool, reduction: str) -> dict:
    n, c = int(rng.integers(1, 7)), int(rng.integers(2, 6))
    extra = tuple(int(s) for s in rng.integers(1, 4, size=k_dims))
    case = {"log_probs": log_softmax(rng.normal(0, 2, size=(n, c, *extra)), axis=1),
            "target": rng.integers(0, c, size=(n, *extra)), "reduction": reduction}
    if weighted:
        case["weight"] = rng.uniform(0.1, 3.0, size=c)
    if ignore:
        case["ignore_index"] = int(rng.integers(0, c))
    return case


# --------------------------------------------------------------------------- torch's numbers

def test_the_torch_data_is_what_we_think():
    assert len(TORCH) == 63
    assert {c["reduction"] for c in TORCH} == {"mean", "sum", "none"}
    assert any(np.ndim(c["log_probs"]) > 2 for c in TORCH)      # K-dimensional cases
    assert any(c["weight"] is not None for c in TORCH)
    assert any(c["ignore_index"] != -100 for c in TORCH)


@pytest.mark.parametrize("index", range(63))
def test_nll_loss_matches_torch(index):
    case = TORCH[index]
    got = REF.nll_loss(**arrays(case))
    want = np.asarray(case["nll_loss"], dtype=float)
    if case["reduction"] == "none":
        assert isinstance(got, np.ndarray)
        assert got.shape == np.shape(case["target"])
    else:
        assert type(got) is float
    assert np.allclose(got, want, rtol=1e-9, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("index", range(63))
def test_cross_entropy_is_nll_of_log_softmax(index):
    case = TORCH[index]
    logits = np.asarray(case["logits"], dtype=float)
    args = arrays(case)
    args["log_probs"] = log_softmax(logits, axis=0 if logits.ndim == 1 else 1)
    got = REF.nll_loss(**args)
    assert np.allclose(got, np.asarray(case["cross_entropy"], dtype=float),
                       rtol=1e-9, atol=1e-12, equal_nan=True)


def test_cross_entropy_reference_matches_torch():
    module = BANK.solution("nll/cross-entropy-logits")
    plain = [c for c in TORCH if np.ndim(c["logits"]) == 2 and c["weight"] is None
             and c["reduction"] in ("mean", "sum")
             and c["ignore_index"] not in np.ravel(c["target"])]
    assert len(plain) >= 5
    for case in plain:
        target = np.asarray(case["target"])
        got = module.cross_entropy(np.asarray(case["logits"]), target)
        n = target.size if case["reduction"] == "sum" else 1
        assert got * n == pytest.approx(case["cross_entropy"], rel=1e-9)


# --------------------------------------------------------------------------- a second method

def test_nll_loss_equals_the_double_loop_on_random_inputs():
    rng = np.random.default_rng(2024)
    checked = 0
    for k_dims in (0, 1, 2):
        for weighted in (False, True):
            for ignore in (False, True):
                for reduction in ("mean", "sum", "none"):
                    for _ in range(4):
                        case = random_case(rng, k_dims, weighted, ignore, reduction)
                        got = REF.nll_loss(**copy.deepcopy(case))
                        want = loop_nll(**case)
                        assert np.shape(got) == np.shape(want)
                        assert np.allclose(got, want, rtol=1e-12, atol=1e-14, equal_nan=True)
                        checked += 1
    assert checked == 144


def test_nll_loss_unbatched_and_all_ignored():
    lp = np.log(np.array([0.2, 0.5, 0.3]))
    assert REF.nll_loss(lp, np.array(1)) == pytest.approx(-math.log(0.5))
    none = REF.nll_loss(lp, np.array(2), reduction="none")
    assert np.shape(none) == () and float(none) == pytest.approx(-math.log(0.3))
    assert math.isnan(REF.nll_loss(lp, np.array(1), ignore_index=1))
    batch = np.log(np.full((2, 2), 0.5))
    assert math.isnan(REF.nll_loss(batch, np.array([1, 1]), ignore_index=1))
    assert REF.nll_loss(batch, np.array([1, 1]), ignore_index=1, reduction="sum") == 0.0


def test_divided_by_n_differs_exactly_when_weights_matter():
    rng = np.random.default_rng(99)
    for k_dims in (0, 1):
        for _ in range(10):
            case = random_case(rng, k_dims, weighted=True, ignore=False, reduction="mean")
            right = REF.nll_loss(**copy.deepcopy(case))
            wrong = REF.nll_divided_by_n(**copy.deepcopy(case))
            # Dividing by the count instead of the total weight: off by that ratio.
            w_total = float(case["weight"][case["target"]].sum())
            assert wrong == pytest.approx(right * w_total / case["target"].size, rel=1e-12)
            assert not math.isclose(wrong, right, rel_tol=1e-6)
            for reduction in ("sum", "none"):
                same = dict(case, reduction=reduction)
                assert np.allclose(REF.nll_divided_by_n(**same), REF.nll_loss(**same))
            unweighted = {k: v for k, v in case.items() if k != "weight"}
            assert REF.nll_divided_by_n(**unweighted) == pytest.approx(REF.nll_loss(**unweighted))
    # ... and on the exercise's own weighted case, for every variant.
    for v in variants("nll/nll-loss", 10):
        inputs = reference_cases(BANK, v, "nll_loss")
        weighted = [c for c in inputs if c.get("weight") is not None
                    and c.get("reduction", "mean") == "mean"]
        assert any(not math.isclose(REF.nll_loss(**c), REF.nll_divided_by_n(**c), rel_tol=1e-6)
                   for c in weighted)


def test_cross_entropy_reference_equals_the_loop():
    module = BANK.solution("nll/cross-entropy-logits")
    for v in variants("nll/cross-entropy-logits", 5):
        for case in reference_cases(BANK, v, "cross_entropy"):
            logits, target = case["logits"], case["target"]
            per_example = [logsumexp(row) - row[t] for row, t in zip(logits, target, strict=True)]
            assert module.cross_entropy(**case) == pytest.approx(
                math.fsum(per_example) / len(per_example), rel=1e-12, abs=1e-12)
    big = {"logits": np.array([[1000.0, 0.0]]), "target": np.array([1])}
    assert module.cross_entropy(**big) == pytest.approx(1000.0)
    assert math.isinf(module.cross_entropy_naive(**big))


# --------------------------------------------------------------------------- the exercises' answers

def test_nll_loss_exercise_answers():
    for v in variants("nll/nll-loss"):
        pr, pw, w = v.values["p_right"], v.values["p_wrong"], v.values["w_heavy"]
        lp = np.log(np.array([[pr, 1 - pr], [1 - pw, pw]]))
        target = np.array([0, 1])
        assert expected(v, "unweighted") == pytest.approx(loop_nll(lp, target), rel=1e-12)
        assert expected(v, "weighted") == pytest.approx(
            loop_nll(lp, target, weight=np.array([float(w), 1.0])), rel=1e-12)


def nll_by_hand_table(v):
    val = v.values
    rows = [[val[f"p{i}1"], val[f"p{i}2"], 1 - val[f"p{i}1"] - val[f"p{i}2"]] for i in range(1, 5)]
    return np.log(np.array(rows, dtype=float)), np.array([0, 2, 1, 2])


def test_nll_by_hand_answers():
    for v in variants("nll/nll-by-hand"):
        lp, target = nll_by_hand_table(v)
        weight = np.array([v.values["w0"], v.values["w1"], v.values["w2"]], dtype=float)
        assert expected(v, "mean") == pytest.approx(loop_nll(lp, target), rel=1e-9)
        assert expected(v, "weighted") == pytest.approx(
            loop_nll(lp, target, weight=weight), rel=1e-9)
        assert expected(v, "ignored") == pytest.approx(
            loop_nll(lp, target, ignore_index=2), rel=1e-9)
        losses = loop_nll(lp, target, reduction="none")
        assert expected(v, "worst") == f"example {int(np.argmax(losses)) + 1}"
        # The listed mistakes are what they claim: the sum, and weights over N.
        assert float(v.values["sum_nll"]) == pytest.approx(loop_nll(lp, target, reduction="sum"))
        assert float(v.values["weighted_over_n"]) == pytest.approx(
            REF.nll_divided_by_n(lp, target, weight=weight))


def test_cross_entropy_logits_answers():
    rng = np.random.default_rng(5)
    for v in variants("nll/cross-entropy-logits"):
        z = np.array([v.values["l1"], v.values["l2"], v.values["l3"]], dtype=float)
        y = v.values["y"] - 1
        assert expected(v, "log_prob") == pytest.approx(log_softmax(z)[y], rel=1e-9)
        assert expected(v, "loss") == pytest.approx(
            REF.nll_loss(log_softmax(z)[None], np.array([y])), rel=1e-9)
        shifted = REF.nll_loss(log_softmax(z + 2.5)[None], np.array([y]))
        assert expected(v, "shift") == "stays the same"
        assert shifted == pytest.approx(expected(v, "loss"), rel=1e-9)
        part = v.spec.part("formula")
        for _ in range(4):
            zs = rng.uniform(-5, 5, size=3)
            got = float(views.expected_value(v, part).evaluate(
                {**v.values, "z1": zs[0], "z2": zs[1], "z3": zs[2]}))
            assert got == pytest.approx(-log_softmax(zs)[0], rel=1e-10)


def test_an_ignored_position_with_minus_infinity_counts_zero_as_in_torch() -> None:
    """torch skips an ignored position, so a -inf log-probability there gives 0, where
    the reference gave nan (-(-inf) * 0). Checked against a plain double loop."""
    module = BANK.solution("nll/nll-loss")
    with np.errstate(divide="ignore"):
        log_probs = np.log(np.array([[0.0, 1.0], [0.3, 0.7]]))
    target = np.array([-100, 1])
    loop = -math.log(0.7)           # only the second position counts
    assert module.nll_loss(log_probs, target, reduction="sum") == pytest.approx(loop)
    assert module.nll_loss(log_probs, target) == pytest.approx(loop)
    none = module.nll_loss(log_probs, target, reduction="none")
    assert none[0] == 0 and none[1] == pytest.approx(loop)

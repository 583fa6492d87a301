"""Function parts graded by named checks: partial credit per check, feedback that names
the failing check without showing an expected value, mutants caught, hostile return
values costing one part only, and float32 code passing."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from grader.assignment import Assignment, load_assignment
from grader.bank import Bank, reference_checks
from grader.checkers.function import compare_values
from grader.grading import grade
from grader.result import PartResult, Result
from grader.samples import solution_source, write_submission
from grader.variants import make_variant, variant_seed
from tests.conftest import ROOT

BANK = Bank(ROOT)
EXERCISES = ("nll/nll-loss", "information/kl-divergence", "bayes/posterior-vector",
             "mle/bernoulli")


@pytest.fixture(scope="module")
def assignment(tmp_path_factory: pytest.TempPathFactory) -> Assignment:
    path = tmp_path_factory.mktemp("checks") / "assignment.yaml"
    path.write_text("name: checks\nsalt: checks\nexercises:\n"
                    + "".join(f"  - {e}\n" for e in EXERCISES), encoding="utf-8")
    return load_assignment(path, bank=BANK)


def hand_in(assignment: Assignment, folder: Path, extra: str, student: str = "ada") -> Result:
    """The references for every function, then `extra` (which may redefine some)."""
    write_submission(assignment, student, folder, "perfect")
    picks = [(e, {p.function: p.function for p in BANK.spec(e).parts
                  if p.kind == "function" and p.function}) for e in EXERCISES]
    (folder / "solution.py").write_text(solution_source(BANK, picks) + extra, encoding="utf-8")
    return grade(folder, assignment, student)


def code_part(result: Result, exercise_id: str) -> PartResult:
    return next(p for e, p in result.parts() if e.id == exercise_id and p.kind == "function")


KDIM_BROKEN = '''
_right_nll = nll_loss

def nll_loss(log_probs, target, weight=None, ignore_index=-100, reduction="mean"):
    if np.ndim(log_probs) > 2 and reduction != "none":
        return 12345.0
    return _right_nll(log_probs, target, weight, ignore_index, reduction)

import numpy as np
'''


@pytest.mark.parametrize("student", ["ada", "grace", "emmy"])
def test_k_dimensional_mean_and_sum_lose_that_check_only(assignment: Assignment, tmp_path: Path,
                                                         student: str) -> None:
    """The issue's example: 12345.0 for K-dimensional input with mean or sum scored 6/6."""
    result = hand_in(assignment, tmp_path, KDIM_BROKEN, student)
    part = code_part(result, "nll/nll-loss")
    assert part.status == "partial"
    assert part.score == pytest.approx(part.max_score * 4 / 6)   # K-dimensional: 2 of 6
    assert "Check 'K-dimensional' failed: nll_loss(log_probs=array(" in part.feedback
    assert "returned 12345: not the right value" in part.feedback
    assert "Passed: mean, reductions, weights, ignore_index." in part.feedback
    assert "expected" not in part.feedback
    others = [p for e, p in result.parts() if p is not part]
    assert all(p.status == "correct" for p in others)


KL_INF = '''
_right_kl = kl_divergence

def kl_divergence(p, q):
    import numpy as np
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if np.any((p == 0) & (q == 0)):
        return float("inf")
    return _right_kl(p, q)
'''


def test_kl_wrong_only_at_zero_log_zero_keeps_most_points(assignment: Assignment,
                                                          tmp_path: Path) -> None:
    """Right on every case but p(x) = q(x) = 0 scored 0 of 4 (all or nothing) and, with
    no such case, 4 of 4 (no check at all); now it loses that check's fifth."""
    part = code_part(hand_in(assignment, tmp_path, KL_INF), "information/kl-divergence")
    assert part.status == "partial"
    assert part.score == pytest.approx(part.max_score * 4 / 5)
    assert part.feedback.startswith("Check 'zeros in p and q' failed: kl_divergence(p=array(")
    assert "returned inf: not the right value" in part.feedback


RAISES_ON_K_DIM = '''
_right_nll = nll_loss

def nll_loss(log_probs, target, weight=None, ignore_index=-100, reduction="mean"):
    if len(getattr(log_probs, "shape", ())) > 2:
        raise ValueError("only 2-D, sorry")
    return _right_nll(log_probs, target, weight, ignore_index, reduction)
'''


def test_an_error_in_one_check_costs_that_check(assignment: Assignment, tmp_path: Path) -> None:
    part = code_part(hand_in(assignment, tmp_path, RAISES_ON_K_DIM), "nll/nll-loss")
    assert part.status == "partial" and part.score == pytest.approx(part.max_score * 4 / 6)
    assert "Check 'K-dimensional' failed" in part.feedback
    assert "ValueError: only 2-D, sorry" in part.feedback


HOSTILE_VALUES = '''
def bernoulli_mle(data):
    return 2 ** 4000

def kl_divergence(p, q):
    deep = []
    for _ in range(100_000):
        deep = [deep]
    return deep

def posterior(prior, likelihood):
    return "x" * 5_000_000
'''


def test_hostile_return_values_cost_their_part_only(assignment: Assignment,
                                                    tmp_path: Path) -> None:
    """A huge int made float() overflow and the whole submission fail."""
    result = hand_in(assignment, tmp_path, HOSTILE_VALUES)
    for exercise_id in ("mle/bernoulli", "information/kl-divergence", "bayes/posterior-vector"):
        part = code_part(result, exercise_id)
        assert part.status in ("incorrect", "error"), (exercise_id, part.feedback)
        assert part.score == 0 and part.feedback and len(part.feedback) < 2000
    assert code_part(result, "nll/nll-loss").status == "correct"
    assert all(p.status == "correct" for _, p in result.parts() if p.kind != "function")


def test_a_tuple_is_as_good_as_a_list_or_an_array(assignment: Assignment,
                                                 tmp_path: Path) -> None:
    tuples = ("\n_right_posterior = posterior\n\ndef posterior(prior, likelihood):\n"
              "    return tuple(float(x) for x in _right_posterior(prior, likelihood))\n")
    assert code_part(hand_in(assignment, tmp_path, tuples), "bayes/posterior-vector"
                     ).status == "correct"


def _float32(value: object) -> object:
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float32)
    if type(value) is float:
        return np.float32(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_float32(v) for v in value)
    return value


FUNCTION_PARTS = [(e, p.id) for e in BANK.ids for p in BANK.spec(e).parts
                  if p.kind == "function"]


@pytest.mark.parametrize(("exercise_id", "part_id"), FUNCTION_PARTS,
                         ids=[f"{e}:{p}" for e, p in FUNCTION_PARTS])
def test_float32_code_passes_every_function_part(exercise_id: str, part_id: str) -> None:
    """The reference fed float32 inputs (so NumPy computes in float32 wherever it does not
    upcast) and its result rounded to float32, on every case of 20 variants, meets the
    part's tolerance. With the old 1e-6 tolerance six parts failed this; posterior-vector
    failed on a 1e-200 likelihood that float32 cannot hold."""
    spec = BANK.spec(exercise_id)
    part = spec.part(part_id)
    assert part.function is not None and part.tolerance is not None
    reference = getattr(BANK.solution(exercise_id), part.function)
    for i in range(20):
        variant = make_variant(spec, variant_seed("float32", f"student-{i}", exercise_id))
        for check, case in reference_checks(BANK, variant, part.function):
            with np.errstate(all="ignore"):
                got = _float32(reference(**{k: _float32(copy.deepcopy(v))
                                            for k, v in case.items()}))
            expected = reference(**copy.deepcopy(case))
            mismatch = compare_values(expected, got, part.tolerance)
            assert mismatch is None, (variant.seed, check, case, mismatch)

"""The whole bank, exercise by exercise, and the issue's acceptance checks.

Every exercise is found from `Bank(ROOT).ids`, so a new one is proved here without
editing a list: `grader validate` passes on it, its wrong implementations are told apart,
it is complete (mistakes, a worked solution, enough randomness) and its reference code has
the signature its spec promises. Then the acceptance checks of the issue: the bank's
coverage, the five contract functions, and the real grader on an independent hand-in of
them, right and subtly wrong. The topic files (tests/test_bank_<topic>.py) check the
answers themselves by a second method.
"""

from __future__ import annotations

import ast
import copy
import inspect
import math
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from grader import views
from grader.assignment import Assignment, load_assignment
from grader.checkers.function import _first_mismatch
from grader.errors import GraderError
from grader.grading import grade
from grader.result import Result
from grader.samples import write_submission
from grader.spec import Part
from grader.validate import PRECISION_VARIANTS, validate_one
from grader.variants import make_variant, variant_seed
from tests.bank_support import BANK, cases, variants

TOPICS = ("events", "conditional", "bayes", "likelihood", "mle", "nll", "information",
          "sampling", "models")
VALIDATE_SEEDS = 40


def function_parts(*, with_mistakes: bool = False) -> list[Any]:
    """(exercise id, part id) of every function part, as pytest params.

    A spec that does not load is left out here: test_validate reports it by name, while an
    error at collection would hide every other test of this module.
    """
    found = []
    for exercise_id in BANK.ids:
        try:
            spec = BANK.spec(exercise_id)
        except GraderError:
            continue
        for part in spec.parts:
            if part.kind == "function" and (
                    not with_mistakes or any(m.function for m in part.mistakes)):
                found.append(pytest.param(exercise_id, part.id, id=f"{exercise_id}:{part.id}"))
    return found


# --------------------------------------------------------------------------- every exercise


@pytest.mark.parametrize("exercise_id", BANK.ids)
def test_validate_proves_answers_and_mistakes(exercise_id: str) -> None:
    """`grader validate` over many seeds: every variant draws and renders, the reference
    answers earn full marks and each listed mistake earns what it says; on the first seed
    the reference code and each wrong implementation are graded in the real sandbox."""
    report = validate_one(BANK, exercise_id, seeds=VALIDATE_SEEDS, code_seeds=1)
    assert report.ok, report.problems
    assert report.seeds == VALIDATE_SEEDS
    assert report.variants == PRECISION_VARIANTS


ROUNDED_VARIANTS = 1000


@pytest.mark.parametrize("exercise_id", [
    i for i in BANK.ids if any(p.kind == "numeric" for p in BANK.spec(i).parts)])
def test_answers_rounded_to_the_stated_figures_earn_full_marks(exercise_id: str) -> None:
    """Through the real checker, as text a student types: each numeric part's answer
    rounded to its significant figures (3 unless the part says otherwise) is correct on
    a thousand variants (before the policy, 13 of 77 parts refused some)."""
    from grader.checkers import check_answer
    from grader.checkers.numeric import round_sig

    spec = BANK.spec(exercise_id)
    for i in range(ROUNDED_VARIANTS):
        variant = make_variant(spec, variant_seed("rounded", f"student-{i}", exercise_id))
        for part in spec.parts:
            if part.kind != "numeric":
                continue
            value = float(views.expected_value(variant, part))
            if not math.isfinite(value):
                continue
            text = f"{round_sig(value, part.sig_figs):.{part.sig_figs - 1}e}"
            outcome = check_answer(variant, part, text)
            assert outcome.status == "correct", (variant.seed, part.id, text)


@pytest.mark.parametrize(("exercise_id", "part_id"), function_parts(with_mistakes=True))
def test_wrong_implementations_are_caught_and_told_apart(exercise_id: str, part_id: str) -> None:
    """A student who hands in a listed wrong implementation must differ from the reference
    on some generated input, and no earlier listed mistake may claim their code."""
    part = BANK.spec(exercise_id).part(part_id)
    module = BANK.solution(exercise_id)
    assert part.function is not None and part.tolerance is not None
    reference = getattr(module, part.function)
    wrong = [m.function for m in part.mistakes if m.function]
    for variant in variants(exercise_id, 10):
        inputs = cases(variant, part.function)
        for k, name in enumerate(wrong):
            outputs = [getattr(module, name)(**copy.deepcopy(c)) for c in inputs]
            assert _first_mismatch(reference, inputs, outputs, part.tolerance) is not None, \
                f"{name}() equals {part.function}() on every input of {variant.id}"
            for earlier in wrong[:k]:
                assert _first_mismatch(getattr(module, earlier), inputs, outputs,
                                       part.tolerance) is not None, \
                    f"{name}() is graded as {earlier}() on every input of {variant.id}"


def test_function_parts_list_wrong_implementations() -> None:
    bare = {p.id for p in function_parts()} - {p.id for p in function_parts(with_mistakes=True)}
    assert bare == set()


@pytest.mark.parametrize("exercise_id", BANK.ids)
def test_exercise_is_complete(exercise_id: str) -> None:
    """Targeted feedback somewhere, a worked solution, and variants that really vary."""
    spec = BANK.spec(exercise_id)
    assert any(part.mistakes for part in spec.parts), "no part lists a mistake"
    assert spec.solution.strip(), "no worked solution"
    assert spec.constraints or len(spec.params) >= 2, "neither constraints nor two params"


def declared(signature: str) -> tuple[str, list[tuple[str, object]]]:
    """The function name and the (parameter, default) pairs of a spec's `signature`
    string; a parameter without a default has `inspect.Parameter.empty`."""
    tree = ast.parse(f"def {signature}: ...")
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[object] = [inspect.Parameter.empty] * (len(positional) - len(args.defaults))
    defaults += [_default(d) for d in args.defaults]
    params = [(a.arg, d) for a, d in zip(positional, defaults, strict=True)]
    if args.vararg:
        params.append((args.vararg.arg, inspect.Parameter.empty))
    params += [(a.arg, inspect.Parameter.empty if d is None else _default(d))
               for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)]
    if args.kwarg:
        params.append((args.kwarg.arg, inspect.Parameter.empty))
    return function.name, params


def _default(node: ast.expr) -> object:
    # The bank's own text (trusted): defaults such as None, -100, "mean" or math.e.
    code = compile(ast.Expression(node), "<signature>", "eval")
    return eval(code, {"__builtins__": {}, "math": math, "np": np})


@pytest.mark.parametrize(("exercise_id", "part_id"), function_parts())
def test_reference_has_the_signature_the_spec_shows(exercise_id: str, part_id: str) -> None:
    part = BANK.spec(exercise_id).part(part_id)
    assert part.signature, "the part shows students no signature"
    name, params = declared(part.signature)
    assert name == part.function
    reference = inspect.signature(getattr(BANK.solution(exercise_id), name))
    assert [(p.name, p.default) for p in reference.parameters.values()] == params


# --------------------------------------------------------------------------- the checks


def test_the_bank_covers_every_topic() -> None:
    per_topic = Counter(exercise_id.split("/")[0] for exercise_id in BANK.ids)
    assert len(BANK.ids) >= 30
    assert len(per_topic) >= 8
    assert {t: per_topic[t] for t in TOPICS if per_topic[t] < 3} == {}


EMPTY = inspect.Parameter.empty
CONTRACT: dict[str, tuple[str, list[tuple[str, object]]]] = {
    "nll/nll-loss": ("nll_loss", [("log_probs", EMPTY), ("target", EMPTY), ("weight", None),
                                  ("ignore_index", -100), ("reduction", "mean")]),
    "mle/bernoulli": ("bernoulli_mle", [("data", EMPTY)]),
    "mle/gaussian": ("gaussian_mle", [("data", EMPTY)]),
    "bayes/posterior-vector": ("posterior", [("prior", EMPTY), ("likelihood", EMPTY)]),
    "information/kl-divergence": ("kl_divergence", [("p", EMPTY), ("q", EMPTY)]),
}


def contract_part(exercise_id: str) -> Part:
    function = CONTRACT[exercise_id][0]
    parts = [p for p in BANK.spec(exercise_id).parts if p.function == function]
    assert [p.kind for p in parts] == ["function"], f"{exercise_id} asks for no {function}()"
    return parts[0]


@pytest.mark.parametrize("exercise_id", CONTRACT)
def test_contract_functions_exist_with_their_parameters(exercise_id: str) -> None:
    function, params = CONTRACT[exercise_id]
    assert exercise_id in BANK.ids
    part = contract_part(exercise_id)
    assert part.signature is not None and declared(part.signature) == (function, params)
    reference = inspect.signature(getattr(BANK.solution(exercise_id), function))
    assert [(p.name, p.default) for p in reference.parameters.values()] == params


def test_gaussian_mle_returns_the_mean_and_the_variance() -> None:
    got = BANK.solution("mle/gaussian").gaussian_mle(np.array([1.0, 2.0, 6.0]))
    assert type(got) is tuple and got == pytest.approx((3.0, 14 / 3), rel=1e-12)


# An independent hand-in of the five contract functions, written from their definitions
# (not from solutions/): loops over examples and positions, explicit 0·log 0 and q = 0 < p.
CORRECT = '''\
"""A student's solution.py, written from the definitions."""

import math

import numpy as np


def _nll_terms(log_probs, target, weight, ignore_index):
    """Per-position losses (target's shape) and the weights of the counted targets."""
    log_probs = np.asarray(log_probs, dtype=float)
    target = np.asarray(target)
    unbatched = log_probs.ndim == 1
    if unbatched:                               # (C,) with a 0-d target: a batch of one
        log_probs, target = log_probs[np.newaxis], target[np.newaxis]
    losses = np.zeros(target.shape)
    counted = []
    for n in range(target.shape[0]):                        # every example ...
        for position in np.ndindex(*target.shape[1:]):      # ... and every position
            c = int(target[(n, *position)])
            if c == ignore_index:
                continue
            w = 1.0 if weight is None else float(weight[c])
            losses[(n, *position)] = -w * float(log_probs[(n, c, *position)])
            counted.append(w)
    return (losses[0, ...] if unbatched else losses), counted


def _reduce(losses, denominator, reduction):
    if reduction == "none":
        return losses
    total = math.fsum(float(x) for x in np.ravel(losses))
    if reduction == "sum":
        return total
    return total / denominator if denominator > 0 else math.nan


def nll_loss(log_probs, target, weight=None, ignore_index=-100, reduction="mean"):
    losses, counted = _nll_terms(log_probs, target, weight, ignore_index)
    return _reduce(losses, math.fsum(counted), reduction)


def bernoulli_mle(data):
    ones = 0
    for x in data:
        ones += int(x)
    return ones / len(data)


def gaussian_mle(data):
    xs = [float(x) for x in data]
    mean = math.fsum(xs) / len(xs)
    return mean, math.fsum((x - mean) ** 2 for x in xs) / len(xs)


def posterior(prior, likelihood):
    joint = [float(p) * float(x) for p, x in zip(prior, likelihood)]
    evidence = math.fsum(joint)
    return np.array([j / evidence for j in joint])


def _kl(p, q):
    terms = []
    for pi, qi in zip(p, q):
        pi, qi = float(pi), float(qi)
        if pi == 0.0:
            continue                  # 0 log(0 / q) = 0, whatever q is
        if qi == 0.0:
            return math.inf           # P puts mass where Q puts none
        terms.append(pi * math.log(pi / qi))
    return math.fsum(terms)


def kl_divergence(p, q):
    return _kl(p, q)
'''

# The same hand-in, each function subtly wrong.
WRONG = CORRECT + '''

def nll_loss(log_probs, target, weight=None, ignore_index=-100, reduction="mean"):
    losses, counted = _nll_terms(log_probs, target, weight, ignore_index)
    return _reduce(losses, len(counted), reduction)         # N, not the total weight


def bernoulli_mle(data):
    zeros = 0
    for x in data:
        zeros += int(x) == 0
    return zeros / len(data)                                # the share of zeros


def gaussian_mle(data):
    x = np.asarray(data, dtype=float)
    return float(np.mean(x)), float(np.var(x, ddof=1))     # n - 1


def posterior(prior, likelihood):
    return np.asarray(prior, dtype=float) * np.asarray(likelihood, dtype=float)


def kl_divergence(p, q):
    return _kl(q, p)                                        # KL(q || p)
'''

# exercise id → the note the grader should give the wrong version (None: none listed)
WRONG_NOTES = {
    "nll/nll-loss": "weighted-divided-by-n",
    "mle/bernoulli": "inverted-ratio",
    "mle/gaussian": "ddof-one",
    "bayes/posterior-vector": "unnormalized-posterior",
    "information/kl-divergence": "kl-direction",
}


@pytest.fixture(scope="module")
def contract(tmp_path_factory: pytest.TempPathFactory) -> Assignment:
    folder = tmp_path_factory.mktemp("contract")
    path = folder / "assignment.yaml"
    path.write_text("name: contract\nsalt: acceptance\nexercises:\n"
                    + "".join(f"  - {exercise_id}\n" for exercise_id in CONTRACT),
                    encoding="utf-8")
    return load_assignment(path, bank=BANK)


STUDENTS = ("ada", "grace", "emmy")


def hand_in(assignment: Assignment, student: str, folder: Path, source: str) -> Result:
    """The reference answers of the other parts, `source` as solution.py, really graded."""
    write_submission(assignment, student, folder, "perfect")
    (folder / "solution.py").write_text(source, encoding="utf-8")
    return grade(folder, assignment, student)


@pytest.mark.parametrize("student", STUDENTS)
def test_an_independent_solution_earns_full_marks(contract: Assignment, student: str,
                                                  tmp_path: Path) -> None:
    result = hand_in(contract, student, tmp_path, CORRECT)
    assert [e.id for e in result.exercises] == list(CONTRACT)
    for exercise in result.exercises:
        for part in exercise.parts:
            assert (part.status, part.score) == ("correct", part.max_score), \
                f"{exercise.id}:{part.id} {part.feedback}"
    assert result.score == result.max_score


@pytest.mark.parametrize("student", STUDENTS)
def test_subtly_wrong_solutions_do_not_earn_full_marks(contract: Assignment, student: str,
                                                       tmp_path: Path) -> None:
    result = hand_in(contract, student, tmp_path, WRONG)
    for exercise in result.exercises:
        code = contract_part(exercise.id)
        for part in exercise.parts:
            if part.id != code.id:              # the other parts are still right
                assert part.status == "correct", f"{exercise.id}:{part.id} {part.feedback}"
                continue
            note = WRONG_NOTES[exercise.id]
            floor = next((m.credit for m in code.mistakes if m.note == note), 0.0)
            # credit by check, never below the listed mistake's own credit
            assert part.note == note, f"{exercise.id}:{part.id} {part.note} {part.feedback}"
            assert part.status == ("partial" if part.score > 0 else "incorrect")
            assert floor * part.max_score <= part.score + 1e-9
            assert part.score < part.max_score


NUMPY_SCALAR_KL = CORRECT + '''

def kl_divergence(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    support = p > 0
    if np.any(q[support] == 0):
        return np.inf
    return np.sum(p[support] * np.log(p[support] / q[support]))    # a numpy.float64
'''


def test_a_correct_function_returning_a_numpy_float_earns_full_marks(
        contract: Assignment, tmp_path: Path) -> None:
    result = hand_in(contract, "ada", tmp_path, NUMPY_SCALAR_KL)
    kl = next(e for e in result.exercises if e.id == "information/kl-divergence")
    code = kl.parts[[p.id for p in kl.parts].index(contract_part(kl.id).id)]
    assert code.status == "correct", code.feedback

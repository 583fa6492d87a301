"""The whole bank, exercise by exercise.

Every exercise is found from `Bank(ROOT).ids`, so a new one is proved here without
editing a list: `grader validate` passes on it, its wrong implementations are told apart,
it is complete (mistakes, a worked solution, enough randomness) and its reference code has
the signature its spec promises. The topic files (tests/test_bank_<topic>.py) check the
answers themselves by a second method.
"""

from __future__ import annotations

import ast
import copy
import inspect
import math
from typing import Any

import numpy as np
import pytest

from grader.checkers.function import _first_mismatch
from grader.errors import GraderError
from grader.validate import validate_one
from tests.bank_support import BANK, cases, variants

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


# Function parts that may have no wrong implementation listed: mle/bernoulli's mistake
# (the share of zeros) is listed for its numeric part only.
WITHOUT_WRONG_CODE = {"mle/bernoulli:code"}


def test_function_parts_list_wrong_implementations() -> None:
    bare = {p.id for p in function_parts()} - {p.id for p in function_parts(with_mistakes=True)}
    assert bare <= WITHOUT_WRONG_CODE


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

"""Function parts: the student's code, run in the sandbox, against the trusted reference.

The reference runs here in the parent on the same inputs (fixed edge cases, then seeded
random ones); the child sends back plain values only and every comparison happens here,
with exact types, so an object that overrides `__eq__` earns nothing.
"""

from __future__ import annotations

import copy
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..bank import Bank, reference_checks
from ..errors import BankError
from ..result import Status
from ..sandbox import CallResult, Isolation, Limits, Sandbox
from ..spec import Mistake, Part, Tolerance
from ..variants import Variant
from .common import Outcome, correct

DEFAULT_TIMEOUT = 2.0


@dataclass(frozen=True)
class Mismatch:
    reason: str


def compare_values(expected: Any, got: Any, tol: Tolerance) -> Mismatch | None:
    """None when `got` matches `expected`; else why not, without showing `expected`.
    Types are checked exactly; a value too big or too deep to compare is a mismatch,
    never an exception."""
    try:
        return _compare(expected, got, tol)
    except (OverflowError, ValueError, TypeError):
        return Mismatch("a value that cannot be read as a number of sensible size")
    except (RecursionError, MemoryError):
        return Mismatch("a value too deeply nested or too large to compare")


def _compare(expected: Any, got: Any, tol: Tolerance) -> Mismatch | None:
    import numpy as np

    if isinstance(expected, tuple):
        if type(got) not in (tuple, list) or len(got) != len(expected):
            return Mismatch(f"expected a tuple of {len(expected)} values, got {_kind(got)}")
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            inner = _compare(e, g, tol)
            if inner is not None:
                return Mismatch(f"item {i}: {inner.reason}")
        return None
    if isinstance(expected, list):
        expected = np.asarray(expected, dtype=float)
    if isinstance(expected, np.ndarray) and expected.ndim > 0:
        if type(got) in (list, tuple):       # a sequence of numbers is as good as an array
            try:
                got = np.asarray(got, dtype=float)
            except (TypeError, ValueError):
                return Mismatch(f"expected an array of numbers, got a {type(got).__name__} "
                                "that is not one")
        if type(got) is not np.ndarray:
            return Mismatch(f"expected an array of shape {expected.shape}, got {_kind(got)}")
        if got.shape != expected.shape:
            return Mismatch(f"expected shape {expected.shape}, got shape {got.shape}")
        if got.dtype.kind not in "biuf":
            return Mismatch(f"expected numbers, got an array of dtype {got.dtype}")
        e, g = expected.astype(float), got.astype(float)
        ok = np.isclose(g, e, rtol=tol.rel, atol=tol.abs, equal_nan=True)
        if not ok.all():
            where = tuple(int(i) for i in np.argwhere(~ok)[0])
            return Mismatch(f"the value at index {where}, {g[where]:.6g}, is not right")
        return None
    # A scalar: a Python or NumPy number, or a 0-d array. NumPy scalars here were built
    # by the sandbox's decoder from tagged JSON, so they are NumPy's own types, never a
    # student's subclass.
    e_val = float(expected)
    if (type(got) is np.ndarray and got.ndim == 0 and got.dtype.kind in "biuf") or (
            isinstance(got, np.generic) and type(got).__module__ == "numpy"
            and got.dtype.kind in "biuf"):
        got = got.item()
    if type(got) not in (int, float, bool) or (type(got) is bool and type(expected) is not bool):
        return Mismatch(f"expected a number, got {_kind(got)}")
    if type(got) is int and got.bit_length() > 1024:
        return Mismatch("a number too large for a float")
    g_val = float(got)
    if math.isnan(e_val) and math.isnan(g_val):
        return None
    if math.isnan(e_val) or math.isnan(g_val) or math.isinf(e_val) or math.isinf(g_val):
        return None if e_val == g_val else Mismatch("not the right value")
    if abs(g_val - e_val) <= tol.abs + tol.rel * abs(e_val):
        return None
    return Mismatch("not the right value")


def _kind(value: Any) -> str:
    import numpy as np

    if type(value) is np.ndarray:
        return f"an array of shape {value.shape}"
    if type(value) in (list, tuple):
        return f"a {type(value).__name__} of {len(value)} items"
    if value is None:
        return "None (did you forget to return?)"
    return f"a {type(value).__name__}"


def show(value: Any, limit: int = 160) -> str:
    """A short, readable rendering of an input or output for feedback (a returned value
    may be anything a student's code makes: huge, or nested past repr's recursion)."""
    import numpy as np

    if isinstance(value, str) and len(value) > limit:
        return repr(value[:limit])[: limit - 3] + "..."
    try:
        if isinstance(value, np.ndarray):
            text = np.array2string(value, precision=4, separator=", ", threshold=12)
            text = f"array({text})" if value.ndim else text
        elif isinstance(value, float):
            text = f"{value:.6g}"
        elif type(value) is int and value.bit_length() > 256:
            text = f"an integer of {value.bit_length()} bits"
        else:
            text = repr(value)
    except (RecursionError, ValueError, MemoryError):
        return f"a {type(value).__name__} too deeply nested to show"
    text = " ".join(text[: limit * 4].split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _call_text(function: str, case: dict[str, Any]) -> str:
    return f"{function}(" + ", ".join(f"{k}={show(v, 80)}" for k, v in case.items()) + ")"


def _failure(result: CallResult) -> Outcome:
    if result.status == "timeout":
        return Outcome("timeout", 0.0, result.message)
    message = result.message
    if message.startswith("NotImplementedError"):
        return Outcome("missing", 0.0, "Not implemented yet.")
    if message.startswith("AttributeError") and "defines no function" in message:
        return Outcome("missing", 0.0, "solution.py does not define this function.")
    return Outcome("error", 0.0, message)


DEFAULT_CHECK = "all inputs"


@dataclass(frozen=True)
class Check:
    """A named group of a part's cases, worth `share` of its points."""

    name: str
    share: float
    cases: tuple[int, ...]


def plan_checks(part: Part, tagged: list[tuple[str | None, dict[str, Any]]]) -> list[Check]:
    """Group the cases into the part's checks: the spec's `checks` (name → weight) in
    order, or else the names the cases carry, equally weighted. A case without a name
    belongs to the spec's first check, or to one called "all inputs". A BankError if a
    case names an unlisted check or a listed check has no case (validate reports either)."""
    names = [n for n, _ in part.checks]
    untagged = names[0] if names else DEFAULT_CHECK
    if not names:
        names = list(dict.fromkeys(untagged if n is None else n for n, _ in tagged))
    weights = dict(part.checks) or {n: 1.0 for n in names}
    members: dict[str, list[int]] = {n: [] for n in names}
    for i, (name, _) in enumerate(tagged):
        name = untagged if name is None else name
        if name not in members:
            raise BankError(f"part '{part.id}': a case belongs to check '{name}', which the "
                            f"spec's checks do not list ({', '.join(names)})")
        members[name].append(i)
    empty = [n for n in names if not members[n]]
    if empty:
        raise BankError(f"part '{part.id}': check '{empty[0]}' has no case")
    total = sum(weights.values())
    return [Check(n, weights[n] / total, tuple(members[n])) for n in names]


def check_function(sandbox: Sandbox | None, bank: Bank, variant: Variant, part: Part) -> Outcome:
    """Grade one function part; `sandbox` is None when solution.py does not exist."""
    assert part.function is not None and part.tolerance is not None
    if sandbox is None:
        return Outcome("missing", 0.0, "No solution.py was handed in.")
    if sandbox.import_error is not None:
        failure = _failure(sandbox.import_error)
        return Outcome(failure.status, 0.0,
                       "solution.py could not be imported: " + failure.feedback)
    tagged = reference_checks(bank, variant, part.function)
    checks = plan_checks(part, tagged)
    cases = [case for _, case in tagged]
    results = _run(sandbox, part, checks, cases)
    for result in results.values():
        failure = _failure(result)
        if result.status != "ok" and failure.status == "missing":
            return failure
    return grade_results(variant, part, checks, cases, results, bank.solution(variant.spec.id))


def _run(sandbox: Sandbox, part: Part, checks: list[Check],
         cases: list[dict[str, Any]]) -> dict[int, CallResult]:
    """Every case's result, in as few round trips as the code allows: call_many stops at
    the first case that fails, whose check is then lost, and the cases of the other
    checks run on. After a timeout nothing more runs (an endless loop would cost every
    check its timeout)."""
    assert part.function is not None
    check_of = {i: c.name for c in checks for i in c.cases}
    timeout = part.timeout or DEFAULT_TIMEOUT
    results: dict[int, CallResult] = {}
    failed: set[str] = set()
    while True:
        todo = [i for i in range(len(cases)) if i not in results and check_of[i] not in failed]
        if not todo:
            return results
        got = sandbox.call_many(part.function, [cases[i] for i in todo], timeout=timeout)
        for i, result in zip(todo, got, strict=False):
            results[i] = result
        if len(got) < len(todo) or (got and got[-1].status != "ok"):
            last = todo[len(got) - 1] if got else todo[0]
            failed.add(check_of[last])
            if not got or got[-1].status == "timeout" or _failure(got[-1]).status == "missing":
                return results


def grade_results(variant: Variant, part: Part, checks: list[Check], cases: list[dict[str, Any]],
                  results: dict[int, CallResult], module: Any) -> Outcome:
    """The outcome of a function part from each case's result: credit by check, the
    failing checks named with an input and what the code returned (never the expected
    value), and a listed mistake's feedback when the code behaves like it."""
    assert part.function is not None
    failures = failing_checks(part, checks, cases, results, getattr(module, part.function))
    if not failures:
        return correct(f"Correct on all {len(cases)} test inputs"
                       + (f" ({', '.join(c.name for c in checks)})." if len(checks) > 1 else "."))
    credit = sum(c.share for c in checks) - sum(c.share for c, _, _ in failures)
    credit = max(0.0, min(1.0, credit))
    feedback = " ".join(
        (f"Check '{c.name}' failed: {text}." if len(checks) > 1 else f"{text}.")
        for c, text, _ in failures)
    if len(checks) > 1:
        passed = [c.name for c in checks if c not in {f[0] for f in failures}]
        feedback += f" Passed: {', '.join(passed)}." if passed else " No check passed."
    statuses = {s for _, _, s in failures}
    status: Status = "partial" if credit > 0 else (
        "timeout" if "timeout" in statuses else
        "error" if statuses <= {"error", "timeout"} else "incorrect")
    mistake = _matching_mistake(module, part, cases, results)
    if mistake is not None:
        from .. import views

        text = views.text(variant, mistake.feedback, f"parts.{part.id}.mistakes").strip()
        # A listed mistake's credit is a floor: the author's judgement of the mistake,
        # which the checks it happens to pass may raise but never lower.
        credit = max(credit, mistake.credit)
        status = "partial" if credit > 0 else status
        return Outcome(status, credit, f"{text} ({feedback})", mistake.note)
    return Outcome(status, credit, feedback)


def failing_checks(part: Part, checks: list[Check], cases: list[dict[str, Any]],
                   results: dict[int, CallResult],
                   reference: Any) -> list[tuple[Check, str, Status]]:
    """Each failing check with what shows it (the first failing input) and its status."""
    assert part.function is not None and part.tolerance is not None
    failures: list[tuple[Check, str, Status]] = []
    for check in checks:
        for i in check.cases:
            # the call's text only for the input that shows a failure: formatting arrays
            # for every passing case cost a fifth of a whole submission's grading
            result = results.get(i)
            if result is None:
                failures.append((check, f"{_call_text(part.function, cases[i])}: not run "
                                 "(an earlier call timed out)", "timeout"))
                break
            if result.status != "ok":
                failure = _failure(result)
                failures.append((check, f"{_call_text(part.function, cases[i])}: "
                                 f"{failure.feedback}", failure.status))
                break
            expected = reference(**{k: _fresh(v) for k, v in cases[i].items()})
            mismatch = compare_values(expected, result.value, part.tolerance)
            if mismatch is not None:
                failures.append((check, f"{_call_text(part.function, cases[i])} returned "
                                 f"{show(result.value)}: {mismatch.reason}", "incorrect"))
                break
    return failures


def _matching_mistake(module: Any, part: Part, cases: list[dict[str, Any]],
                      results: dict[int, CallResult]) -> Mistake | None:
    """The first listed wrong implementation that behaves like the student's code on
    every input (which must all have run without error)."""
    if len(results) < len(cases) or any(r.status != "ok" for r in results.values()):
        return None
    outputs = [results[i].value for i in range(len(cases))]
    for mistake in part.mistakes:
        if mistake.function is None:
            continue
        if _first_mismatch(getattr(module, mistake.function), cases, outputs,
                           part.tolerance or Tolerance(0, 0)) is None:
            return mistake
    return None


def _first_mismatch(function: Any, cases: list[dict[str, Any]], outputs: list[Any],
                    tol: Tolerance) -> str | None:
    """Feedback for the first input where `outputs` differ from `function`'s, else None."""
    for case, got in zip(cases, outputs, strict=True):
        expected = function(**{name: _fresh(value) for name, value in case.items()})
        mismatch = compare_values(expected, got, tol)
        if mismatch is not None:
            return (f"{_call_text(function.__name__, case)} returned {show(got)}: "
                    f"{mismatch.reason}")
    return None


def _fresh(value: Any) -> Any:
    """A copy of a case's value for the reference to use (it may change its inputs):
    what copy.deepcopy gives for the plain values cases hold, at half its cost."""
    kind = type(value)
    if kind in _IMMUTABLE:
        return value
    if kind is list:
        return [_fresh(v) for v in value]
    if kind is dict:
        return {k: _fresh(v) for k, v in value.items()}
    if kind is tuple:
        return tuple(_fresh(v) for v in value)
    if hasattr(value, "copy") and type(value).__module__ == "numpy":
        return value.copy()
    return copy.deepcopy(value)


_IMMUTABLE = frozenset({int, float, bool, str, bytes, type(None), complex})


def open_sandbox(solution: Path, limits: Limits | None = None,
                 isolation: Isolation = "required") -> Sandbox | None:
    """A sandbox for the hand-in's solution.py, or None if there is none. A link, a FIFO
    or an oversized file is not read: the sandbox reports it as its import error."""
    if not os.path.lexists(solution):
        return None
    return Sandbox(solution, limits or Limits(), isolation=isolation)

"""Function parts: the student's code, run in the sandbox, against the trusted reference.

The reference runs here in the parent on the same inputs (fixed edge cases, then seeded
random ones); the child sends back plain values only and every comparison happens here,
with exact types, so an object that overrides `__eq__` earns nothing.
"""

from __future__ import annotations

import copy
import math
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..bank import Bank, reference_cases
from ..result import Status
from ..sandbox import CallResult, Isolation, Limits, Sandbox
from ..spec import Part, Tolerance
from ..variants import Variant
from .common import Outcome, correct

DEFAULT_TIMEOUT = 2.0


@dataclass(frozen=True)
class Mismatch:
    reason: str


def compare_values(expected: Any, got: Any, tol: Tolerance) -> Mismatch | None:
    """None when `got` matches `expected`; else why not. Types are checked exactly."""
    import numpy as np

    if isinstance(expected, tuple):
        if type(got) not in (tuple, list) or len(got) != len(expected):
            return Mismatch(f"expected a tuple of {len(expected)} values, got {_kind(got)}")
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            inner = compare_values(e, g, tol)
            if inner is not None:
                return Mismatch(f"item {i}: {inner.reason}")
        return None
    if isinstance(expected, np.ndarray) and expected.ndim > 0:
        if type(got) is list:
            try:
                got = np.asarray(got, dtype=float)
            except (TypeError, ValueError):
                return Mismatch("expected an array of numbers, got a list that is not one")
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
            return Mismatch(f"at index {where}: expected {e[where]:.6g}, got {g[where]:.6g}")
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
    g_val = float(got)
    if math.isnan(e_val) and math.isnan(g_val):
        return None
    if math.isnan(e_val) or math.isnan(g_val) or math.isinf(e_val) or math.isinf(g_val):
        return None if e_val == g_val else Mismatch("wrong value")
    if abs(g_val - e_val) <= tol.abs + tol.rel * abs(e_val):
        return None
    return Mismatch("wrong value")


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
    """A short, readable rendering of an input or output for feedback."""
    import numpy as np

    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=4, separator=", ", threshold=12)
        text = f"array({text})" if value.ndim else text
    elif isinstance(value, float):
        text = f"{value:.6g}"
    else:
        text = repr(value)
    text = " ".join(text.split())
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


def check_function(sandbox: Sandbox | None, bank: Bank, variant: Variant, part: Part) -> Outcome:
    """Grade one function part; `sandbox` is None when solution.py does not exist."""
    assert part.function is not None and part.tolerance is not None
    if sandbox is None:
        return Outcome("missing", 0.0, "No solution.py was handed in.")
    if sandbox.import_error is not None:
        failure = _failure(sandbox.import_error)
        return Outcome(failure.status, 0.0,
                       "solution.py could not be imported: " + failure.feedback)
    module = bank.solution(variant.spec.id)
    cases = reference_cases(bank, variant, part.function)
    timeout = part.timeout or DEFAULT_TIMEOUT
    outputs: list[Any] = []
    # one round trip for all cases; the results stop at the first that is not "ok"
    results = sandbox.call_many(part.function, cases, timeout=timeout)
    for case, result in zip(cases, results, strict=False):  # results may stop early
        if result.status != "ok":
            failure = _failure(result)
            if failure.status == "missing":
                return failure
            return replace(failure,
                           feedback=f"{_call_text(part.function, case)}: {failure.feedback}")
        outputs.append(result.value)
    mismatch = _first_mismatch(getattr(module, part.function), cases, outputs, part.tolerance)
    if mismatch is None:
        return correct(f"Correct on all {len(cases)} test inputs.")
    # Which known mistake behaves like this? It must match the student on every input.
    for mistake in part.mistakes:
        if mistake.function is None:
            continue
        if _first_mismatch(getattr(module, mistake.function), cases, outputs,
                           part.tolerance) is None:
            from .. import views

            feedback = views.text(variant, mistake.feedback, f"parts.{part.id}.mistakes")
            status: Status = "partial" if mistake.credit > 0 else "incorrect"
            return Outcome(status, mistake.credit, f"{feedback.strip()} ({mismatch})",
                           mistake.note)
    return Outcome("incorrect", 0.0, mismatch)


def _first_mismatch(function: Any, cases: list[dict[str, Any]], outputs: list[Any],
                    tol: Tolerance) -> str | None:
    """Feedback for the first input where `outputs` differ from `function`'s, else None."""
    for case, got in zip(cases, outputs, strict=True):
        expected = function(**{name: _fresh(value) for name, value in case.items()})
        mismatch = compare_values(expected, got, tol)
        if mismatch is not None:
            return (f"{_call_text(function.__name__, case)}: {mismatch.reason}; "
                    f"expected {show(expected)}, returned {show(got)}")
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

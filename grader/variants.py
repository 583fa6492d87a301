"""Variants: the seed of (salt, student, exercise), parameter draws, derived values, constraints.

Draws do not use NumPy's generators: each draw is a SHA-256 of (seed, attempt, parameter
name), so the same inputs give the same variant on every platform and with every NumPy and
Python version, and adding a parameter to a spec does not change the others' values.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from . import expr
from .errors import ExpressionError, SpecError
from .spec import Param, Spec

MAX_ATTEMPTS = 1000


def variant_seed(salt: str, student: str, exercise_id: str) -> int:
    """DESIGN's seed: the first 8 bytes, big-endian, of sha256(salt \\0 student \\0 id)."""
    digest = hashlib.sha256(f"{salt}\0{student}\0{exercise_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def unit(seed: int, attempt: int, name: str, index: int = 0) -> float:
    """A uniform number in [0, 1) with 53 random bits, fixed by its inputs."""
    key = f"{seed}\0{attempt}\0{name}\0{index}".encode()
    bits = int.from_bytes(hashlib.sha256(key).digest()[:8], "big") >> 11
    return bits / float(1 << 53)


def _below(u: float, n: int) -> int:
    """An integer in [0, n) from a uniform u; min() guards the u → 1 rounding edge."""
    return min(int(u * n), n - 1)


def draw(param: Param, seed: int, attempt: int) -> object:
    u = unit(seed, attempt, param.name)
    if param.kind == "uniform":
        value = param.low + u * (param.high - param.low)
        return round(value, param.digits) if param.digits is not None else value
    if param.kind == "int":
        low, high = int(param.low), int(param.high)
        return low + _below(u, high - low + 1)
    if param.kind == "choice":
        return param.choices[_below(u, len(param.choices))]
    num = param.num[0] + _below(u, param.num[1] - param.num[0] + 1)
    u2 = unit(seed, attempt, param.name, 1)
    den = param.den[0] + _below(u2, param.den[1] - param.den[0] + 1)
    return Fraction(num, den)


@dataclass(frozen=True)
class Variant:
    """One student's instance of an exercise: the spec, the seed and every value."""

    spec: Spec
    seed: int
    values: dict[str, Any]       # params then derived values, in spec order
    attempts: int = 1            # how many draws the constraints needed

    @property
    def params(self) -> dict[str, Any]:
        """Only the drawn parameters (what cases_F receives and the answer key lists)."""
        return {p.name: self.values[p.name] for p in self.spec.params}

    @property
    def id(self) -> str:
        return self.spec.id


def make_variant(spec: Spec, seed: int) -> Variant:
    """Draw until every constraint holds; a clear SpecError after MAX_ATTEMPTS tries."""
    constraints = [expr.parse(c, spec.names, allow_compare=True) for c in spec.constraints]
    derived = [(name, expr.parse(text, spec.names)) for name, text in spec.derived]
    failed = ""
    for attempt in range(MAX_ATTEMPTS):
        values: dict[str, Any] = {p.name: draw(p, seed, attempt) for p in spec.params}
        try:
            for name, e in derived:
                values[name] = e.evaluate(values)
        except ExpressionError as exc:
            failed = f"derived value '{name}' could not be computed ({exc.message})"
            continue
        failed = next((c.text for c in constraints if not _holds(c, values)), "")
        if not failed:
            return Variant(spec, seed, values, attempt + 1)
    raise SpecError(f"never met in {MAX_ATTEMPTS} draws (seed {seed}): {failed}",
                    file=spec.path, key="constraints")


def _holds(constraint: expr.Expr, values: dict[str, Any]) -> bool:
    try:
        return constraint.evaluate(values) is True
    except ExpressionError:
        return False


def as_float(value: object) -> float:
    """A parameter or answer value as float (NaN for anything that is not a number)."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float, Fraction)):
        return float(value)
    return math.nan

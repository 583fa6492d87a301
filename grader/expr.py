"""The one safe reader of arithmetic expressions: student answers, spec `derived` and
`answer` expressions and spec `constraints` all go through `parse()`. The text is
rewritten (`^`, `·`, `%` ...), handed to `ast.parse` only to get a tree, checked against
a strict whitelist with bounds on length, nesting and number size, and converted into a
small immutable tree of our own that `Expr.evaluate` computes (exactly where it can) and
`Expr.to_sympy` turns into sympy. Raw text never reaches eval, sympify or lambdify, and
every failure is an `ExpressionError` pointing into the original text.
"""

from __future__ import annotations

import ast
import itertools
import keyword
import math
import numbers
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias

from grader.errors import ExpressionError

if TYPE_CHECKING:
    import sympy

__all__ = ["CONSTANTS", "FUNCTIONS", "Expr", "Node", "Number", "evaluate_many", "parse",
           "time_limit"]

Number: TypeAlias = int | Fraction | float
Value: TypeAlias = Number | bool

FUNCTIONS: frozenset[str] = frozenset(
    {"exp", "log", "ln", "log2", "log10", "sqrt", "abs", "binomial", "comb", "factorial",
     "min", "max"}
)
CONSTANTS: frozenset[str] = frozenset({"pi", "e", "inf", "oo"})

MAX_DEPTH = 60
MAX_INT_DIGITS = 40
MAX_POWER_DIGITS = 1000  # an exact power may have about this many digits
MAX_EXPONENT = 10_000  # largest |k| for an exact integer power
MAX_FACTORIAL = 10_000
# Exact results beyond this many bits (factorial(10000) has 118458) are refused: they are
# far outside any float, and multiplying a few of them would cost real time.
MAX_EXACT_BITS = 1 << 17

_ARITY: dict[str, tuple[int, int]] = {
    "exp": (1, 1), "log": (1, 2), "ln": (1, 1), "log2": (1, 1), "log10": (1, 1),
    "sqrt": (1, 1), "abs": (1, 1), "binomial": (2, 2), "comb": (2, 2),
    "factorial": (1, 1), "min": (2, 255), "max": (2, 255),
}
_CONSTANT_VALUES: dict[str, float] = {"pi": math.pi, "e": math.e, "inf": math.inf,
                                      "oo": math.inf}
_LOG10_2 = math.log10(2)


# --------------------------------------------------------------------------- nodes

class _Fail(Exception):
    """A failure inside a tree; `Expr` adds its text before the user sees it."""

    def __init__(self, message: str, pos: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


class Node:
    """Base of the expression tree; every node knows its position in the original text."""

    __slots__ = ()
    pos: int

    def ev(self, env: Mapping[str, object]) -> Value:
        raise NotImplementedError

    def parts(self) -> tuple[Node, ...]:
        """The operands (none for a leaf)."""
        return ()

    def sym(self, sp: Any, symbols: Mapping[str, Any]) -> Any:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Num(Node):
    value: int | float
    pos: int

    def ev(self, env: Mapping[str, object]) -> Value:
        return self.value

    def sym(self, sp: Any, symbols: Mapping[str, Any]) -> Any:
        if type(self.value) is int:
            return sp.Integer(self.value)
        # Through the decimal text, so that 0.5 is exactly 1/2 and 0.1 is 1/10.
        return sp.Rational(str(self.value))


@dataclass(frozen=True, slots=True)
class Const(Node):
    name: str
    pos: int

    def ev(self, env: Mapping[str, object]) -> Value:
        return _CONSTANT_VALUES[self.name]

    def sym(self, sp: Any, symbols: Mapping[str, Any]) -> Any:
        return {"pi": sp.pi, "e": sp.E}.get(self.name, sp.oo)


@dataclass(frozen=True, slots=True)
class Var(Node):
    name: str
    pos: int

    def ev(self, env: Mapping[str, object]) -> Value:
        try:
            v = env[self.name]
        except KeyError:
            raise _Fail(f"no value given for '{self.name}'", self.pos) from None
        t = type(v)
        if t is float:
            if v != v:
                raise _Fail(f"'{self.name}' is not a number (nan)", self.pos)
            return v  # type: ignore[return-value]
        if t is int:
            if v.bit_length() > MAX_EXACT_BITS:  # type: ignore[attr-defined]
                raise _Fail("number too large", self.pos)
            return v  # type: ignore[return-value]
        return _coerce(v, self.name, self.pos)

    def sym(self, sp: Any, symbols: Mapping[str, Any]) -> Any:
        try:
            return symbols[self.name]
        except KeyError:
            raise _Fail(f"no symbol given for '{self.name}'", self.pos) from None


@dataclass(frozen=True, slots=True)
class Neg(Node):
    operand: Node
    pos: int

    def parts(self) -> tuple[Node, ...]:
        return (self.operand,)

    def ev(self, env: Mapping[str, object]) -> Value:
        return -self.operand.ev(env)

    def sym(self, sp: Any, symbols: Mapping[str, Any]) -> Any:
        return -self.operand.sym(sp, symbols)


@dataclass(frozen=True, slots=True)
class Sum(Node):
    """first ± term ± term ...; chains are flat so that long sums are not deep trees."""

    first: Node
    rest: tuple[tuple[bool, Node], ...]  # (subtract?, term)
    pos: int

    def parts(self) -> tuple[Node, ...]:
        return (self.first, *(n for _, n in self.rest))

    def ev(self, env: Mapping[str, object]) -> Value:
        acc = self.first.ev(env)
        for minus, node in self.rest:
            v = node.ev(env)
            acc = _arith(acc - v if minus else acc + v, acc, v, node.pos)
        return acc

    def sym(self, sp: Any, symbols: Mapping[str, Any]) -> Any:
        terms = [self.first.sym(sp, symbols)]
        for minus, node in self.rest:
            t = node.sym(sp, symbols)
            terms.append(-t if minus else t)
        return sp.Add(*terms)


@dataclass(frozen=True, slots=True)
class Product(Node):
    """first */ factor */ factor ...; flat like Sum."""

    first: Node
    rest: tuple[tuple[bool, Node], ...]  # (divide?, factor)
    pos: int

    def parts(self) -> tuple[Node, ...]:
        return (self.first, *(n for _, n in self.rest))

    def ev(self, env: Mapping[str, object]) -> Value:
        acc = self.first.ev(env)
        for divide, node in self.rest:
            v = node.ev(env)
            acc = _divide(acc, v, node.pos) if divide else _arith(acc * v, acc, v, node.pos)
        return acc

    def sym(self, sp: Any, symbols: Mapping[str, Any]) -> Any:
        factors = [self.first.sym(sp, symbols)]
        for divide, node in self.rest:
            f = node.sym(sp, symbols)
            factors.append(sp.Pow(f, -1) if divide else f)
        return sp.Mul(*factors)


@dataclass(frozen=True, slots=True)
class Power(Node):
    base: Node
    exponent: Node
    pos: int

    def parts(self) -> tuple[Node, ...]:
        return (self.base, self.exponent)

    def ev(self, env: Mapping[str, object]) -> Value:
        return _power(self.base.ev(env), self.exponent.ev(env), self.pos)

    def sym(self, sp: Any, symbols: Mapping[str, Any]) -> Any:
        base = self.base.sym(sp, symbols)
        exponent = self.exponent.sym(sp, symbols)
        # sympy computes numeric powers eagerly; the same bounds as evaluate() keep
        # 9**9**9**9 from filling the memory.
        if getattr(exponent, "is_Rational", False):
            if abs(exponent) > MAX_POWER_DIGITS:
                raise _Fail("exponent too large", self.pos)
            if getattr(base, "is_Rational", False):
                bits = max(int(base.p).bit_length(), int(base.q).bit_length()) - 1
                if float(abs(exponent)) * bits * _LOG10_2 > MAX_POWER_DIGITS:
                    raise _Fail("number too large", self.pos)
        return sp.Pow(base, exponent)


@dataclass(frozen=True, slots=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]
    pos: int

    def parts(self) -> tuple[Node, ...]:
        return self.args

    def ev(self, env: Mapping[str, object]) -> Value:
        args = [a.ev(env) for a in self.args]
        try:
            return _EVAL_FUNCTIONS[self.func](args, self.pos)
        except OverflowError:
            raise _Fail("number too large", self.pos) from None
        except (ValueError, ZeroDivisionError) as e:
            raise _Fail(f"{self.func} is not defined here ({e})", self.pos) from None

    def sym(self, sp: Any, symbols: Mapping[str, Any]) -> Any:
        args = [a.sym(sp, symbols) for a in self.args]
        f = self.func
        if f in ("factorial", "binomial", "comb"):
            for a in args:  # sympy evaluates numeric factorials eagerly: bound them
                if getattr(a, "is_Number", False) and not (
                    a.is_Integer and 0 <= a <= MAX_FACTORIAL
                ):
                    raise _Fail(f"{f} needs whole numbers from 0 to {MAX_FACTORIAL}",
                                self.pos)
        if f == "exp":
            return sp.exp(args[0])
        if f in ("log", "ln"):
            return sp.log(*args)
        if f == "log2":
            return sp.log(args[0], 2)
        if f == "log10":
            return sp.log(args[0], 10)
        if f == "sqrt":
            return sp.sqrt(args[0])
        if f == "abs":
            return sp.Abs(args[0])
        if f in ("binomial", "comb"):
            return sp.binomial(args[0], args[1])
        if f == "factorial":
            return sp.factorial(args[0])
        return sp.Min(*args) if f == "min" else sp.Max(*args)


_COMPARE_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}
_SYMPY_RELATIONS = {"<": "Lt", "<=": "Le", ">": "Gt", ">=": "Ge", "==": "Eq", "!=": "Ne"}


@dataclass(frozen=True, slots=True)
class Compare(Node):
    first: Node
    rest: tuple[tuple[str, Node], ...]  # (operator, right operand), chained like Python
    pos: int

    def parts(self) -> tuple[Node, ...]:
        return (self.first, *(n for _, n in self.rest))

    def ev(self, env: Mapping[str, object]) -> Value:
        left = self.first.ev(env)
        for op, node in self.rest:
            right = node.ev(env)
            if not _COMPARE_OPS[op](left, right):
                return False
            left = right
        return True

    def sym(self, sp: Any, symbols: Mapping[str, Any]) -> Any:
        left = self.first.sym(sp, symbols)
        relations = []
        for op, node in self.rest:
            right = node.sym(sp, symbols)
            relations.append(getattr(sp, _SYMPY_RELATIONS[op])(left, right))
            left = right
        return relations[0] if len(relations) == 1 else sp.And(*relations)


@dataclass(frozen=True, slots=True)
class Logic(Node):
    op: str  # "and" | "or"
    values: tuple[Node, ...]
    pos: int

    def parts(self) -> tuple[Node, ...]:
        return self.values

    def ev(self, env: Mapping[str, object]) -> Value:
        want = self.op == "or"  # the value that decides the whole chain
        for node in self.values:
            if bool(node.ev(env)) is want:
                return want
        return not want

    def sym(self, sp: Any, symbols: Mapping[str, Any]) -> Any:
        parts = [v.sym(sp, symbols) for v in self.values]
        return sp.Or(*parts) if self.op == "or" else sp.And(*parts)


@dataclass(frozen=True, slots=True)
class Not(Node):
    operand: Node
    pos: int

    def parts(self) -> tuple[Node, ...]:
        return (self.operand,)

    def ev(self, env: Mapping[str, object]) -> Value:
        return not self.operand.ev(env)

    def sym(self, sp: Any, symbols: Mapping[str, Any]) -> Any:
        return sp.Not(self.operand.sym(sp, symbols))


# --------------------------------------------------------------------------- arithmetic

def _coerce(v: object, name: str, pos: int) -> Value:
    """An environment value that is not a plain int/float: numpy scalars, Fraction, bool."""
    if isinstance(v, bool):
        return bool(v)
    if isinstance(v, Fraction):
        return _exact(Fraction(v), pos)
    if isinstance(v, numbers.Integral):  # int subclasses, numpy integers
        return _exact(int(v), pos)
    if isinstance(v, numbers.Real):  # float subclasses (numpy.float64), numpy.float32
        f = float(v)
        if f != f:
            raise _Fail(f"'{name}' is not a number (nan)", pos)
        return f
    t = type(v)
    if t.__module__ == "numpy" and t.__name__ in ("bool_", "bool"):
        return bool(v)
    raise _Fail(f"the value of '{name}' is not a number ({t.__name__})", pos)


def _exact(r: int | Fraction, pos: int) -> Number:
    """Normalise an exact result: whole Fractions become int, giant ones are refused."""
    if isinstance(r, Fraction):
        if r.denominator != 1:
            if r.numerator.bit_length() > MAX_EXACT_BITS or \
                    r.denominator.bit_length() > MAX_EXACT_BITS:
                # Too big to keep exactly: the float is either tiny (fine) or overflows.
                return _arith(float(r), 0, 0, pos)
            return r
        r = r.numerator
    if r.bit_length() > MAX_EXACT_BITS:
        raise _Fail("number too large", pos)
    return int(r)


def _arith(r: Value, a: Value, b: Value, pos: int) -> Value:
    """Check the result `r` of a op b: nan is refused, so is inf made from finite numbers."""
    t = type(r)
    if t is float:
        if r - r == 0.0:  # finite: the common case
            return r
        if r != r:
            raise _Fail("not a number (the result is undefined, like inf - inf)", pos)
        if not (_is_inf(a) or _is_inf(b)):
            raise _Fail("number too large", pos)
        return r
    if t is int or t is Fraction:
        return _exact(r, pos)  # type: ignore[arg-type]
    return r  # bool op bool gives int above; kept for completeness


def _is_inf(x: Value) -> bool:
    return type(x) is float and math.isinf(x)


def _divide(a: Value, b: Value, pos: int) -> Value:
    if b == 0:
        raise _Fail("division by zero", pos)
    if isinstance(a, int) and isinstance(b, int):  # bool included
        return _exact(Fraction(a, b), pos)  # int/int stays exact
    return _arith(a / b, a, b, pos)


def _power(a: Value, b: Value, pos: int) -> Value:
    if type(a) is bool:
        a = int(a)
    if type(b) is bool:
        b = int(b)
    if type(b) is int and type(a) is not float:
        if a == 0 and b < 0:
            raise _Fail("division by zero", pos)
        if abs(b) <= MAX_EXPONENT:
            # Estimate the digits from the size of the base before computing anything:
            # 9**9**9**9 is refused here in microseconds.
            if type(a) is int:
                bits = a.bit_length() - 1
            else:
                bits = max(a.numerator.bit_length(), a.denominator.bit_length()) - 1  # type: ignore[union-attr]
            if abs(b) * max(bits, 0) * _LOG10_2 <= MAX_POWER_DIGITS:
                r = Fraction(a) ** b if b < 0 else a ** b
                return _exact(r, pos)  # type: ignore[arg-type]
        # Too big to keep exactly: floats tell a tiny result (fine) from an overflow.
    try:
        fa, fb = float(a), float(b)
    except OverflowError:
        raise _Fail("number too large", pos) from None
    if fa == 0 and fb < 0:
        raise _Fail("division by zero", pos)
    if fa < 0 and math.isfinite(fb) and not fb.is_integer():
        raise _Fail("a negative number to a fractional power is not a real number", pos)
    try:
        r = math.pow(fa, fb)
    except OverflowError:
        raise _Fail("number too large", pos) from None
    except ValueError:
        raise _Fail("not a real number", pos) from None
    return _arith(r, fa, fb, pos)


def _ln(x: Value, name: str, pos: int) -> float:
    if x <= 0:
        raise _Fail(f"{name} of a number that is not positive", pos)
    if type(x) is Fraction:  # math.log would go through float() and could overflow
        return math.log(x.numerator) - math.log(x.denominator)
    return math.log(x)


def _log(args: list[Value], pos: int) -> Value:
    if len(args) == 1:
        return _ln(args[0], "log", pos)
    x, base = args
    if base <= 0 or base == 1:
        raise _Fail("the base of a log must be positive and not 1", pos)
    if base == 2:
        return _log2([x], pos)
    if base == 10:
        return _log10([x], pos)
    return _ln(x, "log", pos) / _ln(base, "log", pos)


def _log2(args: list[Value], pos: int) -> Value:
    x = args[0]
    if type(x) is Fraction or x <= 0:
        return _ln(x, "log2", pos) / math.log(2)
    return math.log2(x)


def _log10(args: list[Value], pos: int) -> Value:
    x = args[0]
    if type(x) is Fraction or x <= 0:
        return _ln(x, "log10", pos) / math.log(10)
    return math.log10(x)


def _sqrt(args: list[Value], pos: int) -> Value:
    if args[0] < 0:
        raise _Fail("square root of a negative number", pos)
    return math.sqrt(args[0])


def _whole(x: Value, name: str, pos: int) -> int:
    """factorial/binomial arguments: whole numbers in range (5.0 counts as 5)."""
    if type(x) is float:
        if not x.is_integer():
            raise _Fail(f"{name} needs whole numbers from 0 to {MAX_FACTORIAL}", pos)
        x = int(x)
    if type(x) is Fraction or not 0 <= x <= MAX_FACTORIAL:
        raise _Fail(f"{name} needs whole numbers from 0 to {MAX_FACTORIAL}", pos)
    return int(x)


def _abs(args: list[Value], pos: int) -> Value:
    x = args[0]
    return -x if x < 0 else +x  # keeps int, Fraction and float as they are


def _binomial(args: list[Value], pos: int) -> Value:
    return math.comb(_whole(args[0], "binomial", pos), _whole(args[1], "binomial", pos))


_EVAL_FUNCTIONS: dict[str, Callable[[list[Value], int], Value]] = {
    "exp": lambda a, pos: math.exp(a[0]),
    "log": _log,
    "ln": lambda a, pos: _ln(a[0], "ln", pos),
    "log2": _log2,
    "log10": _log10,
    "sqrt": _sqrt,
    "abs": _abs,
    "binomial": _binomial,
    "comb": _binomial,
    "factorial": lambda a, pos: math.factorial(_whole(a[0], "factorial", pos)),
    "min": lambda a, pos: min(a),
    "max": lambda a, pos: max(a),
}


# --------------------------------------------------------------------------- many at once

def evaluate_many(expression: Expr, env: Mapping[str, Any]) -> Any:
    """The expression's float value for many environments at once: `env` maps each name
    to a NumPy array (one value per environment). Where `Expr.evaluate` would raise
    (division by zero, log of zero, overflow), the value is nan; comparisons and logic give
    boolean arrays. `validate` uses this to screen thousands of variants in milliseconds;
    exact evaluation stays the reference for anything graded."""
    import numpy as np

    with np.errstate(all="ignore"):
        return _many(expression.tree, env, np)


def _many(node: Node, env: Mapping[str, Any], np: Any) -> Any:
    def finite_only(result: Any, *inputs: Any) -> Any:
        # An inf from finite operands is an overflow (an error when evaluated exactly).
        finite_in = np.logical_and.reduce(np.broadcast_arrays(*(np.isfinite(x) for x in inputs)))
        return np.where(np.isinf(result) & finite_in, np.nan, result)

    if isinstance(node, Num):
        return np.float64(node.value)
    if isinstance(node, Const):
        return np.float64(_CONSTANT_VALUES[node.name])
    if isinstance(node, Var):
        return np.asarray(env[node.name], dtype=float)
    if isinstance(node, Neg):
        return -_many(node.operand, env, np)
    if isinstance(node, Sum):
        acc = _many(node.first, env, np)
        for minus, term in node.rest:
            v = _many(term, env, np)
            acc = finite_only(acc - v if minus else acc + v, acc, v)
        return acc
    if isinstance(node, Product):
        acc = _many(node.first, env, np)
        for divide, factor in node.rest:
            v = _many(factor, env, np)
            if divide:
                acc = np.where(v == 0, np.nan, acc / np.where(v == 0, 1.0, v))
            else:
                acc = finite_only(acc * v, acc, v)
        return acc
    if isinstance(node, Power):
        a, b = _many(node.base, env, np), _many(node.exponent, env, np)
        bad = ((a == 0) & (b < 0)) | ((a < 0) & (b != np.round(b)))
        return np.where(bad, np.nan, finite_only(np.power(a, b), a, b))
    if isinstance(node, Call):
        args = [_many(a, env, np) for a in node.args]
        return _many_call(node.func, args, np)
    if isinstance(node, Compare):
        left = _many(node.first, env, np)
        result = np.True_
        for op, right_node in node.rest:
            right = _many(right_node, env, np)
            result = result & _COMPARE_OPS[op](left, right)
            left = right
        return result
    if isinstance(node, Logic):
        values = [np.asarray(_many(v, env, np), dtype=bool) for v in node.values]
        return (np.logical_or if node.op == "or" else np.logical_and).reduce(values)
    if isinstance(node, Not):
        return ~np.asarray(_many(node.operand, env, np), dtype=bool)
    raise TypeError(f"no many-at-once evaluation for {type(node).__name__}")


def _many_call(func: str, args: list[Any], np: Any) -> Any:
    x = args[0]
    if func == "exp":
        return np.where(np.isfinite(x) & np.isinf(np.exp(x)), np.nan, np.exp(x))
    if func in ("log", "ln", "log2", "log10"):
        positive = np.where(x > 0, x, np.nan)
        if func == "log" and len(args) == 2:
            base = np.where((args[1] > 0) & (args[1] != 1), args[1], np.nan)
            return np.log(positive) / np.log(base)
        return {"log": np.log, "ln": np.log, "log2": np.log2, "log10": np.log10}[func](positive)
    if func == "sqrt":
        return np.sqrt(np.where(x >= 0, x, np.nan))
    if func == "abs":
        return np.abs(x)
    if func == "min":
        return np.minimum.reduce(np.broadcast_arrays(*args))
    if func == "max":
        return np.maximum.reduce(np.broadcast_arrays(*args))

    def whole(v: Any) -> Any:
        return np.where((v == np.round(v)) & (v >= 0) & (v <= MAX_FACTORIAL), v, np.nan)

    if func == "factorial":
        n = whole(x)
        return np.exp(np.vectorize(_lgamma_or_nan)(n + 1))
    # binomial / comb
    n, k = np.broadcast_arrays(whole(x), whole(args[1]))
    log_c = (np.vectorize(_lgamma_or_nan)(n + 1) - np.vectorize(_lgamma_or_nan)(k + 1)
             - np.vectorize(_lgamma_or_nan)(n - k + 1))
    return np.where(k > n, 0.0, np.round(np.exp(log_c)))


def _lgamma_or_nan(x: float) -> float:
    return math.lgamma(x) if x > 0 and math.isfinite(x) else math.nan


# --------------------------------------------------------------------------- Expr

@dataclass(frozen=True)
class Expr:
    """A parsed expression: its text, the declared names it uses, and its tree."""

    text: str
    names: frozenset[str]
    tree: Node

    def evaluate(self, env: Mapping[str, object]) -> Number | bool:
        """The value for `env` (name → int, float, Fraction, bool or numpy scalar)."""
        try:
            return self.tree.ev(env)
        except _Fail as f:
            raise ExpressionError(f.message, _shown(self.text), f.pos) from None
        except ExpressionError:
            raise
        except OverflowError:
            raise ExpressionError("number too large", _shown(self.text)) from None
        except ZeroDivisionError:
            raise ExpressionError("division by zero", _shown(self.text)) from None
        except (ArithmeticError, ValueError, TypeError, LookupError, AttributeError,
                RecursionError, MemoryError) as e:
            raise ExpressionError(f"could not compute this: {e}", _shown(self.text)) from None

    def to_sympy(self, symbols: Mapping[str, sympy.Basic]) -> sympy.Basic:
        """The same expression in sympy; `symbols` maps each used name to a sympy object."""
        import sympy as sp  # lazily: importing this module must stay fast

        try:
            result = self.tree.sym(sp, symbols)
            if result.has(sp.nan):
                raise _Fail("not a number (the result is undefined, like oo - oo)")
            if result.has(sp.zoo):
                raise _Fail("division by zero (or another undefined value)")
            return result
        except _Fail as f:
            raise ExpressionError(f.message, _shown(self.text), f.pos) from None
        except ExpressionError:
            raise
        except Exception as e:  # sympy raises many kinds; none may escape as such
            raise ExpressionError(f"could not turn this into a formula: {e}",
                                  _shown(self.text)) from None


def _shown(text: str) -> str:
    """The text for error display: same length, but tabs and newlines as spaces so the
    caret of ExpressionError.pretty() still lines up."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else " " if c.isspace() else "\ufffd" for c in text)


# --------------------------------------------------------------------------- scanning

# Numbers as Python reads them (hex and friends too, so that 0x1F is one token).
_TOKEN = re.compile(
    r"(?P<ws>\s+)"
    r"|(?P<num>0[xX][0-9a-fA-F_]*|0[oO][0-7_]*|0[bB][01_]*"
    r"|(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9][0-9_]*)?)"
    r"|(?P<sup>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)"
    r"|(?P<name>[^\W\d⁰¹²³⁴⁵⁶⁷⁸⁹]((?![⁰¹²³⁴⁵⁶⁷⁸⁹])\w)*)"
    r"|(?P<char>.)",
    re.DOTALL,
)
# What students type for mathematics, as Python spells it: the Unicode minus and the
# dashes a word processor puts for it, times and division signs, infinity.
_REWRITE = {"^": "**", "·": "*", "×": "*", "⋅": "*", "÷": "/", "−": "-", "–": "-",
            "—": "-", "∞": "inf"}
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_NAME_REWRITE = {"π": "pi", "PI": "pi", "Pi": "pi"}
# Unit words after a number: `1/3 nats` means the number; say so rather than "write 3*nats".
UNITS = frozenset({"nat", "nats", "bit", "bits", "percent", "prob", "probability"})
# A targeted message for what a student writes that is not an expression at all.
_APPROX = "write the number itself, without '{0}': a rounded answer is accepted (right " \
          "to 3 significant figures unless the part asks for more)"
_REPEATING = "a repeating decimal cannot be read: write a fraction (like 1/3) or enough " \
             "digits (like 0.3333)"
# The percent sign becomes an attribute access on this name: it binds tighter than any
# operator (so 1/4% is 1/(4%) and sqrt(4)% works) and needs no bracket matching. A
# student typing `.__percent__` is still refused: only the positions we inserted count.
_PERCENT = "__percent__"
_AFTER_PERCENT = frozenset("+-*/^·×⋅÷−)<>=!,")
_OPEN, _CLOSE = "([{", ")]}"


class _Tok(NamedTuple):
    kind: str  # "num", "name", or the character itself
    text: str
    start: int  # in the original text
    end: int
    ws_before: bool
    group: int  # for a closing bracket: where its opening one is, else -1


class _Scanned(NamedTuple):
    src: str  # what ast.parse sees
    origin: list[int]  # origin[i]: original index of src[i]; one extra entry for the end
    percents: frozenset[int]  # src indices where an inserted _PERCENT name starts
    tokens: list[_Tok]


def _scan(text: str, start: int, end: int, shown: str) -> _Scanned:
    pieces: list[str] = []
    origin: list[int] = []
    tokens: list[_Tok] = []
    percents: set[int] = set()
    opens: list[int] = []
    size = 0
    ws = False
    signs = 0  # signs in a row: `------1` nests like brackets do, and ast recurses on it

    def fail(message: str, at: int) -> ExpressionError:
        return ExpressionError(message, shown, at)

    skip_to = start
    for m in _TOKEN.finditer(text, start, end):
        kind, s, i, j = m.lastgroup or "char", m.group(), m.start(), m.end()
        if i < skip_to:
            continue
        if kind == "ws":
            out = " " * len(s)  # any whitespace (newline, tab, nbsp) is a plain space
            pieces.append(out)
            origin.extend(range(i, j))
            size += len(out)
            ws = True
            continue
        prev = tokens[-1] if tokens else None
        group = -1
        signs = signs + 1 if kind == "char" and s in "+-−~" else 0
        if signs > MAX_DEPTH:
            raise fail(f"too many signs in a row (at most {MAX_DEPTH})", i)
        out = s
        if kind == "sup":
            out = f"**({s.translate(_SUPERSCRIPT)})"
            kind = "^"
        elif kind == "num":
            if text.startswith("..", j) or text.startswith("…", j):
                raise fail(_REPEATING, j)
            digits = s.replace("_", "")
            if digits.isdigit() and len(digits) > MAX_INT_DIGITS:
                raise fail(f"whole numbers may have at most {MAX_INT_DIGITS} digits", i)
        elif kind == "name":
            if s in UNITS and prev is not None and prev.kind in ("num", ")"):
                raise fail(f"leave out the unit '{s}': write the number only", i)
            out = _NAME_REWRITE.get(s, s)
            if prev is not None and prev.kind == "num" and prev.end == i:
                # `2p`: Python would call this an invalid literal; say what is meant.
                if s in ("j", "J"):
                    raise fail("imaginary numbers (like 1j) are not allowed", i)
                if keyword.iskeyword(s):
                    raise fail(f"could not read this: put a space between {prev.text} and {s}",
                               i)
                raise fail(_product_hint(prev.text, s), i)
        else:
            kind = s
            if s in _REWRITE:
                out = _REWRITE[s]
            elif s == "%":
                nxt = text[j] if j < end else ""
                if not (prev is not None and prev.kind in ("num", ")") and prev.end == i
                        and (nxt == "" or nxt.isspace() or nxt in _AFTER_PERCENT)):
                    raise fail("'%' only means percent, right after a number or a closing "
                               "bracket (as in 8.76%); there is no remainder operator", i)
                out = " ." + _PERCENT
                percents.add(size + 2)
            elif s in _OPEN:
                opens.append(i)
                if len(opens) > MAX_DEPTH:
                    raise fail(f"brackets nested too deeply (at most {MAX_DEPTH})", i)
            elif s in _CLOSE:
                group = opens.pop() if opens else -1
            elif s == "\\":
                raise fail(_latex_hint(text, i, end), i)
            elif s in "≈~" or (s == "." and text.startswith("..", j)) or s == "…":
                raise fail(_APPROX.format(s) if s in "≈~" else _REPEATING, i)
            elif s == "√":
                gap = j + len(text[j:end]) - len(text[j:end].lstrip())
                after = _TOKEN.match(text, gap, end)
                if prev is not None and prev.kind in ("num", "name", ")"):
                    raise fail(_product_hint(prev.text, text[i:after.end() if after else j]), i)
                if after is None or after.lastgroup not in ("num", "name"):
                    out = "sqrt"
                else:   # √2 is sqrt(2): the root of the number or name right after it
                    out = f"sqrt({_NAME_REWRITE.get(after.group(), after.group())})"
                    tokens.append(_Tok("name", "sqrt", i, after.end(), ws, -1))
                    pieces.append(out)
                    origin.extend([i] * len(out))
                    size += len(out)
                    ws = False
                    skip_to = after.end()
                    continue
            elif s in "'\"":
                raise fail("text in quotes (strings) is not allowed", i)
            elif s in "#$?`":
                raise fail(f"unexpected character '{s}'", i)
            elif not s.isprintable():
                raise fail(f"unexpected character U+{ord(s):04X}", i)
        tokens.append(_Tok(kind, s, i, j, ws, group))
        pieces.append(out)
        if len(out) == j - i:
            origin.extend(range(i, j))
        else:
            origin.extend([i] * len(out))
        size += len(out)
        ws = False
    origin.append(end)
    return _Scanned("".join(pieces), origin, frozenset(percents), tokens)


def _short(s: str) -> str:
    return s if len(s) <= 24 else s[:10] + "..." + s[-10:]


def _product_hint(left: str, right: str) -> str:
    return f"write {_short(left)}*{_short(right)} for a product"


_LATEX_FRACTION = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_LATEX_WORDS = {"cdot": "*", "times": "*", "div": "/", "pi": "pi", "infty": "inf",
                "ln": "ln(...)", "log": "log(...)", "exp": "exp(...)", "sqrt": "sqrt(...)",
                "approx": None, "left": None, "right": None}


def _latex_hint(text: str, at: int, end: int) -> str:
    """What to write instead of a LaTeX command: answers are plain text."""
    frac = _LATEX_FRACTION.match(text, at, end)
    if frac:
        top, bottom = (t.strip() for t in frac.groups())
        wrap = [f"({t})" if re.search(r"[-+*/ ]", t) else t for t in (top, bottom)]
        return f"write {wrap[0]}/{wrap[1]} for {_short(frac.group(0))}: answers are plain text"
    word = re.match(r"\\([A-Za-z]+)", text[at:end])
    if word and word.group(1) == "sqrt":
        arg = re.match(r"\\sqrt\s*\{([^{}]*)\}", text[at:end])
        inner = arg.group(1).strip() if arg else "..."
        return f"write sqrt({inner}) for \\sqrt: answers are plain text, not LaTeX"
    if word and _LATEX_WORDS.get(word.group(1)):
        return (f"write {_LATEX_WORDS[word.group(1)]} for \\{word.group(1)}: answers are "
                "plain text, not LaTeX")
    return "answers are plain text, not LaTeX: write 1/3, sqrt(2), ln(2), 2^10"


def _hint_before(scanned: _Scanned, text: str, limit: int) -> ExpressionError | None:
    """After a syntax error: a missing `*` (`2 p`, `(1-p)p`) before it explains it best."""
    toks = scanned.tokens
    for a, b in itertools.pairwise(toks):
        if b.start > limit:
            break
        if b.kind not in ("num", "name") or keyword.iskeyword(b.text):
            continue
        if a.kind == "name" and a.text in FUNCTIONS and b.ws_before:
            return ExpressionError(f"write {a.text}({_short(b.text)}) to apply {a.text}",
                                   _shown(text), b.start)
        if a.kind == ")" or (b.ws_before and (
                a.kind == "num" or (a.kind == "name" and not keyword.iskeyword(a.text)))):
            left = text[a.group:a.end] if a.kind == ")" and a.group >= 0 else a.text
            return ExpressionError(_product_hint(left, b.text), _shown(text), b.start)
    return None


# --------------------------------------------------------------------------- building

_BINOP_REFUSED: dict[type[ast.operator], str] = {
    ast.Mod: "'%' as remainder is not allowed",
    ast.FloorDiv: "'//' is not allowed; use / for division",
    ast.MatMult: "'@' is not allowed",
    ast.BitAnd: "bit operator '&' is not allowed",
    ast.BitOr: "bit operator '|' is not allowed",
    ast.BitXor: "bit operator is not allowed",
    ast.LShift: "bit operator '<<' is not allowed",
    ast.RShift: "bit operator '>>' is not allowed",
}
_NODE_REFUSED: dict[type[ast.AST], str] = {
    ast.Subscript: "indexing with [...] is not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.IfExp: "if-expressions (x if c else y) are not allowed",
    ast.List: "lists [...] are not allowed",
    ast.Set: "sets {...} are not allowed",
    ast.Dict: "dictionaries {...} are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.Starred: "starred arguments (*x) are not allowed",
    ast.NamedExpr: "assignments (:=) are not allowed",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
    ast.Slice: "slices are not allowed",
}
_COMPARE_NAMES: dict[type[ast.cmpop], str] = {
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
}

_REFUSED_COMPARISONS: dict[type[ast.cmpop], str] = {
    ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
}


class _Builder:
    """Walks Python's tree with a whitelist and builds ours, mapping columns back."""

    def __init__(self, text: str, scanned: _Scanned, declared: dict[str, str],
                 allow_compare: bool) -> None:
        self.text = text
        self.shown = _shown(text)
        self.src = scanned.src
        self.origin = scanned.origin
        self.percents = scanned.percents
        self.declared = declared
        self.allow_compare = allow_compare
        self.used: set[str] = set()
        # ast columns count UTF-8 bytes; map them to characters when that differs.
        self.char_of: list[int] | None = None
        if not self.src.isascii():
            table: list[int] = []
            for k, ch in enumerate(self.src):
                table.extend([k] * len(ch.encode("utf-8")))
            table.append(len(self.src))
            self.char_of = table

    # positions ---------------------------------------------------------------
    def char(self, col: int) -> int:
        if self.char_of is None:
            return col
        return self.char_of[min(col, len(self.char_of) - 1)]

    def at(self, col: int) -> int:
        """Original position of the src character at byte column `col`."""
        return self.origin[min(self.char(col), len(self.origin) - 1)]

    def after(self, col: int, skip: str = " ()") -> int:
        """Original position of the first src character at or after `col` not in `skip`
        (an operator between two operands)."""
        k = self.char(col)
        while k < len(self.src) and self.src[k] in skip:
            k += 1
        return self.origin[min(k, len(self.origin) - 1)]

    def slice(self, node: ast.expr) -> str:
        a = self.at(node.col_offset)
        end = self.char(node.end_col_offset or node.col_offset)
        b = self.origin[end - 1] + 1 if end > 0 else a
        return self.text[a:b]

    def fail(self, message: str, pos: int) -> ExpressionError:
        return ExpressionError(message, self.shown, pos)

    # the walk ----------------------------------------------------------------
    def build(self, node: ast.expr, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail(f"the expression is nested too deeply (at most {MAX_DEPTH} levels)",
                            self.at(node.col_offset))
        pos = self.at(node.col_offset)
        t = type(node)
        if t is ast.Constant:
            return self.constant(node, pos)  # type: ignore[arg-type]
        if t is ast.Name:
            return self.name(node, pos)  # type: ignore[arg-type]
        if t is ast.BinOp:
            return self.binop(node, pos, depth)  # type: ignore[arg-type]
        if t is ast.UnaryOp:
            return self.unary(node, pos, depth)  # type: ignore[arg-type]
        if t is ast.Call:
            return self.call(node, pos, depth)  # type: ignore[arg-type]
        if t is ast.Compare:
            return self.compare(node, pos, depth)  # type: ignore[arg-type]
        if t is ast.BoolOp:
            return self.boolop(node, pos, depth)  # type: ignore[arg-type]
        if t is ast.Attribute:
            return self.attribute(node, pos, depth)  # type: ignore[arg-type]
        if t is ast.Tuple:
            elts = node.elts  # type: ignore[attr-defined]
            if len(elts) >= 2:
                raise self.fail("a comma only separates function arguments (write 0.5 "
                                "with a decimal point, not 0,5)",
                                self.after(elts[0].end_col_offset or 0))
            raise self.fail("tuples are not allowed", pos)
        if t is ast.Subscript:
            pos = self.after(node.value.end_col_offset or 0, " )")  # type: ignore[attr-defined]
        raise self.fail(_NODE_REFUSED.get(t, f"{t.__name__} is not allowed"), pos)

    def constant(self, node: ast.Constant, pos: int) -> Node:
        v = node.value
        if isinstance(v, bool) or v is None or v is Ellipsis:
            raise self.fail(f"'{self.slice(node)}' is not allowed here", pos)
        if type(v) is int:
            if abs(v) >= 10**MAX_INT_DIGITS:
                raise self.fail(f"whole numbers may have at most {MAX_INT_DIGITS} digits", pos)
            return Num(v, pos)
        if type(v) is float:
            if math.isinf(v):
                raise self.fail("number too large", pos)
            return Num(v, pos)
        if type(v) is complex:
            raise self.fail("imaginary numbers (like 1j) are not allowed", pos)
        raise self.fail("text in quotes (strings) is not allowed", pos)

    def name(self, node: ast.Name, pos: int) -> Node:
        ident = node.id
        declared = self.declared.get(ident)
        if declared is not None:
            self.used.add(declared)
            return Var(declared, pos)
        if ident in CONSTANTS:
            return Const(ident, pos)
        if ident in FUNCTIONS:
            raise self.fail(f"'{ident}' is a function: write {ident}(...)", pos)
        raise self.fail(self.unknown(ident), pos)

    def unknown(self, ident: str) -> str:
        allowed = sorted(set(self.declared.values()))
        if not allowed:
            return f"unknown name '{ident}'; no names are allowed here"
        message = f"unknown name '{ident}'; allowed: {', '.join(allowed)}"
        close = [n for n in allowed if n.lower() == ident.lower()]
        return message + (f" (names are case-sensitive: '{close[0]}')" if close else "")

    def binop(self, node: ast.BinOp, pos: int, depth: int) -> Node:
        op = type(node.op)
        if op is ast.Pow:
            # Point at the operator: a refused power is about the exponent as much as the base.
            return Power(self.build(node.left, depth + 1), self.build(node.right, depth + 1),
                         self.after(node.left.end_col_offset or 0, " )"))
        if op in (ast.Add, ast.Sub):
            group: tuple[type[ast.operator], ...] = (ast.Add, ast.Sub)
        elif op in (ast.Mult, ast.Div):
            group = (ast.Mult, ast.Div)
        else:
            raise self.fail(_BINOP_REFUSED.get(op, f"operator {op.__name__} is not allowed"),
                            self.after(node.left.end_col_offset or 0))
        # Flatten the left-leaning chain a+b-c+... iteratively: long sums stay shallow.
        chain: list[tuple[bool, ast.expr]] = []
        cur: ast.expr = node
        while type(cur) is ast.BinOp and type(cur.op) in group:
            chain.append((type(cur.op) in (ast.Sub, ast.Div), cur.right))
            cur = cur.left
        chain.reverse()
        first = self.build(cur, depth + 1)
        rest = tuple((flag, self.build(operand, depth + 1)) for flag, operand in chain)
        return (Sum if group[0] is ast.Add else Product)(first, rest, pos)

    def unary(self, node: ast.UnaryOp, pos: int, depth: int) -> Node:
        op = type(node.op)
        if op is ast.Not:
            if not self.allow_compare:
                raise self.fail("'not' is only allowed in constraints", pos)
            return Not(self.build(node.operand, depth + 1), pos)
        if op is ast.Invert:
            raise self.fail("bit operator '~' is not allowed", pos)
        operand = self.build(node.operand, depth + 1)
        if op is ast.UAdd:
            return operand
        if type(operand) is Num:  # -3 is a number, not an operation
            return Num(-operand.value, pos)
        return Neg(operand, pos)

    def call(self, node: ast.Call, pos: int, depth: int) -> Node:
        func = node.func
        paren = self.after(func.end_col_offset or 0, " )")
        if type(func) is ast.Name:
            ident = func.id
            if ident not in FUNCTIONS:
                if ident in self.declared or ident in CONSTANTS:
                    raise self.fail(self.product_of_call(node, paren), paren)
                known = ", ".join(sorted(FUNCTIONS))
                raise self.fail(f"unknown function '{ident}'; functions: {known}", pos)
        else:
            # Validate the callee first (attributes, strings ... are refused as such);
            # if it is a fine value, `2(p+1)` and `(a)(b)` mean a product.
            self.build(func, depth + 1)
            raise self.fail(self.product_of_call(node, paren), paren)
        if node.keywords:
            kw = node.keywords[0]
            raise self.fail("keyword arguments (name=value) are not allowed",
                            self.at(kw.col_offset))
        args = tuple(self.build(a, depth + 1) for a in node.args)
        low, high = _ARITY[ident]
        if not low <= len(args) <= high:
            if low == high:
                want = f"{low} argument" + ("s" if low > 1 else "")
            elif high > low + 1:
                want = f"at least {low} arguments"
            else:
                want = f"{low} or {high} arguments"
            raise self.fail(f"{ident} takes {want}, not {len(args)}", pos)
        return Call(ident, args, pos)

    def product_of_call(self, node: ast.Call, paren: int) -> str:
        start = self.at(node.col_offset)
        whole = self.slice(node)
        left = self.text[start:paren].rstrip()
        return _product_hint(left, whole[paren - start:])

    def compare(self, node: ast.Compare, pos: int, depth: int) -> Node:
        op_pos = self.after(node.left.end_col_offset or 0)
        if not self.allow_compare:
            raise self.fail("comparisons (<, ==, ...) are only allowed in constraints", op_pos)
        rest = []
        prev_end = node.left.end_col_offset or 0
        for op, right in zip(node.ops, node.comparators, strict=True):
            name = _COMPARE_NAMES.get(type(op))
            if name is None:
                word = _REFUSED_COMPARISONS.get(type(op), "this comparison")
                raise self.fail(f"'{word}' is not allowed; only < <= > >= == != compare",
                                self.after(prev_end))
            rest.append((name, self.build(right, depth + 1)))
            prev_end = right.end_col_offset or 0
        return Compare(self.build(node.left, depth + 1), tuple(rest), pos)

    def boolop(self, node: ast.BoolOp, pos: int, depth: int) -> Node:
        word = "and" if type(node.op) is ast.And else "or"
        if not self.allow_compare:
            raise self.fail(f"'{word}' is only allowed in constraints",
                            self.after(node.values[0].end_col_offset or 0))
        return Logic(word, tuple(self.build(v, depth + 1) for v in node.values), pos)

    def attribute(self, node: ast.Attribute, pos: int, depth: int) -> Node:
        name_at = self.char(node.end_col_offset or 0) - len(node.attr)
        if node.attr == _PERCENT and name_at in self.percents:
            value = self.build(node.value, depth + 1)
            return Product(value, ((True, Num(100, self.origin[name_at])),), pos)
        dot = self.after(node.value.end_col_offset or 0, " )")
        raise self.fail(f"attribute access ('.{node.attr}') is not allowed", dot)


# --------------------------------------------------------------------------- parse

def parse(text: str, names: Iterable[str] = (), *, allow_compare: bool = False,
          max_length: int = 1000) -> Expr:
    """Read `text` safely into an `Expr`; `names` are the variables it may use.

    `allow_compare` admits comparisons and and/or/not (spec constraints). Raises
    ExpressionError, with the position in `text` when there is one, for anything else.
    """
    if not isinstance(text, str):
        raise ExpressionError("the answer must be text")
    if len(text) > max_length:
        raise ExpressionError(
            f"the answer is too long ({len(text)} characters; at most {max_length})", text)
    try:
        declared = frozenset([names] if isinstance(names, str) else names)
    except TypeError:
        raise ExpressionError("declared names must be strings") from None
    if not all(isinstance(n, str) for n in declared):
        raise ExpressionError("declared names must be strings")
    return _parse(text, declared, bool(allow_compare))


@lru_cache(maxsize=4096)
def _parse(text: str, declared: frozenset[str], allow_compare: bool) -> Expr:
    # max_length is checked before the cache, so it needs no place in the key.
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    if start >= end:
        raise ExpressionError("empty answer", text)
    shown = _shown(text)
    try:
        scanned = _scan(text, start, end, shown)
        try:
            tree = ast.parse(scanned.src, mode="eval")
        except SyntaxError as e:
            raise _syntax_error(e, scanned, text) from None
        builder = _Builder(text, scanned, _normalized(declared), allow_compare)
        root = builder.build(tree.body, 1)
        if _is_constant(root):
            root.ev({})
        return Expr(text, frozenset(builder.used), root)
    except _Fail as f:
        raise ExpressionError(f.message, shown, f.pos) from None
    except ExpressionError:
        raise
    except (RecursionError, MemoryError):
        raise ExpressionError(
            f"the expression is nested too deeply (at most {MAX_DEPTH} levels)", shown
        ) from None
    except (ValueError, TypeError, OverflowError, ZeroDivisionError) as e:
        raise ExpressionError(f"could not read this: {e}", shown) from None


def _is_constant(node: Node) -> bool:
    """Whether `node` uses no variable; computes its largest constant parts on the way.

    So `9**9**9**9`, `1/0` or `p + factorial(10**6)` are refused when read, with the
    caret at the culprit, rather than at every later evaluation.
    """
    if type(node) is Var:
        return False
    parts = node.parts()
    constant = [_is_constant(p) for p in parts]
    if all(constant):
        return True
    for part, is_const in zip(parts, constant, strict=True):
        if is_const:
            part.ev({})
    return False


def _normalized(declared: frozenset[str]) -> dict[str, str]:
    """Python reads identifiers in NFKC form (`ﬁ` is `fi`); map that form back to the
    name as declared so that `Expr.names` and env keys match the spec."""
    table = {n: n for n in declared}
    if not all(n.isascii() for n in declared):
        import unicodedata

        for n in sorted(declared):
            table.setdefault(unicodedata.normalize("NFKC", n), n)
    return table


def _syntax_error(e: SyntaxError, scanned: _Scanned, text: str) -> ExpressionError:
    src = scanned.src
    # SyntaxError columns are 1-based characters; 0 or past the end means "at the end".
    k = (e.offset or 0) - 1
    if k < 0 or k >= len(src):
        k = len(src)
    pos = scanned.origin[k]
    hint = _hint_before(scanned, text, pos)
    if hint is not None:
        return hint
    reason = (e.msg or "invalid syntax").split(". Perhaps")[0].split(". Did you")[0]
    if k >= len(src) and reason == "invalid syntax":
        reason = "the expression is incomplete"
    elif reason.startswith("invalid syntax") and k < len(src) and src[k] == "=":
        reason = "'=' is not allowed (write only the expression; == compares)"
    return ExpressionError(f"could not read this: {reason}", _shown(text), pos)


# --------------------------------------------------------------------------- time limit

class _Timeout(BaseException):
    """Raised by the alarm handler. A BaseException, so that library code catching
    Exception (sympy does, here and there) cannot swallow it; `time_limit` turns its own
    into ExpressionError."""

    def __init__(self, token: object) -> None:
        super().__init__()
        self.token = token


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ExpressionError("... took too long") if the block runs over `seconds`.

    Uses SIGALRM in the main thread where the platform has it, and nests: an outer
    limit keeps running and fires on time. Elsewhere (threads, Windows) it is a no-op.
    A limit of 0 or less expires at once; math.inf means no limit.
    """
    import signal
    import threading

    if not seconds > 0:
        raise ExpressionError(f"the computation took too long (limit {seconds:g} s)")
    if (not math.isfinite(seconds) or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return
    token = object()
    started = time.monotonic()
    deadline = started + seconds
    old_handler = signal.getsignal(signal.SIGALRM)
    old_delay, old_interval = signal.getitimer(signal.ITIMER_REAL)
    outer_deadline = started + old_delay if old_delay > 0 else None
    outer_fired = False

    def on_alarm(signum: int, frame: Any) -> None:
        nonlocal outer_fired
        now = time.monotonic()
        if outer_deadline is not None and now >= outer_deadline - 1e-4:
            # The enclosing limit ran out first: its handler decides (ours raises).
            outer_fired = True
            if callable(old_handler):
                old_handler(signum, frame)
            if now < deadline:  # it did not stop the work: keep our own limit
                signal.setitimer(signal.ITIMER_REAL, deadline - now)
                return
        raise _Timeout(token)

    signal.signal(signal.SIGALRM, on_alarm)
    first = seconds if outer_deadline is None else min(seconds, old_delay)
    signal.setitimer(signal.ITIMER_REAL, first)
    try:
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Timeout as stop:
        if stop.token is not token:
            raise
        raise ExpressionError(f"the computation took too long (over {seconds:g} s)") from None
    finally:
        signal.signal(signal.SIGALRM, old_handler if old_handler is not None
                      else signal.SIG_DFL)
        if outer_deadline is not None and not outer_fired:
            remaining = outer_deadline - time.monotonic()
            signal.setitimer(signal.ITIMER_REAL, max(remaining, 1e-6), old_interval)
        elif outer_fired and old_interval > 0:
            signal.setitimer(signal.ITIMER_REAL, old_interval, old_interval)

"""Exercise specs: load one YAML file, check it against the schema and its own logic, and
return typed, immutable data (Spec, Part, Param, Mistake, Symbol).

Every problem becomes a `SpecError` naming the file, the key and the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from . import expr, render, yamlfile
from .errors import ExpressionError, SpecError

Kind = Literal["numeric", "symbolic", "choice", "function"]
KINDS: tuple[Kind, ...] = ("numeric", "symbolic", "choice", "function")

# Numeric parts are graded by significant figures (see checkers/numeric.py); their
# `tolerance` only widens that interval, so by default it adds nothing but an absolute
# floor for answers near zero. Function parts compare floats with a tolerance that a
# correct float32 implementation meets.
DEFAULT_TOLERANCE = {"numeric": (0.0, 1e-12), "function": (1e-4, 1e-6)}
DEFAULT_SIG_FIGS = 3

# Names Jinja's templates already mean something by: a param called `none` would render
# as Jinja's None, not as the value.
RESERVED_NAMES = frozenset({"none", "None", "true", "True", "false", "False", "loop", "range",
                            "dict", "lipsum", "cycler", "joiner", "namespace", "self",
                            "varargs", "kwargs", "caller"})


@dataclass(frozen=True)
class Tolerance:
    rel: float
    abs: float


@dataclass(frozen=True)
class Param:
    """One drawn parameter: `kind` is uniform | int | choice | fraction."""

    name: str
    kind: Literal["uniform", "int", "choice", "fraction"]
    low: float = 0.0
    high: float = 0.0
    digits: int | None = None
    choices: tuple[object, ...] = ()
    num: tuple[int, int] = (0, 0)
    den: tuple[int, int] = (1, 1)


@dataclass(frozen=True)
class Mistake:
    note: str
    feedback: str
    credit: float = 0.0
    answer: str | None = None        # numeric/symbolic: an expression; choice: an option
    function: str | None = None      # function parts: a wrong implementation in the reference


@dataclass(frozen=True)
class Mutant:
    """A plausible wrong implementation (in the reference file) that some check must
    catch; `check` names the one that must, when the author says."""

    function: str
    check: str | None = None


@dataclass(frozen=True)
class Symbol:
    name: str
    low: float
    high: float
    meaning: str = ""
    integer: bool = False


@dataclass(frozen=True)
class Part:
    id: str
    kind: Kind
    points: float
    prompt: str = ""
    answer: str | None = None
    tolerance: Tolerance | None = None
    mistakes: tuple[Mistake, ...] = ()
    symbols: tuple[Symbol, ...] = ()
    options: tuple[str, ...] = ()
    function: str | None = None
    signature: str | None = None
    timeout: float | None = None
    sig_figs: int = DEFAULT_SIG_FIGS     # numeric: the precision a correct answer needs
    # symbolic: the numbers in a formula may be rounded to this many figures (None: exact)
    coefficient_figures: int | None = None
    checks: tuple[tuple[str, float], ...] = ()   # function: (check name, weight), in order
    mutants: tuple[Mutant, ...] = ()             # function: wrong code a check must catch
    # function parts: public example inputs (keyword arguments; lists are NumPy arrays),
    # shown to students with the reference's outputs and run by `grader check`
    examples: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Spec:
    id: str
    title: str
    topic: str
    prompt: str
    parts: tuple[Part, ...]
    params: tuple[Param, ...] = ()
    derived: tuple[tuple[str, str], ...] = ()
    constraints: tuple[str, ...] = ()
    solution: str = ""
    path: Path | None = field(default=None, compare=False)

    @property
    def points(self) -> float:
        return sum(p.points for p in self.parts)

    @property
    def names(self) -> tuple[str, ...]:
        """Every name a template or expression may use: params, then derived values."""
        return tuple(p.name for p in self.params) + tuple(n for n, _ in self.derived)

    def part(self, part_id: str) -> Part:
        for p in self.parts:
            if p.id == part_id:
                return p
        raise KeyError(part_id)


def load_spec(path: Path, expected_id: str | None = None) -> Spec:
    """Read and check one exercise file; `expected_id` is its path under exercises/."""
    doc = yamlfile.load(path, SpecError)
    if not isinstance(doc.data, dict):
        raise SpecError("an exercise spec must be a mapping of keys", file=path)
    yamlfile.check_schema(doc, "exercise", SpecError)
    data = doc.data
    if expected_id is not None and data["id"] != expected_id:
        raise doc.error(SpecError, f"'{data['id']}' does not match the file's path; expected "
                        f"'{expected_id}'", ["id"])
    if data["topic"] != data["id"].split("/")[0]:
        raise doc.error(SpecError, f"topic '{data['topic']}' differs from the id's folder "
                        f"'{data['id'].split('/')[0]}'", ["topic"])
    return _build(doc)


def _build(doc: yamlfile.Document) -> Spec:
    data = doc.data
    for section in ("params", "derived"):
        for name in data.get(section) or {}:
            if name in RESERVED_NAMES:
                raise doc.error(SpecError, f"'{name}' is a reserved word in templates; "
                                "choose another name", [section, name])
    params = tuple(_param(doc, name, dist) for name, dist in (data.get("params") or {}).items())
    known: list[str] = [p.name for p in params]
    derived: list[tuple[str, str]] = []
    for name, text in (data.get("derived") or {}).items():
        if name in known:
            raise doc.error(SpecError, f"'{name}' is defined twice", ["derived", name])
        _expression(doc, str(text), known, ["derived", name])
        derived.append((name, str(text)))
        known.append(name)
    constraints = []
    for i, text in enumerate(data.get("constraints") or []):
        _expression(doc, str(text), known, ["constraints", i], compare=True)
        constraints.append(str(text))
    for key in ("prompt", "solution"):
        if key in data:
            _template(doc, data[key], [key])
    parts = []
    seen: set[str] = set()
    for i, raw in enumerate(data["parts"]):
        if raw["id"] in seen:
            raise doc.error(SpecError, f"part id '{raw['id']}' is used twice", ["parts", i, "id"])
        seen.add(raw["id"])
        parts.append(_part(doc, raw, known, ["parts", i]))
    return Spec(
        id=data["id"], title=data["title"], topic=data["topic"], prompt=data["prompt"],
        parts=tuple(parts), params=params, derived=tuple(derived),
        constraints=tuple(constraints), solution=data.get("solution", ""), path=doc.file,
    )


def _param(doc: yamlfile.Document, name: str, dist: dict[str, Any]) -> Param:
    where = ["params", name]
    if "uniform" in dist:
        low, high = dist["uniform"]
        if not low < high:
            raise doc.error(SpecError, "uniform needs low < high", [*where, "uniform"])
        digits = dist.get("digits")
        return Param(name, "uniform", low=float(low), high=float(high),
                     digits=int(digits) if digits is not None else None)
    if "int" in dist:
        low, high = dist["int"]
        if not low <= high:
            raise doc.error(SpecError, "int needs low <= high", [*where, "int"])
        return Param(name, "int", low=low, high=high)
    if "choice" in dist:
        return Param(name, "choice", choices=tuple(dist["choice"]))
    frac = dist["fraction"]
    num, den = tuple(frac["num"]), tuple(frac["den"])
    if not (num[0] <= num[1] and 1 <= den[0] <= den[1]):
        raise doc.error(SpecError, "fraction needs num low <= high and 1 <= den low <= high",
                        [*where, "fraction"])
    return Param(name, "fraction", num=num, den=den)


def _expression(doc: yamlfile.Document, text: str, names: list[str], where: list[str | int],
                *, compare: bool = False) -> expr.Expr:
    try:
        return expr.parse(text, names, allow_compare=compare)
    except ExpressionError as exc:
        raise doc.error(SpecError, f"{exc.message} in '{text}'", where) from None


def _template(doc: yamlfile.Document, text: str, where: list[str | int]) -> None:
    key = yamlfile.key_text(where)
    try:
        render.check_template(text, file=str(doc.file), key=key)
    except SpecError as exc:
        # Jinja counts lines inside the value; the author wants the line in the file.
        line = doc.text_line(where, exc.line) if exc.line else doc.line(where)
        raise SpecError(exc.detail, file=doc.file, key=key, line=line) from None


def _part(doc: yamlfile.Document, raw: dict[str, Any], names: list[str],
          where: list[str | int]) -> Part:
    kind: Kind = raw["kind"]
    if "prompt" in raw:
        _template(doc, str(raw["prompt"]), [*where, "prompt"])
    symbols: tuple[Symbol, ...] = ()
    expr_names = list(names)
    if kind == "symbolic":
        sym_list = []
        for sname, sdef in raw["symbols"].items():
            low, high = sdef["domain"]
            if not low < high:
                raise doc.error(SpecError, "a domain needs low < high",
                                [*where, "symbols", sname, "domain"])
            if sname in names:
                raise doc.error(SpecError, f"symbol '{sname}' has the name of a parameter",
                                [*where, "symbols", sname])
            sym_list.append(Symbol(sname, float(low), float(high), sdef.get("meaning", ""),
                                   bool(sdef.get("integer", False))))
        symbols = tuple(sym_list)
        expr_names += [s.name for s in symbols]
    options: tuple[str, ...] = tuple(str(o) for o in raw.get("options", ()))
    answer = raw.get("answer")
    answer_text = None if answer is None else str(answer)
    if kind in ("numeric", "symbolic") and answer_text is not None:
        _expression(doc, answer_text, expr_names, [*where, "answer"])
    if kind == "choice":
        if len({o.casefold() for o in options}) != len(options):
            raise doc.error(SpecError, "options must differ (case-insensitively)",
                            [*where, "options"])
        from .checkers.choice import index_like

        for o in options:
            if index_like(o, len(options)):
                raise doc.error(SpecError, f"option '{o}' reads like an option's number or "
                                "letter, which students may also answer with; write it in "
                                "words (e.g. '2 (twice as many)')", [*where, "options"])
        if "{" not in str(answer_text) and str(answer_text).casefold() not in {
                o.casefold() for o in options}:
            raise doc.error(SpecError, f"answer '{answer_text}' is not one of the options",
                            [*where, "answer"])
    mistakes = []
    for j, m in enumerate(raw.get("mistakes") or []):
        mwhere = [*where, "mistakes", j]
        if kind == "function":
            if "function" not in m:
                raise doc.error(SpecError, "a function part's mistake names a wrong "
                                "implementation with 'function'", mwhere)
        elif "answer" not in m:
            raise doc.error(SpecError, "missing key 'answer'", mwhere)
        manswer = None if m.get("answer") is None else str(m["answer"])
        if manswer is not None and kind in ("numeric", "symbolic"):
            _expression(doc, manswer, expr_names, [*mwhere, "answer"])
        if manswer is not None and kind == "choice" and "{" not in manswer and \
                manswer.casefold() not in {o.casefold() for o in options}:
            raise doc.error(SpecError, f"'{manswer}' is not one of the options",
                            [*mwhere, "answer"])
        _template(doc, m["feedback"], [*mwhere, "feedback"])
        mistakes.append(Mistake(note=m["note"], feedback=m["feedback"],
                                credit=float(m.get("credit", 0.0)), answer=manswer,
                                function=m.get("function")))
    tol = raw.get("tolerance")
    tolerance = None
    if kind in DEFAULT_TOLERANCE:
        rel, abs_ = DEFAULT_TOLERANCE[kind]
        if isinstance(tol, dict):
            rel, abs_ = float(tol.get("rel", rel)), float(tol.get("abs", abs_))
        tolerance = Tolerance(rel, abs_)
    return Part(
        id=str(raw["id"]), kind=kind, points=float(raw["points"]),
        prompt=str(raw.get("prompt", "")), answer=answer_text, tolerance=tolerance,
        mistakes=tuple(mistakes), symbols=symbols, options=options,
        function=raw.get("function"), signature=raw.get("signature"),
        timeout=float(raw["timeout"]) if "timeout" in raw else None,
        sig_figs=int(raw.get("sig_figs", DEFAULT_SIG_FIGS)),
        coefficient_figures=int(raw["sig_figs"]) if kind == "symbolic" and "sig_figs" in raw
        else None,
        checks=tuple((str(k), float(v)) for k, v in (raw.get("checks") or {}).items()),
        mutants=tuple(Mutant(m) if isinstance(m, str) else Mutant(m["function"], m.get("check"))
                      for m in raw.get("mutants") or ()),
        examples=tuple(dict(e) for e in raw.get("examples") or ()),
    )

"""`grader check`: the student's own check of their folder, from its `.grader.yaml`.

Practice work is graded in full, expected answers included. Graded work is checked
without the key, which the folder does not hold: each answer is read and shown back as
it was understood, unknown keys in answers.yaml are named (with a "did you mean"),
unanswered parts are counted, and each function part runs on the public examples that
the exercise declares, with their outputs. Nothing in `.grader.yaml` is secret, so
nothing a student edits there can make this reveal more (grader/secrecy.py).
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from . import handin, yamlfile
from .assignment import Assignment, Item
from .bank import Bank
from .errors import AssignmentError, BankError, ExpressionError
from .generate import META_FILE
from .grading import read_answers
from .handin import ANSWERS_FILE, SOLUTION_FILE
from .result import Result

CheckStatus = Literal["read", "unreadable", "unanswered", "defined", "examples-pass",
                      "examples-fail", "error"]


@dataclass(frozen=True)
class ExampleRun:
    call: str
    expected: str
    returned: str | None
    passed: bool
    problem: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"call": self.call, "expected": self.expected, "returned": self.returned,
                "passed": self.passed, "problem": self.problem}


@dataclass(frozen=True)
class PartCheck:
    id: str
    kind: str
    points: float
    status: CheckStatus
    given: str | None = None
    understood: str | None = None     # the answer as the grader read it
    message: str = ""
    examples: tuple[ExampleRun, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "points": self.points,
                "status": self.status, "given": self.given, "understood": self.understood,
                "message": self.message, "examples": [e.to_dict() for e in self.examples]}


@dataclass(frozen=True)
class ExerciseCheck:
    id: str
    title: str
    parts: tuple[PartCheck, ...]


@dataclass
class CheckReport:
    """What a graded folder's check found; it has no score, by design."""

    assignment: str
    student: str
    exercises: list[ExerciseCheck]
    problems: list[str] = field(default_factory=list)   # unknown keys, unreadable files

    def parts(self) -> list[tuple[ExerciseCheck, PartCheck]]:
        return [(e, p) for e in self.exercises for p in e.parts]

    @property
    def unanswered(self) -> list[tuple[ExerciseCheck, PartCheck]]:
        return [(e, p) for e, p in self.parts() if p.status == "unanswered"]

    def to_dict(self) -> dict[str, Any]:
        return {"schema": "grader.check/1", "assignment": self.assignment,
                "student": self.student, "mode": "graded",
                "answered": len(self.parts()) - len(self.unanswered),
                "unanswered": len(self.unanswered), "problems": list(self.problems),
                "exercises": [{"id": e.id, "title": e.title,
                               "parts": [p.to_dict() for p in e.parts]}
                              for e in self.exercises]}


@dataclass(frozen=True)
class Folder:
    """A student folder's `.grader.yaml`, read."""

    path: Path
    student: str
    name: str
    title: str
    mode: Literal["graded", "practice"]
    exercises: list[dict[str, Any]]
    bank: str | None


def read_folder(folder: Path) -> Folder:
    path = folder / META_FILE
    if not path.is_file():
        raise AssignmentError(f"no {META_FILE} here: run `grader check` in the folder you "
                              "were given, or pass that folder", file=folder)
    data = yamlfile.load(path, AssignmentError).data
    try:
        mode = data.get("mode", "graded")
        if mode not in ("graded", "practice"):
            raise AssignmentError(f"mode must be graded or practice, not {mode!r}", file=path)
        exercises = list(data["exercises"])
        for exercise in exercises:
            _check_shape(exercise)
        return Folder(folder, str(data["student"]), str(data["assignment"]["name"]),
                      str(data["assignment"].get("title") or data["assignment"]["name"]),
                      mode, exercises, data.get("bank"))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise AssignmentError(f"damaged file (bad or missing {exc}); ask for a fresh copy",
                              file=path) from None


def _check_shape(exercise: Any) -> None:
    """KeyError or TypeError unless `exercise` is what generate writes: a file edited by
    hand is reported as damaged in one line, not as a traceback halfway through."""
    if not isinstance(exercise, dict) or not isinstance(exercise["parts"], list):
        raise TypeError("exercises")
    str(exercise["id"])
    for part in exercise["parts"]:
        if not isinstance(part, dict) or part["kind"] not in (
                "numeric", "symbolic", "choice", "function"):
            raise TypeError("parts")
        str(part["id"])
        float(part["points"])
        if part["kind"] == "symbolic" and not isinstance(part.get("names", []), list):
            raise TypeError("names")
        if part["kind"] == "choice" and not isinstance(part["options"], list):
            raise TypeError("options")
        if part["kind"] == "function":
            str(part["function"])
            float(part["tolerance"]["rel"])
            float(part["tolerance"]["abs"])
            for example in part.get("examples") or []:
                if not isinstance(example["args"], dict) or "output" not in example:
                    raise TypeError("examples")
                str(example["shown"])


def practice_assignment(folder: Folder) -> Assignment:
    """A practice folder's assignment: its variants come from the seeds it records."""
    path = folder.path / META_FILE
    try:
        seeds = {str(e["id"]): int(e["seed"]) for e in folder.exercises}
    except (KeyError, TypeError, ValueError):
        raise AssignmentError("this folder is for graded work: its check reads your answers "
                              "but cannot grade them (there is no key here to grade with)",
                              file=path) from None
    try:
        bank = Bank((folder.path / folder.bank).resolve()) if folder.bank else Bank()
    except BankError as exc:
        raise AssignmentError(f"the exercise bank of this assignment is not here ({exc})",
                              file=path) from None
    for exercise_id in seeds:
        if exercise_id not in bank.ids:
            raise AssignmentError(f"exercise '{exercise_id}' is not in the installed bank; "
                                  "update the grader package", file=path)
    items = tuple(Item(str(e["id"]), float(e["points"]) if "points" in e else None)
                  for e in folder.exercises)
    return Assignment(name=folder.name, title=folder.title, salt="", items=items, bank=bank,
                      path=path, practice=True, seeds=seeds)


def check_practice(folder: Folder) -> Result:
    from .grading import grade

    # the student's own code on their own machine: the OS boundary where there is one
    return grade(folder.path, practice_assignment(folder), folder.student,
                 isolation="preferred")


# -- graded work ------------------------------------------------------------------------

def _did_you_mean(name: str, options: list[str]) -> str:
    match = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


def _unknown_keys(path: Path, exercises: list[dict[str, Any]]) -> list[str]:
    """answers.yaml keys that name no exercise or no text part of one."""
    try:
        raw = handin.read_file(path.parent, path.name, handin.CAPS[ANSWERS_FILE])
        data = yamlfile.load(path, AssignmentError, text_only=True,
                             source=raw.decode("utf-8", errors="replace")).data
    except (handin.HandinError, AssignmentError):
        return []           # read_answers reports the file as unreadable
    if not isinstance(data, dict):
        return []
    by_id = {str(e["id"]): e for e in exercises}
    problems = []
    for key, parts in data.items():
        if key not in by_id:
            problems.append(f"{ANSWERS_FILE}: unknown exercise '{key}'"
                            f"{_did_you_mean(str(key), list(by_id))}")
            continue
        kinds = {str(p["id"]): p["kind"] for p in by_id[key]["parts"]}
        if not isinstance(parts, dict):
            if parts not in (None, ""):
                problems.append(f"{ANSWERS_FILE}: '{key}' must map part ids to answers")
            continue
        text_parts = [p for p, k in kinds.items() if k != "function"]
        for part, value in parts.items():
            if kinds.get(part) == "function":
                problems.append(f"{ANSWERS_FILE}: '{key}' → '{part}' is a function part: "
                                f"write it in {SOLUTION_FILE}")
            elif part not in kinds:
                problems.append(f"{ANSWERS_FILE}: unknown part '{part}' under '{key}'"
                                f"{_did_you_mean(str(part), text_parts)}")
            elif value is not None and not isinstance(value, str):
                problems.append(f"{ANSWERS_FILE}: the answer of '{key}' → '{part}' must be "
                                "text, not a list or mapping")
    return problems


def _read_text_answer(part: dict[str, Any], text: str) -> PartCheck:
    from .checkers.choice import read_choice
    from .checkers.common import MAX_ANSWER_LENGTH
    from .checkers.numeric import read_number
    from .expr import Num, parse
    from .readback import readback

    base = PartCheck(str(part["id"]), str(part["kind"]), float(part["points"]), "read",
                     given=text)
    kind = part["kind"]
    try:
        if kind == "numeric":
            value = read_number(text)
            formula = parse(text, (), max_length=MAX_ANSWER_LENGTH)
            shown = f"{value:.6g}"
            if not isinstance(formula.tree, Num):
                shown = f"{readback(formula)} = {shown}"
            return replace(base, status="read", understood=shown)
        if kind == "symbolic":
            formula = parse(text, [str(n) for n in part.get("names", [])],
                            max_length=MAX_ANSWER_LENGTH)
            return replace(base, status="read", understood=readback(formula))
    except ExpressionError as exc:
        what = "number" if kind == "numeric" else "formula"
        return replace(base, status="unreadable",
                       message=f"Could not read this {what}: {exc.pretty()}")
    options = [str(o) for o in part.get("options", [])]
    chosen = read_choice(text, options)
    if chosen is None:
        listed = ", ".join(f"{i}. {o}" for i, o in enumerate(options, start=1))
        return replace(base, status="unreadable",
                       message=f"'{text[:60]}' is not one of the options: {listed}.")
    return replace(base, status="read",
                   understood=f"option {options.index(chosen) + 1}: {chosen}")


def _defined(tree: ast.Module | None, name: str) -> ast.stmt | None:
    """The module's last top-level statement that binds `name` (a def, an assignment or
    an import): a later one replaces an earlier one, as when Python runs the file."""
    if tree is None:
        return None
    found: ast.stmt | None = None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            found = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                found = node
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                (a.asname or a.name) == name for a in node.names):
            found = node
    return found


def _is_stub(function: ast.stmt) -> bool:
    """Still the `raise NotImplementedError` that generate wrote (a docstring aside)."""
    if not isinstance(function, ast.FunctionDef):
        return False
    body = [n for n in function.body
            if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    return (len(body) == 1 and isinstance(body[0], ast.Raise)
            and "NotImplementedError" in ast.unparse(body[0]))


def _check_function(part: dict[str, Any], tree: ast.Module | None, syntax: str | None,
                    sandbox: Any) -> PartCheck:
    from .checkers.function import compare_values, show
    from .examples import call_args, call_text, decode
    from .spec import Tolerance

    name = str(part["function"])
    base = PartCheck(str(part["id"]), "function", float(part["points"]), "defined")
    if syntax is not None:
        return replace(base, status="unreadable", message=syntax)
    function = _defined(tree, name)
    if function is None:
        return replace(base, status="unanswered",
                       message=f"{SOLUTION_FILE} does not define {name}().")
    if _is_stub(function):
        return replace(base, status="unanswered", message="Not implemented yet.")
    examples = part.get("examples") or []
    if not examples:
        return replace(base, status="defined",
                       message=f"{name}() is defined; this part has no public examples to run.")
    if sandbox is not None and sandbox.import_error is not None:
        return replace(base, status="error", message=f"{SOLUTION_FILE} could not be "
                       f"imported: {sandbox.import_error.message}")
    tol = Tolerance(float(part["tolerance"]["rel"]), float(part["tolerance"]["abs"]))
    cases = [call_args(e["args"]) for e in examples]
    results = sandbox.call_many(name, cases, timeout=2.0) if sandbox is not None else []
    runs = []
    for n, example in enumerate(examples):
        call = call_text(name, example["args"])
        if n >= len(results):
            runs.append(ExampleRun(call, str(example["shown"]), None, False, "not run"))
            continue
        result = results[n]
        if result.status != "ok":
            runs.append(ExampleRun(call, str(example["shown"]), None, False,
                                   result.message or result.status))
            continue
        mismatch = compare_values(decode(example["output"]), result.value, tol)
        runs.append(ExampleRun(call, str(example["shown"]), show(result.value),
                               mismatch is None, "" if mismatch is None else mismatch.reason))
    passed = sum(r.passed for r in runs)
    status: CheckStatus = "examples-pass" if passed == len(runs) else "examples-fail"
    return replace(base, status=status, examples=tuple(runs),
                   message=f"{passed} of {len(runs)} public examples pass.")


def check_graded(folder: Folder) -> CheckReport:
    """Check a graded folder without its key: readability, unknown keys, unanswered parts,
    and the public examples of function parts."""
    import contextlib

    answers = read_answers(folder.path / ANSWERS_FILE)
    report = CheckReport(folder.name, folder.student, [])
    if answers.problem is not None and "missing" not in answers.problem:
        report.problems.append(answers.problem)
    else:
        report.problems += _unknown_keys(folder.path / ANSWERS_FILE, folder.exercises)
    functions = [p for e in folder.exercises for p in e["parts"] if p["kind"] == "function"]
    tree: ast.Module | None = None
    syntax: str | None = None
    solution = folder.path / SOLUTION_FILE
    sandbox: Any = None
    if functions and solution.is_file():
        try:
            tree = ast.parse(solution.read_text(encoding="utf-8"), filename=SOLUTION_FILE)
        except (SyntaxError, ValueError, UnicodeDecodeError) as exc:
            line = getattr(exc, "lineno", None)
            where = f" (line {line})" if line else ""
            syntax = f"{SOLUTION_FILE} is not valid Python{where}: {exc}"
        if tree is not None and any(p.get("examples") for p in functions):
            from .sandbox import Limits, Sandbox

            # the student's own code on their own machine: the OS boundary where there
            # is one, the limits alone where there is not
            sandbox = Sandbox(solution, Limits(), isolation="preferred")
    with sandbox if sandbox is not None else contextlib.nullcontext():
        for exercise in folder.exercises:
            parts = []
            for part in exercise["parts"]:
                if part["kind"] == "function":
                    if not solution.is_file():
                        parts.append(PartCheck(str(part["id"]), "function",
                                               float(part["points"]), "unanswered",
                                               message=f"No {SOLUTION_FILE} here."))
                    else:
                        parts.append(_check_function(part, tree, syntax, sandbox))
                    continue
                given = answers.get(str(exercise["id"]), str(part["id"]))
                if given is None or not given.strip():
                    parts.append(PartCheck(str(part["id"]), str(part["kind"]),
                                           float(part["points"]), "unanswered",
                                           message="No answer yet."))
                else:
                    parts.append(_read_text_answer(part, given.strip()))
            report.exercises.append(ExerciseCheck(str(exercise["id"]),
                                                  str(exercise.get("title") or ""),
                                                  tuple(parts)))
    return report


# -- output -------------------------------------------------------------------------------

MARKS = {"read": "•", "defined": "•", "examples-pass": "•", "unreadable": "?",
         "unanswered": "·", "examples-fail": "✗", "error": "!"}
GRADED_NOTE = ("graded work: this check reads your answers and runs the public examples. "
               "It does not know the answers; your score comes from your instructor's "
               "grading.")
PRACTICE_NOTE = "practice: graded in full, with the expected answers."


def render_check_text(report: CheckReport) -> str:
    import textwrap

    from .reports.text import points

    lines = [f"{report.assignment} · {report.student}", *textwrap.wrap(GRADED_NOTE, 88), ""]
    parts = report.parts()
    width = max((len(p.id) for _, p in parts), default=4) + 2
    for exercise in report.exercises:
        total = sum(p.points for p in exercise.parts)
        lines.append(f"{exercise.id}  ({points(total)} points)")
        for part in exercise.parts:
            if part.status in ("read",):
                what = f"read as {part.understood}"
            elif part.status == "unanswered":
                what = "unanswered" + (f": {part.message}" if part.message else "")
            else:
                what = part.message.splitlines()[0] if part.message else part.status
            lines.append(f"  {MARKS[part.status]} {part.id.ljust(width)}{part.kind:<10}{what}")
            if part.status == "unreadable":
                lines += [f"      {line}" for line in part.message.splitlines()[1:]]
            for run in part.examples:
                got = run.returned if run.returned is not None else run.problem
                verdict = "ok" if run.passed else f"differs: {run.problem}" \
                    if run.returned is not None else "failed"
                lines.append(f"      {run.call} → {got} (example's output {run.expected}; "
                             f"{verdict})")
        lines.append("")
    lines += report.problems + ([""] if report.problems else [])
    missing = report.unanswered
    answered = len(parts) - len(missing)
    summary = f"{answered} of {len(parts)} parts answered"
    if missing:
        summary += f"; unanswered: {', '.join(f'{e.id} → {p.id}' for e, p in missing)}"
    lines += textwrap.wrap(summary, 88, subsequent_indent="  ")
    return "\n".join(lines) + "\n"


def render_check_json(report: CheckReport) -> str:
    import json

    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"

"""Grading one submission: `grade(submission, assignment, student) -> Result`.

The student's answers.yaml is read as text only; their solution.py runs in one sandboxed
child for all function parts. Whatever goes wrong with one part costs that part only.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from . import handin, views, yamlfile
from .assignment import Assignment
from .checkers import Outcome, check_answer
from .errors import SubmissionError
from .handin import ANSWERS_FILE, SOLUTION_FILE
from .result import ExerciseResult, PartResult, Result
from .spec import Part
from .suggest import closest
from .variants import Variant

if TYPE_CHECKING:
    from .sandbox import Isolation


@dataclass
class Answers:
    """The text answers of a submission, or why they could not be read.

    `problem` is set when the file cannot be used at all (missing, too large, not a
    mapping); `broken` holds the parts whose own line could not be read, with why and how
    to fix it; every other answer is read even when the YAML as a whole is broken.
    """

    values: dict[str, dict[str, str]]
    problem: str | None = None
    broken: dict[tuple[str, str], str] = field(default_factory=dict)

    def get(self, exercise_id: str, part_id: str) -> str | None:
        return self.values.get(exercise_id, {}).get(part_id)

    def unknown_hint(self, exercise_id: str, part_id: str, part_ids: list[str],
                     exercise_ids: list[str]) -> str:
        """Why a part may look unanswered: a misspelled part key under its exercise, or
        its answers under a misspelled exercise id."""
        for key in self.values.get(exercise_id, {}):
            if key not in part_ids and closest(key, part_ids) == part_id:
                return f" answers.yaml has an unknown part '{key}'; did you mean '{part_id}'?"
        for key in self.values:
            if key not in exercise_ids and closest(key, exercise_ids) == exercise_id:
                return (f" answers.yaml has an unknown exercise '{key}'; did you mean "
                        f"'{exercise_id}'?")
        return ""


def read_answers(path: Path) -> Answers:
    """answers.yaml → {exercise: {part: text}}; a broken file is reported, not raised, and
    a YAML slip costs only the answers on the lines that cannot be read.

    Read as a hand-in: a regular file only, never through a link (`grader.handin`)."""
    try:
        raw = handin.read_file(path.parent, path.name, handin.CAPS[ANSWERS_FILE])
    except handin.HandinError as exc:
        return Answers({}, exc.message)
    text = raw.decode("utf-8", errors="replace")
    try:
        doc = yamlfile.load(path, SubmissionError, text_only=True, source=text)
    except SubmissionError:
        return read_by_lines(text, path.name)
    data = doc.data
    if data is None or data == "":
        return Answers({})
    if not isinstance(data, dict):
        return Answers({}, f"{path.name} must map exercise ids to their parts' answers")
    answers = Answers({})
    for exercise_id, parts in data.items():
        if not isinstance(parts, dict):
            continue
        values = answers.values.setdefault(str(exercise_id), {})
        for key, value in parts.items():
            if isinstance(value, str):
                values[str(key)] = value
            else:
                line = doc.line([exercise_id, key])
                answers.broken[(str(exercise_id), str(key))] = _quote_hint(
                    path.name, line, str(key), _flatten(value),
                    "the answer is a list, not text (a line starting with '- ' makes one)"
                    if isinstance(value, list) else "the answer is not text")
    return answers


_TOP_KEY = re.compile(r"^(?P<key>[^\s#-][^#]*?)\s*:(?:\s+(?P<value>.*?))?\s*$")
_PART_KEY = re.compile(r"^(?P<indent>\s+)(?P<key>[^\s#-][^:#]*?)\s*:(?:\s+(?P<value>.*?))?\s*$")


def read_by_lines(text: str, name: str = ANSWERS_FILE) -> Answers:
    """Answers from a file whose YAML is broken, one line at a time, as generate writes
    them (`exercise:` then indented `part: answer`): every line that can be read counts,
    and a part whose line cannot be read is reported with the line and how to quote it.
    A part line that lost its indentation still belongs to the exercise above it."""
    answers = Answers({})
    exercise: str | None = None
    last_part: tuple[str, str, int] | None = None
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        top = _TOP_KEY.match(line)
        if top and not top.group("value") and ("/" in top.group("key") or exercise is None):
            exercise = _unquote(top.group("key"))
            answers.values.setdefault(exercise, {})
            last_part = None
            continue
        item = _PART_KEY.match(line) or top
        if item is not None and exercise is not None:
            key = _unquote(item.group("key"))
            value = item.group("value") or ""
            last_part = (exercise, key, n)
            if not value:
                continue
            try:
                loaded = yaml.load(f"k: {value}", Loader=yaml.BaseLoader)
                answer = loaded["k"] if isinstance(loaded, dict) else None
            except yaml.YAMLError as exc:
                reason = str(getattr(exc, "problem", None) or "not valid YAML")
                answers.broken[(exercise, key)] = _quote_hint(name, n, key, value, reason)
                continue
            if isinstance(answer, str):
                answers.values[exercise][key] = answer
            else:
                answers.broken[(exercise, key)] = _quote_hint(name, n, key, value,
                                                              "the answer is not text")
            continue
        if last_part is not None and line.lstrip().startswith("- "):
            ex, key, _ = last_part
            answers.broken[(ex, key)] = _quote_hint(
                name, n, key, line.strip(), "a line starting with '- ' makes a list in YAML")
    return answers


def _quote_hint(name: str, line: int | None, key: str, value: str, reason: str) -> str:
    where = f"{name} line {line}" if line else name
    return (f"{where} could not be read ({reason}); write the answer in quotes on the "
            f"part's line: {key}: {json.dumps(value, ensure_ascii=False)}")


def _flatten(value: object) -> str:
    if isinstance(value, list):
        return " ".join(f"- {_flatten(v)}" for v in value)
    return str(value)


def _unquote(key: str) -> str:
    key = key.strip()
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "'\"":
        return key[1:-1]
    return key


def grade(submission: Path | str, assignment: Assignment, student: str, *,
          isolation: Isolation = "required") -> Result:
    """Grade the submission folder of `student` for `assignment`.

    `isolation`: how the student's code runs (see `grader.sandbox`): "required" for
    others' code (BoundaryUnavailable where the OS cannot isolate it), "preferred" for a
    student's own check, "off" for code the instructor trusts."""
    from .sandbox import Limits

    submission = Path(submission)
    if not submission.is_dir():
        raise SubmissionError("not a folder", file=submission)
    if not handin.is_plain_folder(submission):
        raise SubmissionError("a symbolic link, not a hand-in folder: it is not followed",
                              file=submission)
    answers = read_answers(submission / ANSWERS_FILE)
    variants = assignment.variants(student)
    needs_code = any(p.kind == "function" for v in variants for p in v.spec.parts)
    sandbox = None
    if needs_code:
        from .checkers.function import open_sandbox

        sandbox = open_sandbox(submission / SOLUTION_FILE, Limits(), isolation)
    # One child for all function parts of the submission, closed whatever happens.
    with sandbox if sandbox is not None else contextlib.nullcontext():
        exercises = tuple(
            _grade_exercise(assignment, variant, answers, sandbox) for variant in variants)
    return Result(assignment.name, student, exercises)


def _grade_exercise(assignment: Assignment, variant: Variant, answers: Answers,
                    sandbox: Any) -> ExerciseResult:
    scale = assignment.scale(variant.id)
    parts = []
    for part in variant.spec.parts:
        given: str | None = None
        if part.kind == "function":
            from .checkers.function import check_function

            outcome = check_function(sandbox, assignment.bank, variant, part)
        elif answers.problem is not None:
            outcome = Outcome("invalid" if "missing" not in answers.problem else "missing",
                              0.0, answers.problem)
        elif (variant.id, part.id) in answers.broken:
            outcome = Outcome("invalid", 0.0, answers.broken[(variant.id, part.id)])
        else:
            given = answers.get(variant.id, part.id)
            outcome = check_answer(variant, part, given)
            if outcome.status == "missing":
                hint = answers.unknown_hint(variant.id, part.id,
                                            [p.id for p in variant.spec.parts],
                                            list(assignment.exercise_ids))
                outcome = replace(outcome, feedback=outcome.feedback + hint)
        parts.append(_part_result(variant, part, outcome, given, scale))
    # Always computed: the gradebook and instructor reports keep them; what a student
    # is shown goes through secrecy.student_view.
    solution = None
    if variant.spec.solution:
        solution = views.text(variant, variant.spec.solution, "solution")
    return ExerciseResult(variant.id, tuple(parts), variant.spec.title, solution)


def _part_result(variant: Variant, part: Part, outcome: Outcome, given: str | None,
                 scale: float) -> PartResult:
    max_score = part.points * scale
    expected = views.expected_text(variant, part)
    return PartResult(
        id=part.id, kind=part.kind, score=max_score * outcome.credit, max_score=max_score,
        status=outcome.status, note=outcome.note, feedback=outcome.feedback,
        given=given, expected=expected,
    )

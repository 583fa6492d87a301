"""Grading one submission: `grade(submission, assignment, student) -> Result`.

The student's answers.yaml is read as text only; their solution.py runs in one sandboxed
child for all function parts. Whatever goes wrong with one part costs that part only.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import handin, views, yamlfile
from .assignment import Assignment
from .checkers import Outcome, check_answer
from .errors import SubmissionError
from .handin import ANSWERS_FILE, SOLUTION_FILE
from .result import ExerciseResult, PartResult, Result
from .spec import Part
from .variants import Variant

if TYPE_CHECKING:
    from .sandbox import Isolation


@dataclass
class Answers:
    """The text answers of a submission, or why they could not be read."""

    values: dict[str, dict[str, str]]
    problem: str | None = None

    def get(self, exercise_id: str, part_id: str) -> str | None:
        return self.values.get(exercise_id, {}).get(part_id)


def read_answers(path: Path) -> Answers:
    """answers.yaml → {exercise: {part: text}}; a broken file is reported, not raised.

    Read as a hand-in: a regular file only, never through a link (`grader.handin`)."""
    try:
        raw = handin.read_file(path.parent, path.name, handin.CAPS[ANSWERS_FILE])
    except handin.HandinError as exc:
        return Answers({}, exc.message)
    try:
        doc = yamlfile.load(path, SubmissionError, text_only=True,
                            source=raw.decode("utf-8", errors="replace"))
    except SubmissionError as exc:
        where = f" (line {exc.line})" if exc.line else ""
        return Answers({}, f"{path.name}{where}: {exc.detail}. If an answer starts with a "
                           "special character such as [ { * & or contains ': ', put it in quotes.")
    data = doc.data
    if data is None or data == "":
        return Answers({})
    if not isinstance(data, dict):
        return Answers({}, f"{path.name} must map exercise ids to their parts' answers")
    values: dict[str, dict[str, str]] = {}
    for exercise_id, parts in data.items():
        if isinstance(parts, dict):
            values[str(exercise_id)] = {str(k): v for k, v in parts.items() if isinstance(v, str)}
    return Answers(values)


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
        else:
            given = answers.get(variant.id, part.id)
            outcome = check_answer(variant, part, given)
        parts.append(_part_result(assignment, variant, part, outcome, given, scale))
    solution = None
    if assignment.show_solution and variant.spec.solution:
        solution = views.text(variant, variant.spec.solution, "solution")
    return ExerciseResult(variant.id, tuple(parts), variant.spec.title, solution)


def _part_result(assignment: Assignment, variant: Variant, part: Part, outcome: Outcome,
                 given: str | None, scale: float) -> PartResult:
    max_score = part.points * scale
    expected = views.expected_text(variant, part) if assignment.show_expected else None
    return PartResult(
        id=part.id, kind=part.kind, score=max_score * outcome.credit, max_score=max_score,
        status=outcome.status, note=outcome.note, feedback=outcome.feedback,
        given=given, expected=expected,
    )

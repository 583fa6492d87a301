"""The secrecy model: what the instructor keeps, what a student is given, and when.

What                                      Instructor   Student's folder and student-facing
                                                       outputs, for graded work
salt, reference code, answer formulas     always       never
  of a private bank, answer key,
  gradebook, class report
their own parameter values, prompt,       always       always
  public examples of function parts
  (with their outputs)
expected values, worked solutions         always       only once released
correctness of a part                     always       from the graded run (CI or the
                                                       instructor), never from `grader check`

Student-facing outputs are everything `grader grade` prints or writes (text, JSON, HTML,
JUnit, Gradescope, GitHub Classroom's summary and result) and `grade-all`'s
`students/<id>.json` and `.html`. Instructor outputs are the answer key, the gradebook,
`grades.csv` and the class report: they always hold everything.

A release happens by the instructor's say-so only: `grader release`, `--release` on
`grade`/`grade-all`, or `release: after-due` in the assignment once its `due` time has
passed. The student's `.grader.yaml` is never asked: it holds nothing secret, so
nothing a student edits there can reveal more. A **practice** assignment has no secrets
and shows everything at once.

Grading itself always computes the expected values and solutions (the gradebook keeps
them); `student_view` removes them from what a student is shown.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from .assignment import Assignment
from .result import Result


def released(assignment: Assignment, *, release: bool = False,
             recorded: bool = False, now: datetime | None = None) -> bool:
    """Whether students may see expected values and solutions now: by the assignment's
    own settings (practice, `release: after-due`), by `--release`, or by a release
    recorded in the gradebook (`recorded`)."""
    return release or recorded or assignment.released(now)


def student_view(result: Result, assignment: Assignment, *, is_released: bool) -> Result:
    """What a student may see of the instructor's `result`: before a release, no expected
    value and no worked solution; after one, what the assignment's show_* keys allow."""
    show_expected = is_released and assignment.show_expected
    show_solution = is_released and assignment.show_solution
    if show_expected and show_solution:
        return result
    exercises = tuple(
        replace(exercise,
                solution=exercise.solution if show_solution else None,
                parts=tuple(part if show_expected else replace(part, expected=None)
                            for part in exercise.parts))
        for exercise in result.exercises)
    return replace(result, exercises=exercises)

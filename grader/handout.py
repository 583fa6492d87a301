"""What was handed out: a fingerprint of each student's variant, recorded by `generate`, so
that a spec edited afterwards cannot silently change what a student is graded against.

The record lives beside the assignment file (`hw1.yaml` → `hw1.handed-out.json`), on the
instructor's side. A variant's fingerprint covers what the student was given to work
with: the drawn parameter values and each part's id, kind and options. A spec change
that alters them for a student already handed their variant makes `grade` and
`grade-all` refuse, naming the exercises and how many students, unless the instructor
accepts the change (`--accept-changes`) or hands out the new variants (`generate`
again, which records them). Wording and answer formulas are not part of it: fixing an
answer is a regrade with the reason "assignment changed", recorded in the gradebook.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .assignment import Assignment
from .errors import AssignmentError, VariantsChangedError
from .files import read_text, write_atomic
from .variants import Variant

SCHEMA = "grader.handed-out/1"


_PACKAGE = Path(__file__).resolve().parent


def record_path(assignment: Assignment) -> Path | None:
    """Where the handed-out variants of `assignment` are recorded: beside its file. None
    for an assignment without a file, or one inside the installed package (the bundled
    demo: `grader demo` copies it out first; nothing is written into the package)."""
    if assignment.path is None or assignment.path.resolve().is_relative_to(_PACKAGE):
        return None
    return assignment.path.with_name(assignment.path.stem + ".handed-out.json")


def fingerprint(variant: Variant) -> str:
    """sha256 of what a student was given to work with in one exercise."""
    data: dict[str, Any] = {
        "id": variant.id,
        "params": {k: repr(v) for k, v in variant.params.items()},
        "parts": [[p.id, p.kind, list(p.options)] for p in variant.spec.parts],
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _load(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(read_text(path, AssignmentError))
        if data.get("schema") != SCHEMA:
            raise ValueError("not a record of handed-out variants")
        students = data["students"]
        return {str(s): {str(e): str(f) for e, f in ex.items()} for s, ex in students.items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AssignmentError(f"damaged record of handed-out variants ({exc}); run "
                              "`grader generate` again to rewrite it", file=path) from None


def record(assignment: Assignment, students: Iterable[str]) -> Path | None:
    """Add (or renew) the fingerprints of `students`' variants; return the record's path."""
    path = record_path(assignment)
    if path is None:
        return None
    known = _load(path) if path.is_file() else {}
    for student in students:
        known[student] = {i: fingerprint(assignment.variant(student, i))
                          for i in assignment.exercise_ids}
    write_atomic(path, json.dumps({"schema": SCHEMA, "assignment": assignment.name,
                                   "students": dict(sorted(known.items()))}, indent=1) + "\n")
    return path


def changed(assignment: Assignment, students: Iterable[str]) -> dict[str, list[str]]:
    """Exercise id → the students among `students` whose variant differs from the one
    handed out (students without a record are not checked)."""
    path = record_path(assignment)
    if path is None or not path.is_file():
        return {}
    known = _load(path)
    found: dict[str, list[str]] = {}
    for student in students:
        given = known.get(student)
        if not given:
            continue
        for exercise_id in assignment.exercise_ids:
            if exercise_id in given and \
                    given[exercise_id] != fingerprint(assignment.variant(student, exercise_id)):
                found.setdefault(exercise_id, []).append(student)
    return found


def refuse_changes(assignment: Assignment, students: Iterable[str]) -> None:
    """Raise VariantsChangedError, in one line, when handed-out variants would change."""
    found = changed(assignment, students)
    if not found:
        return
    what = "; ".join(f"{e} ({len(s)} student{'' if len(s) == 1 else 's'})"
                     for e, s in found.items())
    raise VariantsChangedError(f"the exercises changed since their variants were handed out: "
                          f"{what}. Grade with --accept-changes to use the new variants, "
                          "or undo the change")

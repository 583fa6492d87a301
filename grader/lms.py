"""Grade files that learning management systems import as they are.

grades.csv      the grader's own: id, name, email, score, max_score, percent, one column
                per exercise (batch.grades_csv)
canvas.csv      Canvas's gradebook import layout: Student, ID, SIS User ID, SIS Login ID,
                Section, then one column for this assignment, after a "Points Possible"
                row. Canvas matches students by ID or SIS User ID / SIS Login ID, so the
                cells of a Canvas export used as the roster are written back unchanged;
                with another roster the grader's id goes where its column says it belongs.
                The assignment column reuses an export's "<name> (<Canvas id>)" header when
                there is one, so the grades land in that assignment rather than a new one.
moodle.csv      for Moodle's "Import grades from CSV": identifier columns the wizard maps
                to a user field (ID number, username or email address), the names, and
                one grade column.

Scores follow the one rounding rule (reports.text.rounded); a student with no attempt
gets an empty cell, which both systems leave alone rather than record as 0.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

from .assignment import Assignment, Student
from .reports.text import points
from .result import Result

CANVAS_FILE = "canvas.csv"
MOODLE_FILE = "moodle.csv"
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
# Which Canvas column a plain roster's id column stands for.
_LOGIN_COLUMNS = frozenset({"username", "login", "sis login id", "github", "github_username",
                            "github username", "email", "email address"})


def cell(text: str) -> str:
    """A text cell that stays text in a spreadsheet: "=HYPERLINK(...)" is not a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def number(x: float) -> str:
    """A score for a CSV cell, by the one rounding rule."""
    return points(x)


def _writer() -> tuple[io.StringIO, Any]:
    buffer = io.StringIO()
    return buffer, csv.writer(buffer, lineterminator="\n")


def _column(student: Student, *names: str) -> str:
    lowered = {k.casefold(): v for k, v in student.columns.items()}
    return next((lowered[n.casefold()] for n in names if lowered.get(n.casefold())), "")


def canvas_column(assignment: Assignment, people: Iterable[Student]) -> str:
    """The assignment's column header: an existing Canvas assignment's if the roster is a
    Canvas export that has one named like this assignment, else the assignment's title."""
    wanted = {assignment.name.casefold(), assignment.title.casefold()}
    first = next(iter(people), None)           # every row of a roster has its header
    for header in first.columns if first is not None else ():
        match = re.fullmatch(r"(.*\S)\s*\(\d+\)", header.strip())
        if match and match.group(1).casefold() in wanted:
            return header.strip()
    return assignment.title


def canvas_csv(assignment: Assignment, people: Iterable[Student], latest: dict[str, Result],
               id_column: str | None = None) -> str:
    """Canvas's gradebook import CSV. `id_column` is the roster column the ids came from."""
    people = list(people)
    buffer, writer = _writer()
    writer.writerow([*CANVAS_IDENTITY, canvas_column(assignment, people)])
    writer.writerow(["Points Possible", "", "", "", "", number(assignment.max_score)])
    source = (id_column or "").casefold()
    for person in people:
        canvas_id = _column(person, "ID") if "sis user id" in {
            k.casefold() for k in person.columns} else ""
        sis_user = _column(person, "SIS User ID")
        sis_login = _column(person, "SIS Login ID")
        if not (canvas_id or sis_user or sis_login):
            if source in _LOGIN_COLUMNS:
                sis_login = person.id
            else:
                sis_user = person.id
        result = latest.get(person.id)
        writer.writerow([cell(_column(person, "Student") or person.name), canvas_id,
                         cell(sis_user), cell(sis_login), cell(_column(person, "Section")),
                         number(result.score) if result is not None else ""])
    return buffer.getvalue()


def moodle_csv(assignment: Assignment, people: Iterable[Student],
               latest: dict[str, Result]) -> str:
    """A CSV for Moodle's grade import: map "ID number", "Username" or "Email address" to
    the user field it holds, and the assignment's column to its grade item."""
    buffer, writer = _writer()
    writer.writerow(["ID number", "Username", "Email address", "First name", "Last name",
                     assignment.title])
    for person in people:
        first = _column(person, "First name")
        last = _column(person, "Last name")
        if not (first or last):
            first, _, last = person.name.partition(" ")
        result = latest.get(person.id)
        writer.writerow([cell(_column(person, "ID number", "idnumber") or person.id),
                         cell(_column(person, "Username") or person.id),
                         cell(_column(person, "Email address", "Email") or person.email),
                         cell(first), cell(last),
                         number(result.score) if result is not None else ""])
    return buffer.getvalue()

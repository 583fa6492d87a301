"""Assignments (which exercises, which salt, which bank) and rosters (who takes them)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from . import yamlfile
from .bank import BUNDLED, Bank
from .errors import AssignmentError, BankError, RosterError
from .files import read_text
from .spec import Spec
from .variants import Variant, make_variant, variant_seed

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")


@dataclass(frozen=True)
class Item:
    """One exercise of an assignment; `points` rescales its parts to that total."""

    id: str
    points: float | None = None


@dataclass
class Assignment:
    name: str
    title: str
    salt: str
    items: tuple[Item, ...]
    bank: Bank
    path: Path | None = None
    # What a *released* student report shows (see grader/secrecy.py): before a release,
    # graded work shows neither, whatever these say.
    show_expected: bool = True
    show_solution: bool = True
    bank_ref: tuple[str, ...] | None = None    # the `bank` key's entries as written, if any
    practice: bool = False               # no secrets: `grader check` gives full feedback
    due: datetime | None = None          # hand-ins after it are flagged late
    release: str | None = None           # "after-due": expected values shown once due
    # exercise id → seed, for a practice folder's `grader check` (it has no salt)
    seeds: dict[str, int] | None = None
    _cache: dict[tuple[str, str], Variant] = field(default_factory=dict, repr=False)

    @property
    def exercise_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    def spec(self, exercise_id: str) -> Spec:
        return self.bank.spec(exercise_id)

    def scale(self, exercise_id: str) -> float:
        """Factor that turns a spec's points into the assignment's points for it."""
        for item in self.items:
            if item.id == exercise_id and item.points is not None:
                return item.points / self.spec(exercise_id).points
        return 1.0

    def variant(self, student: str, exercise_id: str) -> Variant:
        key = (student, exercise_id)
        if key not in self._cache:
            if self.seeds is not None:
                seed = self.seeds[exercise_id]
            else:
                seed = variant_seed(self.salt, student, exercise_id)
            self._cache[key] = make_variant(self.spec(exercise_id), seed)
        return self._cache[key]

    def variants(self, student: str) -> list[Variant]:
        return [self.variant(student, i) for i in self.exercise_ids]

    @property
    def max_score(self) -> float:
        return sum(self.spec(i).points * self.scale(i) for i in self.exercise_ids)

    def released(self, now: datetime | None = None) -> bool:
        """Whether students may see expected values and worked solutions by the
        assignment's own settings: practice work always, `release: after-due` once due.
        (`grader release` and `--release` release them too; see grader/secrecy.py.)"""
        if self.practice:
            return True
        if self.release == "after-due" and self.due is not None:
            return (now or datetime.now(timezone.utc)) >= self.due
        return False


def assignment_data(assignment: Assignment, bank: object = None) -> dict[str, Any]:
    """The assignment as an assignment file holds it, with `bank` as given (None: left
    out): what copies of it (a Classroom template, a Gradescope autograder) carry, so
    that they grade, and keep back, what the original does."""
    data: dict[str, Any] = {"name": assignment.name, "title": assignment.title,
                            "salt": assignment.salt}
    if bank is not None:
        data["bank"] = bank
    if assignment.practice:
        data["practice"] = True
    if assignment.due is not None:
        data["due"] = assignment.due.isoformat()
    if assignment.release is not None:
        data["release"] = assignment.release
    if not assignment.show_expected:
        data["show_expected"] = False
    if not assignment.show_solution:
        data["show_solution"] = False
    data["exercises"] = [item.id if item.points is None else {"id": item.id, "points": item.points}
                         for item in assignment.items]
    return data


def parse_due(value: Any) -> datetime:
    """`due` as an aware datetime: ISO 8601 text or YAML's timestamp, with a time zone
    (a deadline without one means different times on different machines)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        raise ValueError("give a time as well as the date, e.g. 2026-12-01T23:59:00+01:00")
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 time such as "
                             "2026-12-01T23:59:00+01:00") from None
    if not isinstance(value, datetime):
        raise ValueError("expected a time such as 2026-12-01T23:59:00+01:00")
    if value.tzinfo is None:
        raise ValueError("give a time zone, e.g. 2026-12-01T23:59:00+01:00 or ...Z")
    return value.astimezone(timezone.utc)


def _due(doc: yamlfile.Document) -> datetime | None:
    raw = doc.data.get("due")
    if raw is None:
        return None
    try:
        return parse_due(raw)
    except ValueError as exc:
        raise doc.error(AssignmentError, str(exc), ["due"]) from None


def load_assignment(path: Path | str, *, bank: Bank | None = None) -> Assignment:
    """Read and check an assignment file; every exercise it names must load."""
    path = Path(path)
    doc = yamlfile.load(path, AssignmentError)
    if not isinstance(doc.data, dict):
        raise AssignmentError("an assignment must be a mapping of keys", file=path)
    yamlfile.check_schema(doc, "assignment", AssignmentError)
    data = doc.data
    bank_ref = bank_entries(data.get("bank"))
    if bank is None:
        try:
            bank = open_banks(bank_ref, path.parent)
        except BankError as exc:
            raise doc.error(AssignmentError, f"{exc.detail}: {exc.file}", ["bank"]) from None
    items = []
    seen: set[str] = set()
    for i, raw in enumerate(data["exercises"]):
        item = Item(raw) if isinstance(raw, str) else Item(raw["id"], raw.get("points"))
        where: list[str | int] = ["exercises", i]
        if not isinstance(raw, str):
            where.append("id")
        if item.id in seen:
            raise doc.error(AssignmentError, f"'{item.id}' is listed twice", where)
        seen.add(item.id)
        if item.id not in bank.ids:
            from .bank import _closest

            raise doc.error(AssignmentError, f"no exercise '{item.id}' in "
                            f"{bank.describe()}{_closest(item.id, bank.ids)}", where)
        try:
            bank.owner(item.id)
        except BankError as exc:
            raise doc.error(AssignmentError, exc.detail, where) from None
        items.append(item)
    assignment = Assignment(
        name=str(data["name"]), title=str(data.get("title") or data["name"]),
        salt=str(data["salt"]), items=tuple(items), bank=bank, path=path.resolve(),
        show_expected=bool(data.get("show_expected", True)),
        show_solution=bool(data.get("show_solution", True)), bank_ref=bank_ref,
        practice=bool(data.get("practice", False)), due=_due(doc),
        release=data.get("release"),
    )
    if assignment.release == "after-due" and assignment.due is None:
        raise doc.error(AssignmentError, "release: after-due needs a `due` time", ["release"])
    if assignment.practice and assignment.release is not None:
        raise doc.error(AssignmentError, "a practice assignment shows everything at once; "
                        "`release` applies to graded work only", ["release"])
    for item in items:
        assignment.spec(item.id)       # a broken spec is reported now, not mid-batch
    return assignment


def bank_entries(value: object) -> tuple[str, ...] | None:
    """The `bank` key's entries: one folder, or a list of folders and `bundled`."""
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    raise BankError(f"bank must be a folder or a list of them, not {value!r}")


def open_banks(entries: tuple[str, ...] | None, base: Path) -> Bank:
    """The bank an assignment draws from: each entry a folder relative to `base`, or
    `bundled` for the package's own; none at all means the bundled bank alone."""
    if not entries:
        return Bank()
    return Bank.combine([None if e == BUNDLED else (base / e) for e in entries])


@dataclass(frozen=True)
class Student:
    id: str
    name: str = ""
    email: str = ""
    # The roster row as read (header → cell), for LMS files that need the LMS's own
    # columns back (Canvas's ID, SIS User ID, Section ...).
    columns: dict[str, str] = field(default_factory=dict, compare=False, hash=False,
                                    repr=False)


class Roster(list[Student]):
    """The students of a roster file, and how they were read: `kind` (a Canvas gradebook
    export, a Moodle participants export, or a plain CSV) and `id_column`, the column the
    ids came from, so the instructor can see it was the right one."""

    def __init__(self, students: list[Student], *, kind: str, id_column: str,
                 skipped: list[str] | None = None) -> None:
        super().__init__(students)
        self.kind = kind
        self.id_column = id_column
        self.skipped = skipped or []

    def describe(self) -> str:
        count = len(self)
        text = (f"{count} student{'' if count == 1 else 's'} from a {self.kind}, "
                f"ids from column '{self.id_column}'")
        return text + (f"; skipped {', '.join(self.skipped)}" if self.skipped else "")


ID_COLUMNS = ("id", "student_id", "student id", "sis user id", "sis_user_id", "username",
              "login", "sis login id", "github", "github_username", "github username",
              "identifier", "id number", "idnumber")
NAME_COLUMNS = ("name", "full name", "full_name", "student name", "student")
EMAIL_COLUMNS = ("email", "e-mail", "email address", "mail")

# A Canvas gradebook export: Student, ID, SIS User ID, SIS Login ID, Section, then one
# column per assignment; its second row is "Points Possible" (newer exports add more
# such rows), and the course's "Test Student" has no SIS ids.
CANVAS_COLUMNS = ("student", "id", "sis user id", "sis login id")
CANVAS_IDS = ("sis user id", "sis login id", "id")       # preferred first: they name people
CANVAS_META_ROWS = ("points possible", "manual posting")
CANVAS_TEST_STUDENTS = ("student, test", "test student")
# A Moodle participants export: First name, Last name, the site's identity fields (ID
# number, Username, Email address ...), Roles, Groups.
MOODLE_COLUMNS = ("first name", "last name")
MOODLE_IDS = ("id number", "idnumber", "username", "email address")


def load_roster(path: Path | str, id_column: str | None = None) -> Roster:
    """Students from an LMS-style CSV: an id column (name and email optional).

    A Canvas gradebook export or a Moodle participants export is read as such: ids from
    the SIS/login columns rather than Canvas's internal numbers, Canvas's
    "Points Possible" row and test student left out.
    """
    path = Path(path)
    text = read_text(path, RosterError, encoding="utf-8-sig")   # -sig: Excel's BOM
    dialect: type[csv.Dialect] | csv.Dialect
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(text.splitlines(), dialect))
    if not rows:
        raise RosterError("the roster is empty", file=path)
    header = [h.strip() for h in rows[0]]
    lowered = [h.casefold() for h in header]
    body = list(enumerate(rows[1:], start=2))

    def find(names: tuple[str, ...]) -> int | None:
        return next((lowered.index(n) for n in names if n in lowered), None)

    def filled(at: int, lines: list[tuple[int, list[str]]]) -> bool:
        return bool(lines) and all(at < len(r) and r[at].strip() for _, r in lines)

    kind = "CSV roster"
    skipped: list[str] = []
    name_at: int | None = None
    id_at: int | None = None
    if all(c in lowered for c in CANVAS_COLUMNS):
        kind = "Canvas gradebook export"
        student_at = lowered.index("student")
        kept = []
        for line, row in body:
            who = row[student_at].strip().casefold() if student_at < len(row) else ""
            if who in CANVAS_META_ROWS:
                skipped.append(f"the '{row[student_at].strip()}' row")
            elif who in CANVAS_TEST_STUDENTS:
                skipped.append("Canvas's test student")
            else:
                kept.append((line, row))
        body = kept
        people = [(line, r) for line, r in body if any(c.strip() for c in r)]
        if id_column is None:
            id_at = next((lowered.index(c) for c in CANVAS_IDS if filled(lowered.index(c),
                                                                          people)), None)
        name_at = student_at
    elif all(c in lowered for c in MOODLE_COLUMNS):
        kind = "Moodle participants export"
        people = [(line, r) for line, r in body if any(c.strip() for c in r)]
        if id_column is None:
            id_at = next((lowered.index(c) for c in MOODLE_IDS
                          if c in lowered and filled(lowered.index(c), people)), None)

    if id_column is not None:
        if id_column.casefold() not in lowered:
            raise RosterError(f"no column '{id_column}' (columns: {', '.join(header)})",
                              file=path, line=1)
        id_at = lowered.index(id_column.casefold())
    elif id_at is None:
        id_at = find(ID_COLUMNS)
    if id_at is None:
        raise RosterError("no student id column; name one of: id, student_id, username, login, "
                          f"github (columns found: {', '.join(header) or 'none'})",
                          file=path, line=1)
    if name_at is None:
        name_at = find(tuple(n for n in NAME_COLUMNS if n != lowered[id_at]))
    first_at, last_at = find(("first name",)), find(("last name",))
    email_at = find(EMAIL_COLUMNS)
    students: list[Student] = []
    seen: dict[str, int] = {}
    for line, row in body:
        if not any(cell.strip() for cell in row):
            continue
        sid = row[id_at].strip() if id_at < len(row) else ""
        if not sid:
            raise RosterError(f"empty student id in column '{header[id_at]}'", file=path,
                              line=line)
        if not STUDENT_ID.match(sid):
            raise RosterError(f"student id {sid!r} has characters that cannot name a folder "
                              "(use letters, digits and . _ @ + -)", file=path, line=line)
        if sid in seen:
            raise RosterError(f"duplicate student id '{sid}' (first on line {seen[sid]})",
                              file=path, line=line)
        seen[sid] = line

        def cell(at: int | None, row: list[str] = row) -> str:
            return row[at].strip() if at is not None and at < len(row) else ""

        name = cell(name_at) or " ".join(p for p in (cell(first_at), cell(last_at)) if p)
        students.append(Student(sid, name, cell(email_at),
                                dict(zip(header, (c.strip() for c in row), strict=False))))
    if not students:
        raise RosterError("the roster lists no students", file=path)
    return Roster(students, kind=kind, id_column=header[id_at], skipped=skipped)

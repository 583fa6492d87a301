"""Assignments (which exercises, which salt, which bank) and rosters (who takes them)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

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
    show_expected: bool = True
    show_solution: bool = True
    bank_ref: tuple[str, ...] | None = None    # the `bank` key's entries as written, if any
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
            seed = variant_seed(self.salt, student, exercise_id)
            self._cache[key] = make_variant(self.spec(exercise_id), seed)
        return self._cache[key]

    def variants(self, student: str) -> list[Variant]:
        return [self.variant(student, i) for i in self.exercise_ids]

    @property
    def max_score(self) -> float:
        return sum(self.spec(i).points * self.scale(i) for i in self.exercise_ids)


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
    )
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


def assignment_from_metadata(folder: Path) -> tuple[Assignment, str]:
    """The assignment and student id recorded in a generated folder's .grader.yaml."""
    from .generate import META_FILE

    path = folder / META_FILE
    if not path.is_file():
        raise AssignmentError(f"no {META_FILE} here: run `grader check` in the folder you "
                              "were given, or pass that folder", file=folder)
    doc = yamlfile.load(path, AssignmentError)
    data = doc.data
    try:
        student = str(data["student"])
        meta = data["assignment"]
        # A bank other than the bundled one is a folder relative to this one (never a
        # path of the instructor's machine), wherever `grader check` runs from.
        entries = bank_entries(meta.get("bank"))
        bank = open_banks(entries, folder)
        items = tuple(Item(e) if isinstance(e, str) else Item(e["id"], e.get("points"))
                      for e in meta["exercises"])
        assignment = Assignment(
            name=str(meta["name"]), title=str(meta.get("title") or meta["name"]),
            salt=str(meta["salt"]), items=items, bank=bank, path=path,
            show_expected=bool(meta.get("show_expected", True)),
            show_solution=bool(meta.get("show_solution", True)), bank_ref=entries)
    except (KeyError, TypeError) as exc:
        raise AssignmentError(f"damaged file (missing {exc}); ask for a fresh copy",
                              file=path) from None
    except BankError as exc:
        raise AssignmentError("this assignment's exercises come from your instructor's own "
                              "bank, which is not in this folder; ask your instructor how "
                              f"to check your work ({exc})", file=path) from None
    for item in items:
        if item.id not in bank.ids:
            raise AssignmentError(f"exercise '{item.id}' is not in the installed bank; "
                                  "update the grader package", file=path)
    return assignment, student

"""Assignments (which exercises, which salt, which bank) and rosters (who takes them)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from . import yamlfile
from .bank import Bank
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
    bank_ref: str | None = None          # the `bank` key as written, if any
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
    bank_ref = data.get("bank")
    if bank is None:
        if bank_ref is not None:
            root = (path.parent / bank_ref).resolve()
            try:
                bank = Bank(root)
            except BankError as exc:
                raise doc.error(AssignmentError, f"{exc.detail}: {root}", ["bank"]) from None
        else:
            bank = Bank()
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

            raise doc.error(AssignmentError, f"no exercise '{item.id}' in the bank "
                            f"{bank.root}{_closest(item.id, bank.ids)}", where)
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


@dataclass(frozen=True)
class Student:
    id: str
    name: str = ""
    email: str = ""


ID_COLUMNS = ("id", "student_id", "student id", "sis user id", "sis_user_id", "username",
              "login", "github", "github_username", "github username", "identifier")
NAME_COLUMNS = ("name", "full name", "full_name", "student name", "student")
EMAIL_COLUMNS = ("email", "e-mail", "email address", "mail")


def load_roster(path: Path | str, id_column: str | None = None) -> list[Student]:
    """Students from an LMS-style CSV: an id column (name and email optional)."""
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

    def find(names: tuple[str, ...]) -> int | None:
        return next((lowered.index(n) for n in names if n in lowered), None)

    if id_column is not None:
        if id_column.casefold() not in lowered:
            raise RosterError(f"no column '{id_column}' (columns: {', '.join(header)})",
                              file=path, line=1)
        id_at: int | None = lowered.index(id_column.casefold())
    else:
        id_at = find(ID_COLUMNS)
    if id_at is None:
        raise RosterError("no student id column; name one of: id, student_id, username, login, "
                          f"github (columns found: {', '.join(header) or 'none'})",
                          file=path, line=1)
    name_at = find(tuple(n for n in NAME_COLUMNS if n != lowered[id_at]))
    email_at = find(EMAIL_COLUMNS)
    students: list[Student] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        sid = row[id_at].strip() if id_at < len(row) else ""
        if not sid:
            raise RosterError("empty student id", file=path, line=line)
        if not STUDENT_ID.match(sid):
            raise RosterError(f"student id {sid!r} has characters that cannot name a folder "
                              "(use letters, digits and . _ @ + -)", file=path, line=line)
        if sid in seen:
            raise RosterError(f"duplicate student id '{sid}' (first on line {seen[sid]})",
                              file=path, line=line)
        seen[sid] = line

        def cell(at: int | None, row: list[str] = row) -> str:
            return row[at].strip() if at is not None and at < len(row) else ""

        students.append(Student(sid, cell(name_at), cell(email_at)))
    if not students:
        raise RosterError("the roster lists no students", file=path)
    return students

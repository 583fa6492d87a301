"""The gradebook: every graded attempt, kept in one SQLite file, never overwritten.

A regrade adds an attempt; nothing updates or deletes one (triggers refuse it). Each
attempt is written in one transaction, so a batch killed mid-write loses only the
attempt it was writing. The schema version lives in `PRAGMA user_version`.

    with Gradebook(Path("out/gradebook.sqlite")) as book:
        book.add_student(Student("ada", "Ada Lovelace", "ada@example.edu"))
        attempt_id = book.record(result, submission_hash(Path("submissions/ada")))
        newest = book.latest("hw1")["ada"]
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Any

from . import handin
from .assignment import Student
from .errors import GradebookError
from .result import Result

SCHEMA_VERSION = 1
HASHED_FILES = (handin.ANSWERS_FILE, handin.SOLUTION_FILE)

# Version 1. Attempts and their parts are append-only: the triggers make an UPDATE or a
# DELETE fail loudly instead of silently rewriting a student's history.
_SCHEMA_V1 = """
CREATE TABLE students (
    id    TEXT PRIMARY KEY NOT NULL,
    name  TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT ''
);
CREATE TABLE attempts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    student_id      TEXT NOT NULL REFERENCES students(id),
    assignment      TEXT NOT NULL,
    graded_at       TEXT NOT NULL,
    score           REAL NOT NULL,
    max_score       REAL NOT NULL,
    grader_version  TEXT NOT NULL,
    submission_hash TEXT NOT NULL,
    assignment_hash TEXT,
    result_json     TEXT NOT NULL
);
CREATE INDEX attempts_by_student ON attempts (assignment, student_id, id);
CREATE TABLE part_results (
    attempt_id  INTEGER NOT NULL REFERENCES attempts(id),
    exercise_id TEXT NOT NULL,
    part_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL,
    score       REAL NOT NULL,
    max_score   REAL NOT NULL,
    note        TEXT,
    given       TEXT,
    expected    TEXT,
    PRIMARY KEY (attempt_id, exercise_id, part_id)
);
CREATE TRIGGER attempts_no_update BEFORE UPDATE ON attempts
BEGIN SELECT RAISE(ABORT, 'attempts are append-only'); END;
CREATE TRIGGER attempts_no_delete BEFORE DELETE ON attempts
BEGIN SELECT RAISE(ABORT, 'attempts are append-only'); END;
CREATE TRIGGER part_results_no_update BEFORE UPDATE ON part_results
BEGIN SELECT RAISE(ABORT, 'part results are append-only'); END;
CREATE TRIGGER part_results_no_delete BEFORE DELETE ON part_results
BEGIN SELECT RAISE(ABORT, 'part results are append-only'); END;
"""

_MIGRATIONS = {1: _SCHEMA_V1}    # version → the script that brings version-1 up to it

_ATTEMPT_COLUMNS = ("id, student_id, assignment, graded_at, score, max_score, grader_version, "
                    "submission_hash, assignment_hash, result_json")




@dataclass(frozen=True)
class Attempt:
    """One graded attempt, as stored; its Result is read from the JSON when first asked for."""

    id: int
    student: str
    assignment: str
    graded_at: str
    score: float
    max_score: float
    grader_version: str
    submission_hash: str
    assignment_hash: str | None
    result_json: str = field(repr=False)

    @cached_property
    def result(self) -> Result:
        return load_result(self.result_json)


def submission_hash(folder: Path) -> str:
    """sha256 over what a student hands in (answers.yaml, solution.py), to spot unchanged work.

    Each file is framed by its name and length, and a missing file differs from an empty
    one, so no two different hand-ins share a hash by concatenation.
    A file that is not read as a hand-in (a link, a FIFO, a device, too large: see
    `grader.handin`) is framed by what was wrong with it instead of its bytes; nothing is
    followed or read beyond the caps.
    """
    digest = hashlib.sha256(b"grader.submission/1\0")
    for name in HASHED_FILES:
        digest.update(name.encode() + b"\0")
        try:
            data = handin.read_file(folder, name, handin.CAPS[name])
        except handin.HandinError as exc:
            if exc.status == "missing":
                digest.update(b"-")
            else:
                digest.update(b"!" + exc.message.encode())
            continue
        digest.update(b"+" + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def result_json(result: Result) -> str:
    return json.dumps(result.to_record(), ensure_ascii=False)


def load_result(text: str) -> Result:
    """The Result that `result_json` stored."""
    return Result.from_dict(json.loads(text))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class Gradebook:
    """A gradebook file; use as a context manager (the connection is closed on exit)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: no implicit transactions; `_transaction` opens each one.
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
        try:
            # grades are the instructor's alone (SQLite gives its -wal and -shm files the
            # same mode); an older gradebook made readable to all is closed up too
            with contextlib.suppress(OSError):
                os.chmod(self.path, 0o600)
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA busy_timeout = 30000")
            mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise GradebookError(f"{self.path}: cannot switch the gradebook to WAL mode "
                                     f"(got {mode})")
            # In WAL mode NORMAL syncs at checkpoints, not at every commit: a committed
            # attempt survives any crash of the grader; a power cut may lose the last few,
            # which the next run then grades again (nothing else depends on them). A sync
            # per student cost ~2 ms each, on the parent that hands out the work.
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise GradebookError(f"{self.path}: not a usable gradebook ({exc})") from None
        except BaseException:
            self._db.close()
            raise

    # -- life cycle --------------------------------------------------------------------

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front, so two writers wait instead of failing
        # half-way; any exception (KeyboardInterrupt too) rolls everything back.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise GradebookError(f"{self.path}: written by a newer grader (schema {version}, "
                                 f"this one knows up to {SCHEMA_VERSION}); upgrade the grader")
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self._transaction() as db:
                for statement in _statements(_MIGRATIONS[target]):
                    db.execute(statement)
                # PRAGMA takes no parameters; `target` is an int from this module.
                db.execute(f"PRAGMA user_version = {int(target)}")

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    # -- writing -----------------------------------------------------------------------

    def add_student(self, student: Student) -> None:
        """Add a student, or update their name and email (a blank one keeps what is there)."""
        with self._transaction() as db:
            self._upsert_student(db, student)

    def add_students(self, students: list[Student]) -> None:
        with self._transaction() as db:
            for student in students:
                self._upsert_student(db, student)

    @staticmethod
    def _upsert_student(db: sqlite3.Connection, student: Student) -> None:
        db.execute(
            "INSERT INTO students (id, name, email) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET "
            "name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE students.name END, "
            "email = CASE WHEN excluded.email <> '' THEN excluded.email ELSE students.email END",
            (student.id, student.name, student.email))

    def record(self, result: Result, submission_hash: str, *,
               assignment_hash: str | None = None, stored: str | None = None) -> int:
        """Add one attempt (and its parts) in one transaction; return its id.

        `stored`: `result_json(result)` when the caller has it already (a worker sent it).
        """
        with self._transaction() as db:
            db.execute("INSERT INTO students (id) VALUES (?) ON CONFLICT (id) DO NOTHING",
                       (result.student,))
            cursor = db.execute(
                "INSERT INTO attempts (student_id, assignment, graded_at, score, max_score, "
                "grader_version, submission_hash, assignment_hash, result_json) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (result.student, result.assignment, _now(), result.score, result.max_score,
                 result.grader_version, submission_hash, assignment_hash,
                 result_json(result) if stored is None else stored))
            attempt_id = cursor.lastrowid
            assert attempt_id is not None
            db.executemany(
                "INSERT INTO part_results (attempt_id, exercise_id, part_id, kind, status, "
                "score, max_score, note, given, expected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(attempt_id, exercise.id, stored["id"], stored["kind"], stored["status"],
                  stored["score"], stored["max_score"], stored["note"], stored["given"],
                  stored["expected"])
                 for exercise in result.exercises
                 for stored in (part.to_dict() for part in exercise.parts)])
        return attempt_id

    # -- reading -----------------------------------------------------------------------

    def students(self) -> list[Student]:
        rows = self._db.execute("SELECT id, name, email FROM students ORDER BY id").fetchall()
        return [Student(*row) for row in rows]

    def student(self, student_id: str) -> Student | None:
        row = self._db.execute("SELECT id, name, email FROM students WHERE id = ?",
                               (student_id,)).fetchone()
        return Student(*row) if row else None

    def latest_attempts(self, assignment: str) -> dict[str, Attempt]:
        """The newest attempt of each student for `assignment` (newest = highest id)."""
        rows = self._db.execute(
            f"SELECT {_ATTEMPT_COLUMNS} FROM attempts WHERE id IN ("
            "  SELECT MAX(id) FROM attempts WHERE assignment = ? GROUP BY student_id"
            ") ORDER BY student_id", (assignment,)).fetchall()
        return {row[1]: _attempt(row) for row in rows}

    def latest(self, assignment: str) -> dict[str, Result]:
        """Student id → the Result of their newest attempt for `assignment`."""
        return {sid: a.result for sid, a in self.latest_attempts(assignment).items()}

    def attempts(self, student: str | Student, assignment: str) -> list[Attempt]:
        """Every attempt of `student` for `assignment`, oldest first."""
        sid = student.id if isinstance(student, Student) else student
        rows = self._db.execute(
            f"SELECT {_ATTEMPT_COLUMNS} FROM attempts WHERE student_id = ? AND assignment = ? "
            "ORDER BY id", (sid, assignment)).fetchall()
        return [_attempt(row) for row in rows]

    def graded_hashes(self, assignment: str) -> dict[str, str]:
        """Student id → the submission hash of their newest attempt for `assignment`."""
        rows = self._db.execute(
            "SELECT student_id, submission_hash FROM attempts WHERE id IN ("
            "  SELECT MAX(id) FROM attempts WHERE assignment = ? GROUP BY student_id"
            ")", (assignment,)).fetchall()
        return dict(rows)

    def count_attempts(self, assignment: str | None = None) -> int:
        if assignment is None:
            row = self._db.execute("SELECT COUNT(*) FROM attempts").fetchone()
        else:
            row = self._db.execute("SELECT COUNT(*) FROM attempts WHERE assignment = ?",
                                   (assignment,)).fetchone()
        return int(row[0])

    def part_rows(self, attempt_id: int) -> list[dict[str, Any]]:
        """The stored part results of one attempt, as dicts (for reports and tests)."""
        cursor = self._db.execute(
            "SELECT exercise_id, part_id, kind, status, score, max_score, note, given, expected "
            "FROM part_results WHERE attempt_id = ? ORDER BY rowid", (attempt_id,))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _attempt(row: tuple[Any, ...]) -> Attempt:
    return Attempt(id=row[0], student=row[1], assignment=row[2], graded_at=row[3],
                   score=row[4], max_score=row[5], grader_version=row[6],
                   submission_hash=row[7], assignment_hash=row[8], result_json=row[9])


def _statements(script: str) -> list[str]:
    """Split a schema script into statements (triggers hold inner semicolons)."""
    statements: list[str] = []
    current = ""
    for line in script.strip().splitlines():
        current += line + "\n"
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        raise ValueError(f"incomplete SQL statement: {current!r}")
    return statements

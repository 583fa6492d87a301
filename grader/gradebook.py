"""The gradebook: every graded attempt, kept in one SQLite file, never overwritten.

A regrade adds an attempt; nothing updates or deletes one (triggers refuse it). Each
attempt records why it was graded and when its hand-in was made (`Provenance`). An
instructor's override of a part's score is a record of its own, append-only too, applied
to the newest attempt when results are read (`latest`), so it outlives regrades. A
release of expected values to students is recorded once and never taken back. Each
write is one transaction, so a batch killed mid-write loses only the attempt it was
writing. The schema version lives in `PRAGMA user_version`; an older file is migrated
in place when opened.

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

SCHEMA_VERSION = 2
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

# Version 2: why each attempt was graded and when its hand-in was made (attempts of
# version 1 keep NULL there: nobody recorded it); instructors' overrides of a part's
# score, append-only like attempts (the newest per part applies; a NULL score withdraws
# it); and releases of expected values and solutions to students.
_SCHEMA_V2 = """
ALTER TABLE attempts ADD COLUMN reason TEXT;
ALTER TABLE attempts ADD COLUMN handed_in_at TEXT;
ALTER TABLE attempts ADD COLUMN late INTEGER;
ALTER TABLE attempts ADD COLUMN content_hash TEXT;
ALTER TABLE attempts ADD COLUMN points_hash TEXT;
CREATE TABLE overrides (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    student_id  TEXT NOT NULL REFERENCES students(id),
    assignment  TEXT NOT NULL,
    exercise_id TEXT NOT NULL,
    part_id     TEXT NOT NULL,
    score       REAL,
    reason      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX overrides_by_student ON overrides (assignment, student_id, id);
CREATE TRIGGER overrides_no_update BEFORE UPDATE ON overrides
BEGIN SELECT RAISE(ABORT, 'overrides are append-only'); END;
CREATE TRIGGER overrides_no_delete BEFORE DELETE ON overrides
BEGIN SELECT RAISE(ABORT, 'overrides are append-only'); END;
CREATE TABLE releases (
    assignment  TEXT PRIMARY KEY NOT NULL,
    released_at TEXT NOT NULL,
    how         TEXT NOT NULL
);
"""

# version → the script that brings version-1 up to it
_MIGRATIONS = {1: _SCHEMA_V1, 2: _SCHEMA_V2}

_ATTEMPT_COLUMNS = ("id, student_id, assignment, graded_at, score, max_score, grader_version, "
                    "submission_hash, assignment_hash, result_json, reason, handed_in_at, "
                    "late, content_hash, points_hash")




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
    reason: str | None = None          # None: graded before reasons were recorded
    handed_in_at: str | None = None    # ISO time of the hand-in, as its files or commit say
    late: bool | None = None           # None: no due time, or not known
    content_hash: str | None = None
    points_hash: str | None = None

    @cached_property
    def result(self) -> Result:
        return load_result(self.result_json)


@dataclass(frozen=True)
class Override:
    """An instructor's score for one part, with the reason; `score` None withdraws one."""

    id: int
    student: str
    assignment: str
    exercise_id: str
    part_id: str
    score: float | None
    reason: str
    created_at: str


@dataclass(frozen=True)
class Provenance:
    """Why an attempt was graded and when its hand-in was made (see batch.py)."""

    reason: str
    handed_in_at: str | None = None
    late: bool | None = None
    content_hash: str | None = None
    points_hash: str | None = None


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


def handed_in_at(folder: Path) -> datetime | None:
    """When a hand-in was made, as far as its files tell: the last commit's time when the
    folder is a git repository, else the newest modification time of answers.yaml and
    solution.py; None when it holds neither.

    Both are what the student's machine said: a deadline that must hold against a
    student who sets their clock back is enforced by collecting at the deadline.
    """
    if (folder / ".git").is_dir():
        committed = _commit_time(folder)
        if committed is not None:
            return committed
    times = []
    for name in HASHED_FILES:
        try:
            info = (folder / name).lstat()
        except OSError:
            continue
        times.append(info.st_mtime)
    if not times:
        return None
    return datetime.fromtimestamp(max(times), timezone.utc)


def _commit_time(folder: Path) -> datetime | None:
    import os
    import subprocess

    # The repository is the student's: nothing of its configuration may run a command
    # (git log runs no hooks; fsmonitor and the pager are switched off), and a git that
    # is missing, slow or refuses the folder leaves the file times to decide.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0", GIT_PAGER="cat")
    try:
        out = subprocess.run(
            ["git", "-c", "core.fsmonitor=false", "-c", f"safe.directory={folder.resolve()}",
             "--git-dir", str(folder / ".git"), "log", "-1", "--format=%ct", "HEAD"],
            capture_output=True, text=True, timeout=10, env=env, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    text = out.stdout.strip()
    if out.returncode != 0 or not text.isdigit():
        return None
    return datetime.fromtimestamp(int(text), timezone.utc)


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
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise GradebookError(f"{self.path}: written by a newer grader (schema {version}, "
                                 f"this one knows up to {SCHEMA_VERSION}); upgrade the grader")
        for target in range(version + 1, SCHEMA_VERSION + 1):
            # Each step is one transaction (SQLite's DDL is transactional): a failure or
            # a crash leaves the file as it was. The version is read again under the
            # write lock: another process (a `grader history` beside a batch) may have
            # made this step while this one waited for the lock.
            with self._transaction() as db:
                if db.execute("PRAGMA user_version").fetchone()[0] >= target:
                    continue
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
               assignment_hash: str | None = None, stored: str | None = None,
               provenance: Provenance | None = None) -> int:
        """Add one attempt (and its parts) in one transaction; return its id.

        `stored`: `result_json(result)` when the caller has it already (a worker sent it).
        `provenance`: why it was graded and when it was handed in.
        """
        why = provenance or Provenance("graded")
        with self._transaction() as db:
            db.execute("INSERT INTO students (id) VALUES (?) ON CONFLICT (id) DO NOTHING",
                       (result.student,))
            cursor = db.execute(
                "INSERT INTO attempts (student_id, assignment, graded_at, score, max_score, "
                "grader_version, submission_hash, assignment_hash, result_json, reason, "
                "handed_in_at, late, content_hash, points_hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (result.student, result.assignment, _now(), result.score, result.max_score,
                 result.grader_version, submission_hash, assignment_hash,
                 result_json(result) if stored is None else stored, why.reason,
                 why.handed_in_at, None if why.late is None else int(why.late),
                 why.content_hash, why.points_hash))
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
        """Student id → the Result of their newest attempt for `assignment`, with the
        instructor's overrides applied (they outlive regrades)."""
        overrides = self.active_overrides(assignment)
        return {sid: apply_overrides(a.result, overrides.get(sid, []))
                for sid, a in self.latest_attempts(assignment).items()}

    def override(self, student: str, assignment: str, exercise_id: str, part_id: str,
                 score: float | None, reason: str) -> int:
        """Record an override of one part's score (None withdraws it); return its id."""
        if not reason.strip():
            raise GradebookError("an override needs a reason")
        with self._transaction() as db:
            db.execute("INSERT INTO students (id) VALUES (?) ON CONFLICT (id) DO NOTHING",
                       (student,))
            cursor = db.execute(
                "INSERT INTO overrides (student_id, assignment, exercise_id, part_id, score, "
                "reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (student, assignment, exercise_id, part_id, score, reason.strip(), _now()))
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def overrides(self, assignment: str, student: str | None = None) -> list[Override]:
        """Every override recorded for `assignment` (of `student`), oldest first."""
        query = ("SELECT id, student_id, assignment, exercise_id, part_id, score, reason, "
                 "created_at FROM overrides WHERE assignment = ?")
        args: tuple[str, ...] = (assignment,)
        if student is not None:
            query += " AND student_id = ?"
            args += (student,)
        rows = self._db.execute(query + " ORDER BY id", args).fetchall()
        return [Override(*row) for row in rows]

    def active_overrides(self, assignment: str) -> dict[str, list[Override]]:
        """Student id → the overrides in force: the newest per part, unless withdrawn."""
        newest: dict[tuple[str, str, str], Override] = {}
        for o in self.overrides(assignment):
            newest[(o.student, o.exercise_id, o.part_id)] = o
        active: dict[str, list[Override]] = {}
        for o in newest.values():
            if o.score is not None:
                active.setdefault(o.student, []).append(o)
        return active

    def release(self, assignment: str, how: str) -> bool:
        """Record that students may see `assignment`'s expected values and solutions;
        False if it was released already (a release is never taken back)."""
        with self._transaction() as db:
            cursor = db.execute("INSERT INTO releases (assignment, released_at, how) "
                                "VALUES (?, ?, ?) ON CONFLICT (assignment) DO NOTHING",
                                (assignment, _now(), how))
            return cursor.rowcount > 0

    def released(self, assignment: str) -> str | None:
        """When `assignment` was released to students (ISO time), or None."""
        row = self._db.execute("SELECT released_at FROM releases WHERE assignment = ?",
                               (assignment,)).fetchone()
        return None if row is None else str(row[0])

    def assignments(self) -> list[str]:
        rows = self._db.execute("SELECT DISTINCT assignment FROM attempts ORDER BY assignment")
        return [str(r[0]) for r in rows.fetchall()]

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
                   submission_hash=row[7], assignment_hash=row[8], result_json=row[9],
                   reason=row[10], handed_in_at=row[11],
                   late=None if row[12] is None else bool(row[12]), content_hash=row[13],
                   points_hash=row[14])


def apply_overrides(result: Result, overrides: list[Override]) -> Result:
    """`result` with each overridden part's score set (within 0..its maximum) and the
    instructor's reason shown first in its feedback."""
    if not overrides:
        return result
    from dataclasses import replace

    from .reports.text import points

    by_part = {(o.exercise_id, o.part_id): o for o in overrides}
    exercises = []
    for exercise in result.exercises:
        parts = []
        for part in exercise.parts:
            o = by_part.get((exercise.id, part.id))
            if o is not None and o.score is not None:
                score = min(max(o.score, 0.0), part.max_score)
                note = (f"Score set by the instructor to {points(score)} / "
                        f"{points(part.max_score)}: {o.reason}")
                part = replace(part, score=score,
                               feedback=note + ("\n" + part.feedback if part.feedback else ""))
            parts.append(part)
        exercises.append(replace(exercise, parts=tuple(parts)))
    return replace(result, exercises=tuple(exercises))


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

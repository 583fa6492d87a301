"""`grade_all`: grade a folder of submissions in parallel into a gradebook, a CSV and reports.

Workers grade; the parent alone writes the gradebook, one transaction per student as
results arrive, so a batch killed half-way keeps everything that finished, and running
it again resumes: a student whose newest attempt was graded from the same files, by the
same grader version and the same assignment, is skipped.

Why a small pool of our own rather than ProcessPoolExecutor: when a worker dies, the
executor breaks and fails every pending future without saying which task killed it.
Here each worker grades one student at a time over its own pipe, so a dead worker costs
exactly the student it was grading, and a fresh worker takes its place.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import hashlib
import io
import json
import multiprocessing
import os
import signal
import sys
import tempfile
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from importlib.util import find_spec
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from . import __version__, handin, handout, lms
from .assignment import STUDENT_ID, Assignment, Student, load_assignment
from .bank import Bank
from .errors import BoundaryUnavailable, GraderError, RosterError, SubmissionError
from .files import exclusive_lock, private_files, write_atomic
from .gradebook import (
    Attempt,
    Gradebook,
    Provenance,
    handed_in_at,
    load_result,
    result_json,
    submission_hash,
)
from .grading import grade
from .result import Result
from .secrecy import released, student_view

if TYPE_CHECKING:
    from .sandbox import Isolation

EventKind = Literal["graded", "skipped", "failed"]

GRADEBOOK_FILE = "gradebook.sqlite"
CSV_FILE = "grades.csv"
LOCK_FILE = ".grader-lock"     # held by the one grade-all writing this folder
STUDENTS_DIR = "students"
CLASS_REPORT_FILE = "class-report.html"
RELEASED_MARKER = ".released"     # in students/: its reports show expected values
DEFAULT_TIMEOUT = 900.0     # seconds for one student; the sandbox bounds each call far lower


@dataclass(frozen=True)
class BatchEvent:
    """One student done (graded, skipped as unchanged, or failed); for progress bars."""

    student: str
    kind: EventKind
    done: int
    total: int
    score: float | None = None
    max_score: float | None = None
    message: str = ""


@dataclass
class BatchSummary:
    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)       # unchanged since their last attempt
    failed: dict[str, str] = field(default_factory=dict)   # student → what went wrong
    unknown: list[str] = field(default_factory=list)       # folders not in the roster: not graded
    missing: list[str] = field(default_factory=list)       # roster students with no folder
    out: Path = Path()
    gradebook: Path = Path()
    grades_csv: Path = Path()
    canvas_csv: Path = Path()           # Canvas's gradebook import layout
    moodle_csv: Path = Path()           # for Moodle's grade import
    students_dir: Path = Path()
    class_report: Path | None = None    # None when the class report format is not available
    html_reports: bool = False          # whether students/<id>.html were written
    problems: list[str] = field(default_factory=list)     # reports that could not be written
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed and not self.problems


@dataclass(frozen=True)
class _Task:
    student: str
    folder: str
    hash: str
    provenance: Provenance


def _bank_bytes(assignment: Assignment, digest: Any) -> None:
    """Feed `digest` the bytes of each exercise's spec and reference solution."""
    for exercise_id in assignment.exercise_ids:
        for path in (assignment.bank.spec_path(exercise_id),
                     assignment.bank.solution_path(exercise_id)):
            digest.update(exercise_id.encode() + b"\0" + path.suffix.encode() + b"\0")
            data = path.read_bytes() if path.is_file() else b""
            digest.update(len(data).to_bytes(8, "big") + data)


def assignment_hash(assignment: Assignment) -> str:
    """sha256 of everything that decides a grade besides the hand-in: the assignment's
    settings and the bytes of each exercise's spec and reference solution.

    A fixed typo in a spec changes it, so the next batch regrades everyone.
    """
    settings = {"name": assignment.name, "salt": assignment.salt,
                "items": [[i.id, i.points] for i in assignment.items],
                "show_expected": assignment.show_expected,
                "show_solution": assignment.show_solution}
    digest = hashlib.sha256(b"grader.assignment/1\0")
    digest.update(json.dumps(settings, sort_keys=True).encode() + b"\0")
    _bank_bytes(assignment, digest)
    return digest.hexdigest()


def content_hash(assignment: Assignment) -> str:
    """sha256 of what decides grades apart from points: salt, exercises, specs, references."""
    digest = hashlib.sha256(b"grader.content/1\0")
    digest.update(json.dumps([assignment.salt, list(assignment.exercise_ids)]).encode() + b"\0")
    _bank_bytes(assignment, digest)
    return digest.hexdigest()


def points_hash(assignment: Assignment) -> str:
    """sha256 of every part's points as the assignment counts them."""
    points = [[i, p.id, p.points * assignment.scale(i)] for i in assignment.exercise_ids
              for p in assignment.spec(i).parts]
    return hashlib.sha256(json.dumps(points).encode()).hexdigest()


@dataclass(frozen=True)
class _Now:
    """This batch's fingerprints, to say why each student is graded again."""

    submission: str
    assignment: str
    content: str
    points: str
    regrade: bool
    variants_changed: bool


def regrade_reason(previous: Attempt | None, now: _Now) -> str | None:
    """Why a student is graded now ("new hand-in", "assignment changed", "points changed",
    "grader updated", "forced"), or None when nothing changed and nothing forces it."""
    if previous is None:
        return "first hand-in"
    reasons = []
    if previous.submission_hash != now.submission:
        reasons.append("new hand-in")
    if previous.content_hash is not None and previous.points_hash is not None:
        if previous.content_hash != now.content:
            reasons.append("assignment changed")
        if previous.points_hash != now.points:
            reasons.append("points changed")
    elif previous.assignment_hash != now.assignment:
        reasons.append("assignment changed")      # an attempt from before reasons were kept
    if previous.grader_version != __version__:
        reasons.append("grader updated")
    if now.variants_changed and "assignment changed" in reasons:
        reasons.append("variants changed (accepted)")
    if not reasons and previous.assignment_hash != now.assignment:
        reasons.append("assignment settings changed")
    if not reasons:
        return "forced" if now.regrade else None
    return ", ".join(reasons)


def grade_all(submissions_dir: Path, assignment: Assignment, out: Path, *,
              roster: list[Student] | None = None, jobs: int | None = None,
              progress: Callable[[BatchEvent], None] | None = None,
              regrade: bool = False, timeout: float | None = DEFAULT_TIMEOUT,
              isolation: Isolation = "required", release: bool = False,
              accept_changes: bool = False, now: datetime | None = None) -> BatchSummary:
    """Grade every `submissions_dir/<student>/` into `out/` (gradebook, CSV, reports).

    With a roster, only its students are graded: a student with no folder is graded as
    an empty hand-in (every part missing), and folders of nobody on it are listed as
    unknown. Without one, every folder whose name can be a student id is graded.
    `regrade` grades unchanged hand-ins again (a new attempt each). `timeout` bounds the
    grading of one student in seconds (None: no bound). `isolation`: see
    `grader.sandbox` ("required" refuses at once, before grading anyone, where the OS
    cannot isolate student code). `release` shows students the expected values and
    solutions from now on (recorded in the gradebook; see secrecy.py). A spec change
    that alters variants already handed out raises VariantsChangedError unless
    `accept_changes`. `now` is the time of the batch (tests).

    One run at a time per `out`: it is locked for the run (a second one is refused), and
    everything written there is private to the user (files 0600, folders 0700).
    """
    started = time.monotonic()
    out = Path(out)
    if roster is not None and Path(submissions_dir).is_dir():
        # before anything is written: the wrong roster must not leave an empty gradebook
        _check_roster_matches(roster, _student_folders(Path(submissions_dir), out),
                              Path(submissions_dir))
    with private_files():
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise GraderError(f"cannot make the output folder {out}: "
                              f"{exc.strerror or exc}") from None
        with exclusive_lock(out / LOCK_FILE, f"grades into {out}"):
            return _grade_all(submissions_dir, assignment, out, roster, jobs, progress,
                              regrade, timeout, isolation, started,
                              _Choices(release, accept_changes, now))


@dataclass(frozen=True)
class _Choices:
    """The instructor's say on secrecy and changes, for one batch."""

    release: bool = False
    accept_changes: bool = False
    now: datetime | None = None


def _grade_all(submissions_dir: Path, assignment: Assignment, out: Path,
               roster: list[Student] | None, jobs: int | None,
               progress: Callable[[BatchEvent], None] | None, regrade: bool,
               timeout: float | None, isolation: Isolation, started: float,
               choices: _Choices) -> BatchSummary:
    submissions_dir = Path(submissions_dir)
    if not submissions_dir.is_dir():
        raise SubmissionError("no such folder of submissions", file=submissions_dir)
    if jobs is not None and jobs < 1:
        raise GraderError(f"jobs must be at least 1, not {jobs}")
    if isolation == "required" and _runs_code(assignment):
        _check_boundary()  # before anything is written
    summary = _summary(out)
    folders = _student_folders(submissions_dir, out)
    students = students_to_grade(folders, roster)
    if roster is None:
        summary.unknown = sorted(name for name in folders if not STUDENT_ID.match(name))
    else:
        on_roster = {s.id for s in students}
        summary.unknown = sorted(name for name in folders if name not in on_roster)
        summary.missing = [s.id for s in students if s.id not in folders]
    changed = handout.changed(assignment, [s.id for s in students])
    if changed and not choices.accept_changes:
        handout.refuse_changes(assignment, [s.id for s in students])
    varied = {sid for ids in changed.values() for sid in ids}
    fingerprint = assignment_hash(assignment)
    content, points = content_hash(assignment), points_hash(assignment)
    now = choices.now or datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory(prefix="grader-empty-") as empty, \
            Gradebook(summary.gradebook) as book:
        book.add_students(students)
        recorded = book.released(assignment.name) is not None
        is_released = released(assignment, release=choices.release, recorded=recorded,
                               now=now)
        if is_released and not recorded and not assignment.practice:
            book.release(assignment.name,
                         "--release" if choices.release else "release: after-due")
        latest = book.latest_attempts(assignment.name)
        tasks: list[_Task] = []
        total = len(students)
        done = 0
        for student in students:
            folder = folders.get(student.id, Path(empty))
            digest = submission_hash(folder)
            previous = latest.get(student.id)
            reason = regrade_reason(previous, _Now(digest, fingerprint, content, points,
                                                   regrade, student.id in varied))
            if reason is None and previous is not None:
                done += 1
                summary.skipped.append(student.id)
                if progress:
                    progress(BatchEvent(student.id, "skipped", done, total,
                                        previous.score, previous.max_score,
                                        "unchanged since the last attempt"))
                continue
            handed = handed_in_at(folder) if student.id in folders else None
            late = None if handed is None or assignment.due is None else handed > assignment.due
            tasks.append(_Task(student.id, str(folder), digest, Provenance(
                reason or "forced", handed.isoformat() if handed else None, late, content,
                points)))

        def finished(task: _Task, payload: str | None, error: str | None) -> None:
            nonlocal done
            done += 1
            if payload is not None:
                result = load_result(payload)
                book.record(result, task.hash, assignment_hash=fingerprint, stored=payload,
                            provenance=task.provenance)
                summary.graded.append(task.student)
                event = BatchEvent(task.student, "graded", done, total, result.score,
                                   result.max_score)
            else:
                summary.failed[task.student] = error or "failed"
                event = BatchEvent(task.student, "failed", done, total,
                                   message=error or "failed")
            if progress:
                progress(event)

        if tasks:
            workers = min(jobs or os.cpu_count() or 1, len(tasks))
            _run_pool(assignment, tasks, workers, timeout, finished, summary.students_dir,
                      isolation, is_released)
        # read back, not kept: the parent's memory stays flat however large the class
        latest_results = book.latest(assignment.name)
        attempts = book.latest_attempts(assignment.name)
        overridden = set(book.active_overrides(assignment.name))
        known = {s.id: s for s in book.students()}
    if roster is not None:
        # the roster's own rows keep the LMS columns (Canvas's ID, Section ...)
        people = [s if s.columns else known.get(s.id, s) for s in students]
    else:
        ids = sorted(set(latest_results) | {s.id for s in students})
        people = [known.get(i, Student(i)) for i in ids]
    _write_outputs(assignment, people, latest_results, summary, attempts=attempts,
                   is_released=is_released, overridden=overridden,
                   id_column=getattr(roster, "id_column", None))
    # In grading order, not arrival order, so that a summary does not depend on timing.
    order = {s.id: n for n, s in enumerate(students)}
    summary.graded.sort(key=order.__getitem__)
    summary.failed = dict(sorted(summary.failed.items(), key=lambda kv: order[kv[0]]))
    summary.elapsed = time.monotonic() - started
    return summary


def _check_roster_matches(roster: list[Student], folders: dict[str, Path],
                          submissions_dir: Path) -> None:
    """A roster none of whose ids names a hand-in folder is the wrong roster, the wrong
    id column or the wrong folder: grading it would give everyone 0 and say nothing."""
    if not roster or any(s.id in folders for s in roster):
        return
    column = getattr(roster, "id_column", None)
    where = f" (from column '{column}')" if column else ""
    sample = ", ".join(sorted(folders)[:3]) + (" ..." if len(folders) > 3 else "")
    found = f"its folders are named {sample}" if folders else "it has no folders"
    raise RosterError(f"none of the {len(roster)} roster ids{where} names a folder in "
                      f"{submissions_dir}: {found}; pick the id column with --id-column, "
                      "or the right folder")


def _summary(out: Path) -> BatchSummary:
    """An empty summary of a batch writing into `out`: where each of its files goes."""
    return BatchSummary(out=out, gradebook=out / GRADEBOOK_FILE, grades_csv=out / CSV_FILE,
                        canvas_csv=out / lms.CANVAS_FILE, moodle_csv=out / lms.MOODLE_FILE,
                        students_dir=out / STUDENTS_DIR)


def _runs_code(assignment: Assignment) -> bool:
    return any(p.kind == "function" for i in assignment.exercise_ids
               for p in assignment.spec(i).parts)


def _check_boundary() -> None:
    """Refuse at once, before anyone is graded, where the OS cannot isolate student
    code (rather than fail every student in turn)."""
    from .sandbox import boundary_problem, shutdown_zygote

    problem = boundary_problem()
    shutdown_zygote()  # the workers start their own
    if problem is not None:
        raise BoundaryUnavailable(problem)


def refresh_outputs(assignment: Assignment, out: Path, *, release: str | None = None,
                    change: Callable[[Gradebook], None] | None = None,
                    roster: list[Student] | None = None,
                    now: datetime | None = None) -> BatchSummary:
    """Write grade-all's outputs in `out` again from its gradebook, without grading: with
    `change` (say, recording an override: it gets the open gradebook first), or with
    `release` (how it was released) to show students the expected values and solutions
    from now on. Rows cover the roster's students, as grade-all's do (their LMS columns
    included), or else every student the gradebook knows, in id order. Like grade-all,
    it holds `out`'s lock throughout: a batch writing there refuses it."""
    out = Path(out)
    summary = _summary(out)
    if not summary.gradebook.is_file():
        raise GraderError(f"no gradebook in {out}: run `grader grade-all ... --out {out}` "
                          "first")
    # like grade-all: one writer at a time, and what it writes is the user's alone
    with private_files(), exclusive_lock(out / LOCK_FILE, f"grades into {out}"):
        with Gradebook(summary.gradebook) as book:
            if change is not None:
                change(book)
            if release is not None and not assignment.practice:
                book.release(assignment.name, release)
            recorded = book.released(assignment.name) is not None
            is_released = released(assignment, recorded=recorded, now=now)
            latest_results = book.latest(assignment.name)
            attempts = book.latest_attempts(assignment.name)
            overridden = set(book.active_overrides(assignment.name))
            known = {s.id: s for s in book.students()}
        people = ([s if s.columns else known.get(s.id, s) for s in roster]
                  if roster is not None else list(known.values()))
        _write_outputs(assignment, people, latest_results, summary, attempts=attempts,
                       is_released=is_released, overridden=overridden,
                       id_column=getattr(roster, "id_column", None))
    return summary


def students_to_grade(folders: dict[str, Path] | Path, roster: list[Student] | None,
                      out: Path | None = None) -> list[Student]:
    """The roster, or else every folder whose name can be a student id. `folders` is
    the folder of submissions (with grade-all's `out`), or its sub-folders found."""
    if isinstance(folders, Path):
        folders = _student_folders(folders, out or folders / ".none")
    if roster is not None:
        return list(roster)
    return [Student(name) for name in sorted(folders) if STUDENT_ID.match(name)]


def _student_folders(submissions_dir: Path, out: Path) -> dict[str, Path]:
    """Folder name → folder, leaving out hidden ones and `out` if it lies inside.

    A name that is a link to a folder is kept (its grading says it is not followed);
    other links and files are not hand-ins."""
    out_resolved = out.resolve()
    found = {}
    for path in submissions_dir.iterdir():
        if path.name.startswith(".") or not (handin.is_plain_folder(path) or path.is_dir()):
            continue
        if handin.is_plain_folder(path) and path.resolve() == out_resolved:
            continue
        found[path.name] = path
    return found


# -- the pool ------------------------------------------------------------------------------

def _start_method() -> str:
    # fork: workers inherit the loaded assignment (specs parsed, references imported) for
    # free. Elsewhere fork is unsafe (macOS) or absent (Windows): spawn and reload.
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "spawn"


@dataclass
class _Worker:
    process: Any             # multiprocessing.process.BaseProcess
    conn: Connection
    # Sent and not answered yet, in order; the first is being graded since `since`. One
    # more waits in the pipe, so a worker never idles while the parent records a result.
    tasks: deque[_Task] = field(default_factory=deque)
    since: float = 0.0


_QUEUE_DEPTH = 2


def _run_pool(assignment: Assignment, tasks: list[_Task], size: int, timeout: float | None,
              finished: Callable[[_Task, str | None, str | None], None],
              reports_dir: Path, isolation: Isolation, is_released: bool) -> None:
    method = _start_method()
    context: Any = multiprocessing.get_context(method)   # typeshed lacks Process on it
    recipe: Assignment | tuple[str, tuple[str, ...]] = assignment
    if method != "fork":
        if assignment.path is None:
            raise GraderError("parallel grading needs an assignment loaded from a file")
        recipe = (str(assignment.path), tuple(str(r) for r in assignment.bank.roots))
    if method == "fork":
        _warm_up()
    pending = deque(tasks)
    pool: list[_Worker] = []

    def spawn() -> _Worker:
        parent_end, child_end = context.Pipe()
        process = context.Process(target=_worker_main, name="grader-worker", daemon=True,
                                  args=(child_end, parent_end, os.getpid(), recipe,
                                        isolation))
        with warnings.catch_warnings():
            # Python 3.12+ warns about forking a process that has threads (numpy's BLAS
            # pool); the worker only grades, and the BLAS libraries handle fork.
            warnings.filterwarnings("ignore", message=r".*fork\(\) may lead to deadlocks",
                                    category=DeprecationWarning)
            process.start()
        child_end.close()
        return _Worker(process, parent_end)

    try:
        pool = [spawn() for _ in range(size)]
        while pending or any(w.tasks for w in pool):
            for worker in pool:
                while pending and len(worker.tasks) < _QUEUE_DEPTH:
                    task = pending.popleft()
                    if not worker.tasks:
                        worker.since = time.monotonic()
                    worker.tasks.append(task)
                    handed = handed_text(task.provenance.handed_in_at,
                                         task.provenance.late)
                    worker.conn.send((task.student, task.folder, str(reports_dir),
                                      is_released, handed))
            busy = [w for w in pool if w.tasks]
            wait_for = None
            if timeout is not None:
                wait_for = max(0.0, min(w.since for w in busy) + timeout - time.monotonic())
            ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy],
                             timeout=wait_for))
            for worker in busy:
                if worker.conn in ready or worker.process.sentinel in ready:
                    kind, payload = _receive(worker)
                elif timeout is not None and time.monotonic() - worker.since >= timeout:
                    kind, payload = "timeout", (f"grading took longer than {timeout:g} s and "
                                                "was stopped; nothing was recorded")
                else:
                    continue
                task = worker.tasks.popleft()
                worker.since = time.monotonic()
                if kind in ("dead", "timeout"):
                    _stop(worker)
                    pool.remove(worker)
                    # what waited behind the lost task was never started: back in line
                    pending.extendleft(reversed(worker.tasks))
                    worker.tasks.clear()
                    if pending:
                        pool.append(spawn())
                if kind == "ok":
                    finished(task, payload, None)
                else:
                    finished(task, None, payload)
    finally:
        for worker in pool:
            _stop(worker, gently=not worker.tasks)


def _receive(worker: _Worker) -> tuple[str, str]:
    """("ok", result JSON) or ("error", message) from the worker, or ("dead", why)."""
    try:
        if worker.conn.poll():
            kind, payload = worker.conn.recv()
            return str(kind), str(payload)
    except (EOFError, OSError):
        pass
    worker.process.join(timeout=5)
    code = worker.process.exitcode
    if code is not None and code < 0:
        try:
            how = f"killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"killed by signal {-code}"
    else:
        how = f"exit code {code}"
    return "dead", f"the grading process died ({how}); nothing was recorded"


def _stop(worker: _Worker, gently: bool = False) -> None:
    if gently:
        with contextlib.suppress(OSError, ValueError):
            worker.conn.send(None)
        worker.process.join(timeout=5)
    if worker.process.is_alive():
        worker.process.terminate()      # SIGTERM: the worker closes its sandbox and exits
        worker.process.join(timeout=5)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join()
    worker.conn.close()
    worker.process.close()


def _worker_main(conn: Connection, parent_end: Connection, parent_pid: int,
                 recipe: Assignment | tuple[str, tuple[str, ...]], isolation: Isolation) -> None:
    """A worker: grade (student, folder) pairs until told to stop; reply with plain JSON."""
    # Ctrl-C is the parent's to handle (it stops the workers); SIGTERM unwinds, so the
    # sandbox of the student being graded is closed and its temporary folder removed.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_term)
    parent_end.close()
    if isinstance(recipe, Assignment):
        assignment = recipe
    else:
        path, bank_roots = recipe
        assignment = load_assignment(path, bank=Bank.combine(bank_roots))
    if _runs_code(assignment):
        from .sandbox import start_zygote

        # its interpreter boots (~0.15 s) while the parent hands out the first tasks
        with contextlib.suppress(GraderError):  # grading says so, per student
            start_zygote(isolation)
    # What the worker holds now (modules, the assignment, references) lives as long as
    # it does: keep the cycle collector from walking it again and again.
    gc.collect()
    gc.freeze()
    while True:
        try:
            # A parent killed with SIGKILL sends no EOF (its siblings hold copies of the
            # pipe), so an orphaned worker notices by its parent id instead.
            while not conn.poll(1.0):
                if os.getppid() != parent_pid:
                    return
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        student, folder, reports_dir, is_released, handed = task
        try:
            result = grade(Path(folder), assignment, student, isolation=isolation)
            reply = ("ok", result_json(result))
        except Exception as exc:   # anything grading one student raises costs that student
            reply = ("error", f"{type(exc).__name__}: {exc}")
        else:
            # Rendering reports is as costly as grading; done here it runs in parallel
            # instead of in the one parent. A failure is left for the parent to retry and
            # report (it writes whatever report is missing at the end).
            with contextlib.suppress(Exception):
                shown = student_view(result, assignment, is_released=is_released)
                _write_student_reports(_with_handed_in(shown, handed), Path(reports_dir))
        try:
            conn.send(reply)
        except OSError:
            return


def _warm_up() -> None:
    """Import and compile, once in the parent, what every forked worker needs (the
    sandbox with NumPy, the checkers, the report templates and math converter): each
    worker would otherwise pay ~0.2 s of CPU for it."""
    from . import render, sandbox  # noqa: F401
    from .checkers import function  # noqa: F401
    from .reports import html  # noqa: F401

    render.warm_up("report.html.j2")


def _exit_on_term(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


# -- outputs -------------------------------------------------------------------------------

def _write_student_reports(result: Result, reports_dir: Path) -> None:
    from . import reports

    if not STUDENT_ID.match(result.student):
        return            # cannot name a file; it is still in the gradebook and CSV
    reports_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(reports_dir / f"{result.student}.json", reports.render(result, "json"))
    write_atomic(reports_dir / f"{result.student}.html", reports.render(result, "html"))


def _write_outputs(assignment: Assignment, people: list[Student], latest: dict[str, Result],
                   summary: BatchSummary, *, attempts: dict[str, Attempt] | None = None,
                   is_released: bool = False, overridden: set[str] | None = None,
                   id_column: str | None = None) -> None:
    """The CSV and JSON always; HTML reports and the class report when those formats exist.

    Everything comes from the gradebook's newest attempts, so a resumed batch writes them
    complete. A report that fails to render is noted in `summary.problems` rather than
    raised: the grades are recorded by then, and the CSV must still be written.
    Student reports show what secrecy.student_view allows; the CSV and the class report
    are the instructor's and show everything.
    """
    from . import reports

    summary.students_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(summary.grades_csv, grades_csv(assignment, people, latest, attempts))
    write_atomic(summary.canvas_csv, lms.canvas_csv(assignment, people, latest, id_column))
    write_atomic(summary.moodle_csv, lms.moodle_csv(assignment, people, latest))
    results = [latest[p.id] for p in people if p.id in latest]
    html = "html" in getattr(reports, "FORMATS", ())
    graded_now = set(summary.graded)
    # Reports written under another release state, or before an override, are stale.
    marker = summary.students_dir / RELEASED_MARKER
    stale = marker.is_file() != is_released
    overridden = overridden or set()
    attempts = attempts or {}
    for full in results:
        attempt = attempts.get(full.student)
        result = _with_handed_in(
            student_view(full, assignment, is_released=is_released),
            handed_text(attempt.handed_in_at, attempt.late) if attempt is not None else None)
        if not STUDENT_ID.match(result.student):
            continue          # cannot name a file; it is still in the gradebook and CSV
        base = summary.students_dir / result.student
        json_path, html_path = (base.with_name(f"{result.student}.{x}") for x in ("json", "html"))
        # The workers wrote the reports of this run's students; earlier runs wrote the
        # others'. Only what is missing is rendered here (a resumed or damaged batch).
        done = json_path.is_file() and (not html or html_path.is_file()) and not stale \
            and result.student not in overridden
        if done and (result.student in graded_now or result.student in summary.skipped):
            summary.html_reports = summary.html_reports or html
            continue
        write_atomic(json_path, reports.render(result, "json"))
        if html:
            try:
                write_atomic(html_path, reports.render(result, "html"))
            except Exception as exc:
                summary.problems.append(f"{result.student}.html not written: "
                                        f"{type(exc).__name__}: {exc}")
                html = False
            else:
                summary.html_reports = True
    if is_released:
        write_atomic(marker, "The reports in this folder show expected values and solutions.\n")
    elif marker.is_file():
        marker.unlink()
    if find_spec("grader.reports.class_report") is not None:
        path = summary.out / CLASS_REPORT_FILE
        try:
            from .reports.class_report import render_class_report  # type: ignore[import-not-found,unused-ignore]

            title = f"{assignment.title}: class report"
            write_atomic(path, render_class_report(results, title=title,
                                                   handed_in=_handed_in(attempts or {})))
        except Exception as exc:
            summary.problems.append(f"{CLASS_REPORT_FILE} not written: "
                                    f"{type(exc).__name__}: {exc}")
        else:
            summary.class_report = path


def handed_text(handed_in_at: str | None, late: bool | None) -> str | None:
    """"2026-03-02 09:30 UTC, late" for reports, or None when not known."""
    if handed_in_at is None:
        return None
    when = datetime.fromisoformat(handed_in_at).strftime("%Y-%m-%d %H:%M UTC")
    return when + (", late" if late else "")


def _with_handed_in(result: Result, text: str | None) -> Result:
    return result if text is None else replace(result, extra={**result.extra,
                                                              "handed_in": text})


def _handed_in(attempts: dict[str, Attempt]) -> dict[str, str]:
    """Student id → when they handed in (and whether late), for the class report."""
    shown = {}
    for sid, attempt in attempts.items():
        text = handed_text(attempt.handed_in_at, attempt.late)
        if text is not None:
            shown[sid] = text
    return shown


_number = lms.number
_cell = lms.cell


def grades_csv(assignment: Assignment, people: Iterable[Student],
               latest: dict[str, Result], attempts: dict[str, Attempt] | None = None) -> str:
    """LMS-ready CSV: one row per student, their newest attempt's scores (blank if none)
    with the instructor's overrides, then when it was handed in and whether that was late
    (`late` is blank without a due time)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    exercise_ids = list(assignment.exercise_ids)
    writer.writerow(["id", "name", "email", "score", "max_score", "percent", *exercise_ids,
                     "handed_in", "late"])
    attempts = attempts or {}
    for person in people:
        result = latest.get(person.id)
        row = [_cell(person.id), _cell(person.name), _cell(person.email)]
        if result is None:
            writer.writerow(row + [""] * (5 + len(exercise_ids)))
            continue
        by_id = {e.id: e.score for e in result.exercises}
        pct = 100 * result.score / result.max_score if result.max_score else 0.0
        row += [_number(result.score), _number(result.max_score), _number(pct)]
        row += [_number(by_id[i]) if i in by_id else "" for i in exercise_ids]
        attempt = attempts.get(person.id)
        handed = attempt.handed_in_at if attempt is not None else None
        late = attempt.late if attempt is not None else None
        row += [handed or "", "" if late is None else ("late" if late else "on time")]
        writer.writerow(row)
    return buffer.getvalue()


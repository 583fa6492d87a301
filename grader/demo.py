"""`grader demo`: the whole workflow on bundled sample data, in a folder of its own."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .assignment import load_assignment, load_roster
from .batch import BatchEvent, BatchSummary, grade_all
from .errors import GraderError
from .files import write_atomic
from .generate import generate
from .gradebook import Gradebook
from .reports.text import points, terminal_safe
from .result import Result
from .samples import Style, write_submission

# Which sample hand-in each demo student gets.
STYLES: dict[str, Style] = {"ada": "perfect", "bayes": "mistakes", "carl": "perfect",
                            "emmy": "mistakes", "mallory": "hostile"}


@dataclass
class DemoResult:
    out: Path
    assignment: Path
    roster: Path
    students: Path
    submissions: Path
    report: Path
    summary: BatchSummary
    results: list[Result]


# The bundled assignment of each lesson: 1 probability and likelihood, 2 distances,
# divergences and the evaluation of generative models.
LESSONS = {1: "assignment.yaml", 2: "assignment-2.yaml"}

# Left in the demo's folder, so that a later `grader demo --out` there may replace what
# the demo wrote, and never touches a folder it did not make.
MARKER = ".grader-demo"


def _claim(out: Path) -> None:
    """Make `out` the demo's folder, or refuse: it must not exist, be empty, or be one an
    earlier demo made."""
    if out.exists() and not out.is_dir():
        raise GraderError(f"{out} exists and is not a folder; choose another --out")
    if out.is_dir() and not (out / MARKER).is_file() and any(out.iterdir()) \
            and not _older_demo(out):
        raise GraderError(f"{out} already holds files that `grader demo` did not write; "
                          "choose another --out (an empty or new folder)")
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / MARKER, "Written by `grader demo`: it may replace what it wrote "
                 "here (assignment.yaml, roster.csv, students/, submissions/, report/).\n")


def _older_demo(out: Path) -> bool:
    """A folder a demo wrote before demos marked theirs: only the demo's own entries,
    its assignment file unchanged."""
    entries = {p.name for p in out.iterdir()}
    if not entries <= {"assignment.yaml", "assignment.handed-out.json", "roster.csv",
                       "students", "submissions", "report"}:
        return False
    demo = resources.files("grader").joinpath("demo")
    try:
        return (out / "assignment.yaml").read_text("utf-8") in {
            demo.joinpath(name).read_text("utf-8") for name in LESSONS.values()}
    except OSError:
        return False


def run_demo(out: Path, progress: Callable[[str], None] | None = None,
             lesson: int = 1) -> DemoResult:
    _claim(out)
    data = resources.files("grader").joinpath("demo")
    write_atomic(out / "assignment.yaml", data.joinpath(LESSONS[lesson]).read_text("utf-8"))
    write_atomic(out / "roster.csv", data.joinpath("roster.csv").read_text("utf-8"))
    assignment = load_assignment(out / "assignment.yaml")
    students = load_roster(out / "roster.csv")
    folders = {name: out / name for name in ("students", "submissions", "report")}
    for folder in folders.values():
        if folder.exists():
            shutil.rmtree(folder)
    generate(assignment, students, folders["students"])
    for student in students:
        submission = folders["submissions"] / student.id
        shutil.copytree(folders["students"] / student.id, submission)
        write_submission(assignment, student.id, submission, STYLES.get(student.id, "perfect"))

    def report(event: BatchEvent) -> None:
        if progress:
            done = (f"{points(event.score)}/{points(event.max_score or 0.0)}"
                    if event.score is not None else "")
            progress(terminal_safe(f"[{event.done}/{event.total}] {event.kind} "
                                   f"{event.student} {done}{event.message}"))

    # The hand-ins are the demo's own (the hostile one included): behind the boundary
    # where the system gives it, as grading does, and with the limits and hook elsewhere
    summary = grade_all(folders["submissions"], assignment, folders["report"], roster=students,
                        progress=report, isolation="preferred")
    with Gradebook(summary.gradebook) as book:
        latest = book.latest(assignment.name)
    results = [latest[s.id] for s in students if s.id in latest]
    return DemoResult(out, out / "assignment.yaml", out / "roster.csv", folders["students"],
                      folders["submissions"], folders["report"], summary, results)

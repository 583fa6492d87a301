"""`grader demo`: the whole workflow on bundled sample data, in a folder of its own."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .assignment import load_assignment, load_roster
from .generate import _write, generate
from .grading import grade
from .reports import render
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
    results: list[Result]


def run_demo(out: Path, progress: Callable[[str], None] | None = None) -> DemoResult:
    out.mkdir(parents=True, exist_ok=True)
    data = resources.files("grader").joinpath("demo")
    for name in ("assignment.yaml", "roster.csv"):
        (out / name).write_text(data.joinpath(name).read_text("utf-8"), encoding="utf-8")
    assignment = load_assignment(out / "assignment.yaml")
    students = load_roster(out / "roster.csv")
    folders = {name: out / name for name in ("students", "submissions", "report")}
    for folder in folders.values():
        if folder.exists():
            shutil.rmtree(folder)
    generate(assignment, students, folders["students"],
             progress=lambda sid: progress and progress(f"generated {sid}"))
    results = []
    for student in students:
        submission = folders["submissions"] / student.id
        shutil.copytree(folders["students"] / student.id, submission)
        write_submission(assignment, student.id, submission, STYLES.get(student.id, "perfect"))
        result = grade(submission, assignment, student.id)
        results.append(result)
        folders["report"].mkdir(exist_ok=True)
        for fmt, suffix in (("json", "json"), ("text", "txt")):
            _write(folders["report"] / f"{student.id}.{suffix}", render(result, fmt))
        if progress:
            progress(f"graded {student.id}: {result.score:g}/{result.max_score:g}")
    return DemoResult(out, out / "assignment.yaml", out / "roster.csv", folders["students"],
                      folders["submissions"], folders["report"], results)

"""`grader demo`: the whole workflow on bundled sample data, in a folder of its own."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .assignment import load_assignment, load_roster
from .generate import generate


@dataclass
class DemoResult:
    out: Path
    assignment: Path
    roster: Path
    students: Path


def run_demo(out: Path, progress: Callable[[str], None] | None = None) -> DemoResult:
    out.mkdir(parents=True, exist_ok=True)
    data = resources.files("grader").joinpath("demo")
    for name in ("assignment.yaml", "roster.csv"):
        (out / name).write_text(data.joinpath(name).read_text("utf-8"), encoding="utf-8")
    assignment = load_assignment(out / "assignment.yaml")
    students = load_roster(out / "roster.csv")
    target = out / "students"
    if target.exists():
        shutil.rmtree(target)
    generate(assignment, students, target, progress=progress)
    return DemoResult(out, out / "assignment.yaml", out / "roster.csv", target)

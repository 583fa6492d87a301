"""Shared fixtures: the repository's bank and small banks written on the fly."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest

from grader.bank import Bank
from grader.result import Result
from grader.samples import Style

ROOT = Path(__file__).resolve().parent.parent


def unavailable(message: str) -> NoReturn:
    """Something a test needs from the machine is missing: a skip on a developer's
    machine, a failure in CI (whose .ci/run installs it)."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)

MINIMAL = """\
id: {id}
title: A tiny exercise
topic: {topic}
params:
  p: {{uniform: [0.1, 0.9], digits: 2}}
prompt: Let $p = {{{{ p }}}}$.
parts:
  - id: half
    kind: numeric
    points: 1
    answer: p / 2
"""


@pytest.fixture(scope="session")
def bank() -> Bank:
    return Bank(ROOT)


@pytest.fixture
def make_bank(tmp_path: Path) -> Callable[..., Path]:
    """Write specs (id → YAML text) and solutions (id → Python) into a fresh bank."""

    def write(specs: dict[str, str], solutions: dict[str, str] | None = None) -> Path:
        for exercise_id, text in specs.items():
            path = tmp_path / "exercises" / f"{exercise_id}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        for exercise_id, text in (solutions or {}).items():
            path = tmp_path / "solutions" / f"{exercise_id}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        (tmp_path / "exercises").mkdir(exist_ok=True)
        return tmp_path

    return write


def minimal_spec(exercise_id: str = "bayes/tiny") -> str:
    return MINIMAL.format(id=exercise_id, topic=exercise_id.split("/")[0])


@pytest.fixture(scope="session")
def demo_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    """Real results of the demo assignment: student id → Result, one per sample style
    (ada and carl full marks, bayes and emmy typical mistakes, mallory hostile)."""
    from grader.assignment import load_assignment
    from grader.grading import grade
    from grader.samples import write_submission

    styles: dict[str, Style] = {"ada": "perfect", "bayes": "mistakes", "carl": "perfect",
                                "emmy": "mistakes", "mallory": "hostile"}
    assignment = load_assignment(ROOT / "grader" / "demo" / "assignment.yaml")
    results = {}
    for student, style in styles.items():
        folder = tmp_path_factory.mktemp(f"submission-{student}")
        write_submission(assignment, student, folder, style)
        results[student] = grade(folder, assignment, student)
    return results


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this working tree, built as an instructor would build it."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                    "--disable-pip-version-check", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    (found,) = out.glob("probgrader-*.whl")
    return found

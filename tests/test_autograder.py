"""`grader gradescope`: the autograder zip, run as Gradescope runs it, in a /autograder
tree laid out in a temporary folder (paths moved by GRADER_AUTOGRADER_ROOT)."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grader.assignment import load_assignment
from grader.autograder import find_student, unpack
from grader.cli import cli
from grader.samples import write_submission

ROSTER = """\
Student,ID,SIS User ID,SIS Login ID,Section
    Points Possible,,,,
"Lovelace, Ada",73102,s2026001,alovelace,S01
"Turing, Alan",73103,s2026002,aturing,S01
"""


def metadata(email: str, sid: str, name: str = "A Student") -> dict[str, Any]:
    """The shape of Gradescope's submission_metadata.json."""
    return {"id": 123456789, "created_at": "2026-11-30T01:00:00.000000-08:00",
            "assignment": {"id": 4242, "title": "Homework 1", "total_points": "12.0",
                           "due_date": "2026-12-05T23:59:00.000000-08:00"},
            "submission_method": "upload",
            "users": [{"email": email, "id": 1111, "name": name, "sid": sid,
                       "assignment": {}}],
            "previous_submissions": []}


@pytest.fixture(scope="module")
def autograder(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The zip, unpacked as Gradescope does, with setup.sh run once."""
    folder = tmp_path_factory.mktemp("gradescope")
    (folder / "hw1.yaml").write_text("name: hw1\ntitle: Homework 1\nsalt: gs\n"
                                     "exercises:\n  - {id: bayes/medical-test, points: 12}\n")
    (folder / "roster.csv").write_text(ROSTER)
    made = CliRunner().invoke(cli, ["gradescope", str(folder / "hw1.yaml"), "--roster",
                                    str(folder / "roster.csv"), "--out", str(folder / "out"),
                                    "--pip-source", str(wheel), "--visibility",
                                    "after_published"], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    archive = folder / "out" / "hw1-gradescope.zip"
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        modes = {i.filename: (i.external_attr >> 16) for i in z.infolist()}
    # Gradescope's layout: both scripts at the root of the zip, executable
    assert {"setup.sh", "run_autograder", "assignment.yaml", "roster.csv",
            f"dist/{wheel.name}"} <= set(names)
    assert all(modes[n] & stat.S_IXUSR for n in ("setup.sh", "run_autograder"))
    root = folder / "autograder"
    unpack(archive, root)
    # The venv setup.sh makes sees this machine's packages (no network needed); pip is
    # told to install the shipped wheel there even if this machine has the grader (CI
    # installs it before the tests), and not to touch the dependencies.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(folder), "GRADER_AUTOGRADER_ROOT": str(root),
           "GRADER_PYTHON": sys.executable, "PIP_FORCE_REINSTALL": "1", "PIP_NO_DEPS": "1"}
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env,
                           capture_output=True, text=True, timeout=600)
    assert setup.returncode == 0, setup.stderr
    where = subprocess.run([str(root / "venv" / "bin" / "python"), "-c",
                            "import grader; print(grader.__file__)"], cwd=root,
                           capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(root / "venv"))       # the wheel from the zip
    return root


def run_submission(root: Path, meta: dict[str, Any], student: str | None) -> dict[str, Any]:
    submission = root / "submission"
    if submission.exists():
        import shutil

        shutil.rmtree(submission)
    submission.mkdir()
    if student is not None:
        assignment = load_assignment(root / "source" / "assignment.yaml")
        # a student who uploaded their folder rather than its files
        write_submission(assignment, student, submission / "hw1", "perfect")
    (root / "submission_metadata.json").write_text(json.dumps(meta))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(root), "GRADER_AUTOGRADER_ROOT": str(root)}
    run = subprocess.run([str(root / "run_autograder")], cwd=root, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    data: dict[str, Any] = json.loads((root / "results" / "results.json").read_text())
    return data


def test_a_submission_is_graded_as_its_students_variant(autograder: Path) -> None:
    # The SID is Canvas's SIS User ID, a column of the roster; the id is the SIS User ID.
    data = run_submission(autograder, metadata("ada@uni.example", "s2026001"), "s2026001")
    assert data["extra_data"]["student"] == "s2026001"
    assert data["extra_data"]["matched_by"] == "sid = roster id"
    assert data["score"] == data["extra_data"]["max_score"] == 12
    assert data["visibility"] == "after_published"
    assert data["output_format"] == "md"
    assert data["tests"] and all(t["visibility"] == "after_published" and
                                 t["output_format"] == "md" for t in data["tests"])
    assert sum(t["score"] for t in data["tests"]) == pytest.approx(12)


def test_the_email_finds_the_student_too(autograder: Path) -> None:
    # no SID on the Gradescope account; the login column holds the email's user
    meta = metadata("aturing", "")
    data = run_submission(autograder, meta, "s2026002")
    assert data["extra_data"]["student"] == "s2026002"
    assert data["extra_data"]["matched_by"] == "email = roster column 'SIS Login ID'"


def test_a_submitter_not_on_the_roster_is_told_so(autograder: Path) -> None:
    data = run_submission(autograder, metadata("eve@else.example", "999", "Eve"), None)
    assert data["score"] == 0 and data["tests"] == []
    assert data["output"].startswith("**Not graded**")
    assert "eve@else.example" in data["output"] and "999" in data["output"]


def test_find_student_prefers_the_first_submitter_on_the_roster() -> None:
    from grader.assignment import Student

    roster = [Student("ada", "Ada", "ada@uni.example"), Student("bob", "Bob", "b@x.example")]
    group = {"users": [{"email": "z@z", "sid": ""}, {"email": "ADA@uni.example", "sid": ""}]}
    found = find_student(group, roster)
    assert found is not None and (found.student, found.by) == ("ada", "email = roster email")
    assert find_student({"users": "nonsense"}, roster) is None

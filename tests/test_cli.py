"""The CLI: every command has help, user errors are one line with exit 1, demo works."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from grader.cli import cli


def commands() -> list[str]:
    return sorted(cli.commands)


@pytest.mark.parametrize("name", commands())
def test_every_command_has_help_with_an_example(name: str) -> None:
    command = cli.commands[name]
    assert isinstance(command, click.Command)
    result = CliRunner().invoke(cli, [name, "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert command.help and len(command.help.splitlines()[0]) > 10


def test_list_shows_the_bank() -> None:
    result = CliRunner().invoke(cli, ["list"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "bayes/medical-test" in result.output
    assert "function,numeric,symbolic" in result.output.replace("choice,", "")


def test_preview_is_reproducible_and_differs_per_student() -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["preview", "bayes/medical-test", "--student", "alice", "--answers"])
    again = runner.invoke(cli, ["preview", "bayes/medical-test", "--student", "alice", "--answers"])
    other = runner.invoke(cli, ["preview", "bayes/medical-test", "--student", "bob"])
    assert first.exit_code == 0, first.output
    assert first.output == again.output
    assert "answer:" in first.output and "answer:" not in other.output
    assert first.output.split("\n", 3)[2] != other.output.split("\n", 3)[2]


def test_unknown_exercise_is_one_line() -> None:
    result = CliRunner().invoke(cli, ["preview", "bayes/medical-tset"])
    assert result.exit_code == 1
    assert "did you mean 'bayes/medical-test'" in result.output
    assert "Traceback" not in result.output


def test_usage_error_exits_2() -> None:
    result = CliRunner().invoke(cli, ["preview", "bayes/medical-test", "--student", "a",
                                      "--seed", "3"])
    assert result.exit_code == 2


def test_validate_whole_bank() -> None:
    result = CliRunner().invoke(cli, ["validate", "--seeds", "5", "--variants", "300"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.output


def test_demo_from_another_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["demo", "--out", "d"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for student in ("ada", "bayes", "carl", "emmy", "mallory"):
        assert (tmp_path / "d" / "students" / student / "assignment.html").is_file()
    assert (tmp_path / "d" / "students" / "answer-key.html").is_file()
    assert (tmp_path / "d" / "assignment.yaml").is_file()
    # scores for people: at most two decimals ("3.17/45", not "3.17182/45")
    assert re.search(r"graded bayes \d+(\.\d{1,2})?/45\b", result.output), result.output
    assert not re.search(r"\d\.\d{3,}", result.output)


def test_grade_all_and_resume_through_the_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    demo = runner.invoke(cli, ["demo", "--out", str(tmp_path / "d")], catch_exceptions=False)
    assert demo.exit_code == 0
    d = tmp_path / "d"
    args = ["grade-all", str(d / "submissions"), "--assignment", str(d / "assignment.yaml"),
            "--roster", str(d / "roster.csv"), "--out", str(tmp_path / "g"), "-j", "2"]
    first = runner.invoke(cli, args, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "Graded 5, unchanged 0, failed 0" in first.output
    for name in ("gradebook.sqlite", "grades.csv", "class-report.html", "students/ada.html"):
        assert (tmp_path / "g" / name).is_file()
    again = runner.invoke(cli, args, catch_exceptions=False)
    assert "Graded 0, unchanged 5, failed 0" in again.output


def test_classroom_command_writes_a_template(tmp_path: Path) -> None:
    import yaml

    from .conftest import ROOT

    demo = str(ROOT / "grader" / "demo" / "assignment.yaml")
    result = CliRunner().invoke(cli, ["classroom", demo, "--out", str(tmp_path / "t")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    workflow = yaml.safe_load((tmp_path / "t" / ".github" / "workflows" / "classroom.yml")
                              .read_text())
    steps = workflow["jobs"]["run-autograding-tests"]["steps"]
    reporter = next(s for s in steps if "autograding-grading-reporter" in s.get("uses", ""))
    assert reporter["with"]["runners"] == "grade"
    assert "steps.grade.outputs.result" in reporter["env"]["GRADE_RESULTS"]
    assert (tmp_path / "t" / "README.md").is_file()


def _one_submission(tmp_path: Path) -> tuple[Path, Path]:
    from grader.assignment import load_assignment
    from grader.samples import write_submission

    demo = Path(__file__).resolve().parent.parent / "grader" / "demo" / "assignment.yaml"
    write_submission(load_assignment(demo), "ada", tmp_path / "ada", "perfect")
    return demo, tmp_path / "ada"


def test_without_the_boundary_grading_refuses_in_one_line_unless_trusted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from grader import sandbox

    demo, folder = _one_submission(tmp_path)
    sandbox.shutdown_zygote()
    monkeypatch.setattr(sandbox._jail, "unavailable_reason",
                        lambda: "Darwin has no Linux namespaces")
    runner = CliRunner()
    for args in (["grade", str(folder), "--assignment", str(demo)],
                 ["grade-all", str(tmp_path), "--assignment", str(demo), "--out",
                  str(tmp_path / "out")]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 1, result.output
        lines = [line for line in result.output.splitlines() if line.startswith("Error")]
        assert len(lines) == 1 and "Darwin has no Linux namespaces" in lines[0]
        assert "--trusted" in lines[0] and "Traceback" not in result.output
    assert not (tmp_path / "out" / "gradebook.sqlite").exists()  # refused before grading
    trusted = runner.invoke(cli, ["grade", str(folder), "--assignment", str(demo),
                                  "--trusted"], catch_exceptions=False)
    assert trusted.exit_code == 0 and "Score:" in trusted.output
    sandbox.shutdown_zygote()


def test_student_text_cannot_drive_the_terminal(tmp_path: Path) -> None:
    demo, folder = _one_submission(tmp_path)
    solution = folder / "solution.py"
    solution.write_text(solution.read_text() + "\nraise ValueError('\\x1b]0;owned\\x07"
                        "\\x1b[2J\\rScore: 45 / 45')\n")
    result = CliRunner().invoke(cli, ["grade", str(folder), "--assignment", str(demo)],
                                catch_exceptions=False)
    assert result.exit_code == 0
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b]0;owned\\x07" in result.output  # shown, escaped
    assert "\r" not in result.output


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_a_student_checks_their_own_work_on_macos_and_windows(platform: str,
                                                              tmp_path: Path) -> None:
    """`grader check` as a student runs it, in a folder made by `generate`, with the
    platform simulated: no namespaces, no zygote, the limits the system has."""
    import os
    import subprocess
    import sys

    from grader.assignment import Student, load_assignment
    from grader.generate import generate
    from grader.samples import write_submission

    root = Path(__file__).resolve().parent.parent
    assignment = load_assignment(root / "grader" / "demo" / "assignment.yaml")
    (folder,) = generate(assignment, [Student("ada")], tmp_path / "hw")
    write_submission(assignment, "ada", folder, "perfect")
    env = {**os.environ, "PYTHONPATH": str(root), "GRADER_SANDBOX_PLATFORM": platform}
    done = subprocess.run([sys.executable, "-m", "grader.cli", "check"], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    function_parts = [p.id for i in assignment.exercise_ids for p in assignment.spec(i).parts
                      if p.kind == "function"]
    lines = done.stdout.splitlines()
    for part in function_parts:  # every function part ran, and ran right
        assert any(part in line and "✓" in line for line in lines), (part, done.stdout)

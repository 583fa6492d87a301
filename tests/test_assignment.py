"""Assignment files and rosters: the happy paths and every user error as a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.assignment import load_assignment, load_roster
from grader.errors import AssignmentError, RosterError

from .conftest import ROOT


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_roster_with_lms_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "\ufeffStudent Name,SIS User ID,Email\n"
                 "Ada Lovelace,ada,ada@x.edu\n\nAlan Turing,alan,alan@x.edu\n")
    students = load_roster(path)
    assert [(s.id, s.name, s.email) for s in students] == [
        ("ada", "Ada Lovelace", "ada@x.edu"), ("alan", "Alan Turing", "alan@x.edu")]


def test_roster_semicolons_and_explicit_column(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "login;matrikel\nx1;111\nx2;222\n")
    assert [s.id for s in load_roster(path)] == ["x1", "x2"]
    assert [s.id for s in load_roster(path, "matrikel")] == ["111", "222"]


@pytest.mark.parametrize(("text", "fragment", "line"), [
    ("name,email\nAda,a@x\n", "no student id column", 1),
    ("id,name\nada,Ada\nada,Again\n", "duplicate student id 'ada' (first on line 2)", 3),
    ("id\n../evil\n", "cannot name a folder", 2),
    ("id,name\n,Nobody\n", "empty student id", 2),
    ("id\n", "lists no students", None),
    ("", "empty", None),
])
def test_bad_roster(tmp_path: Path, text: str, fragment: str, line: int | None) -> None:
    path = write(tmp_path, "r.csv", text)
    with pytest.raises(RosterError) as info:
        load_roster(path)
    assert fragment in str(info.value)
    assert str(path) in str(info.value)
    assert info.value.line == line


def test_missing_roster(tmp_path: Path) -> None:
    with pytest.raises(RosterError, match="no such file"):
        load_roster(tmp_path / "nope.csv")


def test_assignment_points_rescale(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", "name: hw1\nsalt: s\nexercises:\n"
                 "  - bayes/medical-test\n  - {id: mle/bernoulli, points: 16}\n")
    assignment = load_assignment(path)
    native = assignment.spec("mle/bernoulli").points
    assert assignment.scale("mle/bernoulli") == pytest.approx(16 / native)
    assert assignment.scale("bayes/medical-test") == 1.0
    assert assignment.max_score == pytest.approx(assignment.spec("bayes/medical-test").points + 16)


@pytest.mark.parametrize(("text", "fragment", "line"), [
    ("name: hw1\nsalt: s\nexercises: [bayes/medical-tset]\n",
     "did you mean 'bayes/medical-test'", 3),
    ("name: hw1\nsalt: s\nexercises: [bayes/medical-test, bayes/medical-test]\n",
     "listed twice", 3),
    ("name: hw1\nexercises: [bayes/medical-test]\n", "missing key 'salt'", 1),
    ("name: hw1\nsalt: s\nexercises: [bayes/medical-test]\ndeadline: friday\n",
     "unknown key 'deadline'", 4),
    ("name: hw1\nsalt: s\nbank: nowhere\nexercises: [bayes/medical-test]\n", "not a bank", 3),
])
def test_bad_assignment(tmp_path: Path, text: str, fragment: str, line: int | None) -> None:
    path = write(tmp_path, "a.yaml", text)
    with pytest.raises(AssignmentError) as info:
        load_assignment(path)
    assert fragment in str(info.value)
    assert info.value.line == line


def test_assignment_with_own_bank_relative_to_file(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(ROOT / "exercises", tmp_path / "mybank" / "exercises")
    shutil.copytree(ROOT / "solutions", tmp_path / "mybank" / "solutions")
    (tmp_path / "course").mkdir()
    path = write(tmp_path / "course", "a.yaml",
                 "name: hw1\nsalt: s\nbank: ../mybank\nexercises: [mle/bernoulli]\n")
    assignment = load_assignment(path)
    assert assignment.bank.root == (tmp_path / "mybank").resolve()

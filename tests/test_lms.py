"""Rosters from real LMS exports, and the grade files Canvas and Moodle import."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.assignment import load_assignment, load_roster
from grader.cli import cli
from grader.lms import CANVAS_IDENTITY
from grader.samples import write_submission

from .conftest import ROOT

DATA = ROOT / "tests" / "data"
CANVAS = DATA / "canvas-gradebook-export.csv"
MOODLE = DATA / "moodle-participants.csv"


def rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_a_canvas_gradebook_export_is_a_roster() -> None:
    roster = load_roster(CANVAS)
    # SIS User ID, not Canvas's own numeric ID; no "Points Possible" row, no test student
    assert [s.id for s in roster] == ["s2026001", "s2026002", "s2026003"]
    assert [s.name for s in roster] == ["Lovelace, Ada", "Turing, Alan", "=Noether, Emmy"]
    assert roster.id_column == "SIS User ID"
    assert roster.describe() == (
        "3 students from a Canvas gradebook export, ids from column 'SIS User ID'; "
        "skipped the 'Points Possible' row, Canvas's test student")
    assert roster[0].columns["Section"] == "PROB 210 Section 01"


def test_canvas_ids_fall_back_to_the_login_then_the_canvas_id(tmp_path: Path) -> None:
    text = CANVAS.read_text().replace("s2026002", "")
    (tmp_path / "a.csv").write_text(text)
    roster = load_roster(tmp_path / "a.csv")
    assert roster.id_column == "SIS Login ID" and roster[1].id == "aturing"
    text = text.replace("alovelace", "")
    (tmp_path / "b.csv").write_text(text)
    assert load_roster(tmp_path / "b.csv").id_column == "ID"
    assert load_roster(CANVAS, "ID")[0].id == "73102"            # when asked for it


def test_a_moodle_participants_export_is_a_roster(tmp_path: Path) -> None:
    roster = load_roster(MOODLE)
    assert [s.id for s in roster] == ["20260001", "20260002", "20260003"]
    assert (roster[0].name, roster[0].email) == ("Ada Lovelace", "ada@uni.example")
    assert "Moodle participants export, ids from column 'ID number'" in roster.describe()
    # a site that shows no ID number: the email address identifies each participant
    lines = [",".join(c for i, c in enumerate(line.split(",")) if i != 2)
             for line in MOODLE.read_text().splitlines()]
    (tmp_path / "m.csv").write_text("\n".join(lines) + "\n")
    assert load_roster(tmp_path / "m.csv")[2].id == "grace@uni.example"


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Hand-ins named by SIS User ID, graded against the Canvas export as the roster."""
    root = tmp_path_factory.mktemp("lms")
    (root / "hw1.yaml").write_text("name: hw1\ntitle: Homework 1\nsalt: lms\n"
                                   "exercises:\n  - {id: bayes/medical-test, points: 12}\n")
    assignment = load_assignment(root / "hw1.yaml")
    write_submission(assignment, "s2026001", root / "hand-ins" / "s2026001", "perfect")
    write_submission(assignment, "s2026002", root / "hand-ins" / "s2026002", "mistakes")
    shutil.copyfile(CANVAS, root / "roster.csv")
    run = CliRunner().invoke(cli, ["grade-all", str(root / "hand-ins"), "--assignment",
                                   str(root / "hw1.yaml"), "--roster", str(root / "roster.csv"),
                                   "--out", str(root / "grades"), "-j", "1"],
                             catch_exceptions=False)
    assert run.exit_code == 0, run.output
    assert ("Roster: 3 students from a Canvas gradebook export, ids from column "
            "'SIS User ID'") in run.output
    return root


def test_canvas_csv_is_the_gradebook_import_layout(course: Path) -> None:
    table = rows(course / "grades" / "canvas.csv")
    # the identity columns, then the assignment's own column from the export: Canvas
    # updates "Homework 1" rather than creating assignments for score, percent ...
    assert table[0] == [*CANVAS_IDENTITY, "Homework 1 (4821337)"]
    assert table[1] == ["Points Possible", "", "", "", "", "12"]
    by_sis = {r[2]: r for r in table[2:]}
    assert set(by_sis) == {"s2026001", "s2026002", "s2026003"}
    ada = by_sis["s2026001"]
    assert ada[:5] == ["Lovelace, Ada", "73102", "s2026001", "alovelace", "PROB 210 Section 01"]
    assert ada[5] == "12"
    alan = float(by_sis["s2026002"][5])
    assert 0 <= alan < 12
    assert by_sis["s2026003"][0] == "'=Noether, Emmy"        # stays text in a spreadsheet
    assert by_sis["s2026003"][5] == "0"                      # graded as handing in nothing
    text = (course / "grades" / "grades.csv").read_text(encoding="utf-8")
    grades = {r["id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert float(grades["s2026002"]["score"]) == alan        # one rounding rule


def test_moodle_csv_has_columns_its_import_wizard_maps(course: Path) -> None:
    table = rows(course / "grades" / "moodle.csv")
    assert table[0] == ["ID number", "Username", "Email address", "First name", "Last name",
                        "Homework 1"]
    assert table[1][:2] == ["s2026001", "s2026001"] and table[1][5] == "12"


def test_a_canvas_csv_from_a_plain_roster(tmp_path: Path) -> None:
    from grader.lms import canvas_csv
    from grader.result import ExerciseResult, PartResult, Result

    (tmp_path / "r.csv").write_text("login,name\nada,Ada Lovelace\nbob,Bob\n")
    roster = load_roster(tmp_path / "r.csv")
    assignment = load_assignment(ROOT / "grader" / "demo" / "assignment.yaml")
    result = Result("demo-hw1", "ada", (ExerciseResult(
        "bayes/medical-test", (PartResult("p", "numeric", 3.171875, 4.0, "partial"),)),))
    table = list(csv.reader(io.StringIO(canvas_csv(assignment, roster, {"ada": result},
                                                   roster.id_column))))
    assert table[0][-1] == assignment.title
    # a login is Canvas's SIS Login ID; no attempt is an empty cell, not a 0
    assert table[2] == ["Ada Lovelace", "", "", "ada", "", "3.17"]
    assert table[3] == ["Bob", "", "", "bob", "", ""]


def test_a_roster_that_names_no_hand_in_is_an_error(course: Path, tmp_path: Path) -> None:
    out = tmp_path / "grades"
    run = CliRunner().invoke(cli, ["grade-all", str(course / "hand-ins"), "--assignment",
                                   str(course / "hw1.yaml"), "--roster", str(CANVAS),
                                   "--id-column", "ID", "--out", str(out)])
    assert run.exit_code == 1
    error = run.output.splitlines()[-1]
    assert error.startswith("Error: none of the 3 roster ids (from column 'ID') names a folder")
    assert "s2026001, s2026002" in error and "--id-column" in error
    assert "Traceback" not in run.output and not out.exists()

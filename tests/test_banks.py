"""Several banks in one assignment: the bundled one and an instructor's own, side by side,
without copying files, with every exercise id found in exactly one of them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from grader.assignment import Student, load_assignment, load_roster
from grader.bank import Bank, bundled_root
from grader.cli import cli
from grader.errors import AssignmentError
from grader.generate import generate
from grader.grading import grade
from grader.samples import write_submission

# An instructor's exercise in a topic the bundled bank does not have, with a function part.
KL_SPEC = """\
id: distances/kl-coins
title: KL divergence between two coins
topic: distances
params:
  p: {uniform: [0.2, 0.8], digits: 2}
  q: {uniform: [0.2, 0.8], digits: 2}
constraints: ["abs(p - q) > 0.05"]
derived:
  kl: p*log(p/q) + (1 - p)*log((1 - p)/(1 - q))
prompt: Coins with $P(1) = {{ p }}$ and $P(1) = {{ q }}$.
parts:
  - id: value
    kind: numeric
    points: 2
    prompt: What is $D_{KL}(P \\| Q)$ in nats?
    answer: kl
  - id: code
    kind: function
    points: 2
    function: kl_bernoulli
    signature: "kl_bernoulli(p: float, q: float) -> float"
"""
KL_SOLUTION = """\
import math


def kl_bernoulli(p, q):
    return p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))


def cases_kl_bernoulli(rng, params):
    yield {"p": params["p"], "q": params["q"]}
    for _ in range(5):
        yield {"p": float(rng.uniform(0.1, 0.9)), "q": float(rng.uniform(0.1, 0.9))}
"""
MIXED = """\
name: hw2
salt: s2
bank: [bundled, ../my-bank]
exercises:
  - bayes/medical-test
  - {id: distances/kl-coins, points: 6}
"""


@pytest.fixture
def course(tmp_path: Path) -> Path:
    bank = tmp_path / "my-bank"
    (bank / "exercises" / "distances").mkdir(parents=True)
    (bank / "solutions" / "distances").mkdir(parents=True)
    (bank / "exercises" / "distances" / "kl-coins.yaml").write_text(KL_SPEC)
    (bank / "solutions" / "distances" / "kl-coins.py").write_text(KL_SOLUTION)
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "hw2.yaml").write_text(MIXED)
    (tmp_path / "course" / "roster.csv").write_text("id,name\nada,Ada\nbob,Bob\n")
    return tmp_path


def test_an_assignment_mixes_the_bundled_bank_with_its_own(course: Path) -> None:
    assignment = load_assignment(course / "course" / "hw2.yaml")
    assert assignment.bank.roots == (bundled_root(), (course / "my-bank").resolve())
    assert assignment.bank.owner("bayes/medical-test") == bundled_root()
    assert assignment.spec("distances/kl-coins").topic == "distances"
    assert assignment.max_score == assignment.spec("bayes/medical-test").points + 6
    write_submission(assignment, "ada", course / "ada", "perfect")
    result = grade(course / "ada", assignment, "ada")
    assert result.score == result.max_score == assignment.max_score


def test_the_same_id_in_two_banks_is_refused(course: Path) -> None:
    copy = course / "my-bank" / "exercises" / "bayes"
    copy.mkdir()
    shutil.copyfile(bundled_root() / "exercises" / "bayes" / "medical-test.yaml",
                    copy / "medical-test.yaml")
    with pytest.raises(AssignmentError) as info:
        load_assignment(course / "course" / "hw2.yaml")
    message = str(info.value)
    assert "'bayes/medical-test' is in 2 banks" in message and "my-bank" in message
    assert info.value.line == 5 and "\n" not in message


def test_student_files_name_no_path_of_the_instructors_machine(course: Path) -> None:
    assignment = load_assignment(course / "course" / "hw2.yaml")
    out = course / "hw2-students"
    generate(assignment, load_roster(course / "course" / "roster.csv"), out)
    for path in (out / "ada").rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert str(course) not in text and "my-bank" not in text, path
    meta = yaml.safe_load((out / "ada" / ".grader.yaml").read_text())
    assert "bank" not in meta and "bank" not in meta["assignment"]  # graded: no key to hold
    # graded work: `grader check` reads the answers back without any bank
    write_submission(assignment, "ada", out / "ada", "perfect")
    check = CliRunner().invoke(cli, ["check", str(out / "ada")], catch_exceptions=False)
    assert check.exit_code == 0, check.output


def test_practice_work_from_mixed_banks_is_checked_in_full(course: Path) -> None:
    """Practice work carries its exercises (the bundled bank's and the instructor's) in the
    student's .grader/bank, named relatively: `grader check` grades the variant in full."""
    hw = course / "course" / "hw2.yaml"
    hw.write_text(MIXED + "practice: true\n")
    assignment = load_assignment(hw)
    out = course / "hw2-practice"
    generate(assignment, load_roster(course / "course" / "roster.csv"), out)
    meta = yaml.safe_load((out / "ada" / ".grader.yaml").read_text())
    assert meta["bank"] == ".grader/bank"
    for path in (out / "ada").rglob("*"):
        if path.is_file() and path.suffix in (".yaml", ".md", ".html"):
            assert str(course) not in path.read_text(encoding="utf-8"), path
    write_submission(assignment, "ada", out / "ada", "perfect")
    check = CliRunner().invoke(cli, ["check", str(out / "ada"), "--format", "json"],
                               catch_exceptions=False)
    assert check.exit_code == 0, check.output
    assert json.loads(check.output)["score"] == assignment.max_score


def test_the_bundled_bank_alone_writes_no_bank_at_all(tmp_path: Path) -> None:
    (tmp_path / "hw.yaml").write_text("name: hw\nsalt: s\nexercises: [bayes/medical-test]\n")
    assignment = load_assignment(tmp_path / "hw.yaml")
    generate(assignment, load_roster_text(tmp_path, "id\nada\n"), tmp_path / "out")
    meta = yaml.safe_load((tmp_path / "out" / "ada" / ".grader.yaml").read_text())
    assert "bank" not in meta and "bank" not in meta["assignment"]


def load_roster_text(folder: Path, text: str) -> list[Student]:
    (folder / "roster.csv").write_text(text)
    return load_roster(folder / "roster.csv")


def test_grade_all_and_classroom_with_several_banks(course: Path) -> None:
    assignment = load_assignment(course / "course" / "hw2.yaml")
    for sid in ("ada", "bob"):
        write_submission(assignment, sid, course / "hand-ins" / sid, "perfect")
    run = CliRunner().invoke(cli, [
        "grade-all", str(course / "hand-ins"), "--assignment", str(course / "course" / "hw2.yaml"),
        "--out", str(course / "grades"), "-j", "2"], catch_exceptions=False)
    assert run.exit_code == 0, run.output
    for sid in ("ada", "bob"):
        report = json.loads((course / "grades" / "students" / f"{sid}.json").read_text())
        assert report["score"] == assignment.max_score

    from grader.classroom import make_classroom

    template = make_classroom(assignment, course / "template")
    # the template's own bank holds both exercises, each from its bank
    assert Bank(template / ".grader" / "bank").ids == ("bayes/medical-test",
                                                       "distances/kl-coins")
    private = make_classroom(assignment, course / "private", solutions="private",
                             bank_repository="o/bank")
    copy = yaml.safe_load((private / ".grader" / "assignment.yaml").read_text())
    assert copy["bank"] == ["bank", "bundled"]


def test_list_searches_several_banks(course: Path) -> None:
    result = CliRunner().invoke(cli, ["list", "--bank", "bundled",
                                      "--bank", str(course / "my-bank")])
    assert result.exit_code == 0, result.output
    assert "distances/kl-coins" in result.output and "bayes/medical-test" in result.output
    assert f"in the bundled bank + {(course / 'my-bank').resolve()}" in result.output


def test_a_gradescope_autograder_carries_the_instructors_exercises(course: Path) -> None:
    from grader.autograder import make_autograder, unpack
    from grader.source import Source

    assignment = load_assignment(course / "course" / "hw2.yaml")
    roster = load_roster(course / "course" / "roster.csv")
    archive = make_autograder(assignment, roster, course / "course" / "roster.csv",
                              course / "gs", source=Source("probgrader==0.1.0"))
    unpack(archive, course / "autograder")
    source = course / "autograder" / "source"
    # the instructor's exercise travels in the zip; the bundled one comes with the grader
    assert (source / "bank" / "exercises" / "distances" / "kl-coins.yaml").is_file()
    assert (source / "bank" / "solutions" / "distances" / "kl-coins.py").is_file()
    assert not (source / "bank" / "exercises" / "bayes").exists()
    copy = load_assignment(source / "assignment.yaml")
    assert copy.exercise_ids == assignment.exercise_ids
    assert copy.max_score == assignment.max_score
    assert str(course) not in (source / "assignment.yaml").read_text()

"""`grader generate`: per-student folders with everything a student needs, and the key."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from grader.cli import cli

ASSIGNMENT = """\
name: hw1
title: "Homework 1"
salt: fall-2026
exercises:
  - bayes/medical-test
  - {id: mle/bernoulli, points: 6}
  - nll/nll-loss
"""


def run_generate(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "hw1.yaml").write_text(ASSIGNMENT)
    (tmp_path / "roster.csv").write_text("id,name\nalice,Alice\nbob,Bob\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["generate", str(tmp_path / "hw1.yaml"), "--roster",
                                      str(tmp_path / "roster.csv"), "--out", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def test_student_folders_have_every_file(tmp_path: Path) -> None:
    out = run_generate(tmp_path)
    for student in ("alice", "bob"):
        folder = out / student
        names = {p.name for p in folder.iterdir()}
        assert {"assignment.html", "README.md", "solution.py", "answers.yaml",
                ".grader.yaml"} <= names
    assert (out / "answer-key.html").is_file()
    key = json.loads((out / "answer-key.json").read_text())
    assert [s["student"] for s in key["students"]] == ["alice", "bob"]


def test_solution_stub_is_valid_python_with_the_signatures(tmp_path: Path) -> None:
    out = run_generate(tmp_path)
    source = (out / "alice" / "solution.py").read_text()
    tree = ast.parse(source)
    functions = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}
    assert set(functions) == {"posterior_prob", "bernoulli_mle", "nll_loss"}
    args = [a.arg for a in functions["nll_loss"].args.args]
    assert args == ["log_probs", "target", "weight", "ignore_index", "reduction"]
    assert ast.get_docstring(functions["posterior_prob"])


def test_answers_stub_lists_every_part_as_text(tmp_path: Path) -> None:
    out = run_generate(tmp_path)
    text = (out / "alice" / "answers.yaml").read_text()
    data = yaml.load(text, Loader=yaml.BaseLoader)
    assert set(data) == {"bayes/medical-test", "mle/bernoulli", "nll/nll-loss"}
    assert set(data["bayes/medical-test"]) == {"evidence", "posterior", "formula", "likely"}
    assert all(v == "" for v in data["bayes/medical-test"].values())
    assert "# A person tests positive. What is $P(D \\mid +)$? (numeric, 4 points)" in text


def test_metadata_describes_the_parts_without_the_salt(tmp_path: Path) -> None:
    out = run_generate(tmp_path)
    text = (out / "bob" / ".grader.yaml").read_text()
    meta = yaml.safe_load(text)
    assert meta["student"] == "bob"
    assert meta["mode"] == "graded"
    assert "fall-2026" not in text and "salt" not in meta["assignment"]
    assert "seed" not in text and "bank" not in meta          # nothing to regrade with
    bernoulli = meta["exercises"][1]
    assert (bernoulli["id"], bernoulli["points"]) == ("mle/bernoulli", 6)
    code = next(p for p in bernoulli["parts"] if p["kind"] == "function")
    assert code["examples"] == [{"args": {"data": [1, 0, 0, 1, 0]}, "output": 0.4,
                                 "shown": "0.4"}]
    # and the student reads them, with their outputs, in both views of the assignment
    for name in ("assignment.html", "README.md"):
        text = (out / "bob" / name).read_text()
        assert "bernoulli_mle(data=[1, 0, 0, 1, 0])" in text and "returns" in text, name


def test_students_get_different_variants_and_regeneration_is_identical(tmp_path: Path) -> None:
    out = run_generate(tmp_path)
    alice = (out / "alice" / "README.md").read_text()
    bob = (out / "bob" / "README.md").read_text()
    assert alice != bob
    again = run_generate(tmp_path / "again")
    assert (again / "alice" / "README.md").read_text() == alice
    assert (again / "answer-key.json").read_text() == (out / "answer-key.json").read_text()


def test_html_page_is_self_contained(tmp_path: Path) -> None:
    out = run_generate(tmp_path)
    html = (out / "alice" / "assignment.html").read_text()
    assert "<math" in html
    assert "<script" not in html
    assert "http://" not in html and "https://" not in html
    assert "{{" not in html


def test_readme_keeps_latex_for_github(tmp_path: Path) -> None:
    out = run_generate(tmp_path)
    readme = (out / "alice" / "README.md").read_text()
    assert "$P(D \\mid +)$" in readme
    assert "alice" in readme


def test_every_student_is_told_the_precision_policy(tmp_path: Path) -> None:
    out = run_generate(tmp_path)
    readme = (out / "alice" / "README.md").read_text()
    answers = (out / "alice" / "answers.yaml").read_text()
    assert "A numeric answer is accepted when it is right to 3 significant figures" in readme
    header = " ".join(line.lstrip("# ") for line in answers.splitlines()[:10])
    assert "A numeric answer is accepted when it is right to 3 significant figures" in header
    assert "a part that needs more or less precision says so" in header


def test_students_are_told_they_may_answer_a_choice_by_letter(tmp_path: Path) -> None:
    out = run_generate(tmp_path)
    answers = (out / "alice" / "answers.yaml").read_text()
    readme = (out / "alice" / "README.md").read_text()
    assert "  # options (write a letter or the text): (a) yes | (b) no" in answers
    assert "- (a) yes\n- (b) no" in readme
    assert "(an option's letter, like <code>a</code>, or its text)" in \
        (out / "alice" / "assignment.html").read_text()

"""Grading whole submissions: DESIGN's result schema, statuses, and damage kept to one part."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from grader.assignment import Assignment, load_assignment
from grader.cli import cli
from grader.grading import grade
from grader.samples import write_submission

from .conftest import ROOT

DEMO = ROOT / "grader" / "demo" / "assignment.yaml"


@pytest.fixture(scope="module")
def assignment() -> Assignment:
    return load_assignment(DEMO)


def statuses(result) -> dict[tuple[str, str], str]:
    return {(e.id, p.id): p.status for e, p in result.parts()}


def test_perfect_submission_earns_full_marks(assignment: Assignment, tmp_path: Path) -> None:
    write_submission(assignment, "ada", tmp_path, "perfect")
    result = grade(tmp_path, assignment, "ada")
    assert set(statuses(result).values()) == {"correct"}
    assert result.score == result.max_score == pytest.approx(assignment.max_score)


def test_result_json_is_designs_schema(assignment: Assignment, tmp_path: Path) -> None:
    write_submission(assignment, "bayes", tmp_path, "mistakes")
    data = grade(tmp_path, assignment, "bayes").to_dict()
    assert list(data) == ["schema", "assignment", "student", "score", "max_score", "exercises",
                          "grader_version"]
    assert data["schema"] == "grader.result/1"
    assert (data["assignment"], data["student"]) == ("demo-hw1", "bayes")
    exercise = data["exercises"][1]
    assert list(exercise) == ["id", "score", "max_score", "parts"]
    part = exercise["parts"][1]
    assert list(part) == ["id", "kind", "score", "max_score", "status", "note", "feedback",
                          "given", "expected"]
    assert (part["id"], part["status"], part["note"]) == ("posterior", "incorrect",
                                                         "inverse-confusion")
    assert part["given"] is not None and part["expected"] is not None
    assert data["score"] == pytest.approx(sum(e["score"] for e in data["exercises"]))
    json.dumps(data)   # plain data all the way down


def test_mistakes_get_notes_and_partial_credit(assignment: Assignment, tmp_path: Path) -> None:
    write_submission(assignment, "bayes", tmp_path, "mistakes")
    result = grade(tmp_path, assignment, "bayes")
    parts = {(e.id, p.id): p for e, p in result.parts()}
    assert parts["bayes/medical-test", "evidence"].status == "partial"
    assert parts["bayes/medical-test", "evidence"].score == pytest.approx(0.5)
    assert parts["bayes/medical-test", "code"].note == "inverse-confusion"
    assert parts["nll/nll-loss", "code"].note == "weighted-divided-by-n"
    assert parts["information/kl-divergence", "code"].note == "kl-direction"


def test_hostile_submission_costs_only_its_parts(assignment: Assignment, tmp_path: Path) -> None:
    marker = Path("/tmp/grader-pwned")
    marker.unlink(missing_ok=True)
    write_submission(assignment, "mallory", tmp_path, "hostile")
    start = time.perf_counter()
    result = grade(tmp_path, assignment, "mallory")
    elapsed = time.perf_counter() - start
    got = statuses(result)
    assert result.score == 0
    assert got["bayes/medical-test", "code"] == "error"           # os.system refused
    assert got["mle/bernoulli", "code"] == "timeout"
    assert got["nll/nll-loss", "code"] == "error"                 # memory blow-up
    assert got["information/kl-divergence", "code"] == "error"    # SystemExit in the call
    assert {s for (_, p), s in got.items() if p != "code"} == {"invalid"}
    assert not marker.exists()
    assert elapsed < 20


def test_liar_float_earns_nothing(assignment: Assignment, tmp_path: Path) -> None:
    write_submission(assignment, "ada", tmp_path, "perfect")
    (tmp_path / "solution.py").write_text(
        "class Liar(float):\n    def __eq__(self, o): return True\n"
        "    def __sub__(self, o): return Liar(0)\n    def __abs__(self): return Liar(0)\n"
        "def posterior_prob(prevalence, sensitivity, fpr):\n    return Liar(0.123)\n")
    result = grade(tmp_path, assignment, "ada")
    parts = {(e.id, p.id): p for e, p in result.parts()}
    assert parts["bayes/medical-test", "code"].status == "error"
    assert parts["bayes/medical-test", "code"].score == 0
    assert parts["mle/bernoulli", "code"].status == "missing"
    assert parts["bayes/medical-test", "posterior"].status == "correct"


def _edit_answers(folder: Path, old: str, new: str) -> None:
    text = (folder / "answers.yaml").read_text()
    assert old in text
    (folder / "answers.yaml").write_text(text.replace(old, new, 1))


def test_a_broken_line_costs_its_part_only(assignment: Assignment, tmp_path: Path) -> None:
    """One YAML slip made every text part invalid, repeating one message 17 times."""
    write_submission(assignment, "ada", tmp_path, "perfect")
    text = (tmp_path / "answers.yaml").read_text().splitlines()
    line = next(i for i, t in enumerate(text) if t.startswith("  conditional:"))
    text[line] = "  conditional: [0.5"
    (tmp_path / "answers.yaml").write_text("\n".join(text) + "\n")
    result = grade(tmp_path, assignment, "ada")
    part = next(p for e, p in result.parts() if p.id == "conditional")
    assert part.status == "invalid"
    assert part.feedback.startswith(f"answers.yaml line {line + 1} could not be read (")
    assert part.feedback.endswith('write the answer in quotes on the part\'s line: '
                                  'conditional: "[0.5"')
    others = [p for e, p in result.parts() if p.id != "conditional"]
    assert {p.status for p in others} == {"correct"}


@pytest.mark.parametrize(("old", "new", "part_id", "message"), [
    ("  mle: '", "  mle: - '", "mle", "mle: \"- '"),              # an unquoted minus
    ("  mle: '", "  mle:\n  - '", "mle", "a line starting with '- ' makes"),
    ("  posterior: '", "     posterior: '", None, None),            # mis-indented: still read
    ("  evidence: '", "evidence: '", None, None),                   # indentation lost
])
def test_yaml_slips_cost_only_the_lines_that_cannot_be_read(
        assignment: Assignment, tmp_path: Path, old: str, new: str, part_id: str | None,
        message: str | None) -> None:
    write_submission(assignment, "ada", tmp_path, "perfect")
    _edit_answers(tmp_path, old, new)
    result = grade(tmp_path, assignment, "ada")
    for _, part in result.parts():
        if part.id == part_id:
            assert part.status == "invalid" and message in part.feedback, part.feedback
            assert "answers.yaml line" in part.feedback
        else:
            assert part.status == "correct", (part.id, part.feedback)


def test_a_misspelled_part_key_is_named(assignment: Assignment, tmp_path: Path) -> None:
    """`symetric:` was silently ignored and shown as "No answer given"."""
    write_submission(assignment, "ada", tmp_path, "perfect")
    _edit_answers(tmp_path, "  symmetric:", "  symetric:")
    _edit_answers(tmp_path, "bayes/medical-test:", "bayes/medical-tset:")
    result = grade(tmp_path, assignment, "ada")
    part = next(p for e, p in result.parts() if p.id == "symmetric")
    assert part.status == "missing"
    assert part.feedback == ("No answer given. answers.yaml has an unknown part 'symetric'; "
                             "did you mean 'symmetric'?")
    posterior = next(p for e, p in result.parts() if p.id == "posterior")
    assert posterior.feedback.endswith("answers.yaml has an unknown exercise "
                                       "'bayes/medical-tset'; did you mean 'bayes/medical-test'?")


def test_empty_folder_is_all_missing(assignment: Assignment, tmp_path: Path) -> None:
    result = grade(tmp_path, assignment, "ada")
    assert set(statuses(result).values()) == {"missing"}
    assert result.score == 0


def test_answers_are_read_as_text(assignment: Assignment, tmp_path: Path) -> None:
    write_submission(assignment, "ada", tmp_path, "perfect")
    text = (tmp_path / "answers.yaml").read_text().replace("independent: 'no'", "independent: no")
    (tmp_path / "answers.yaml").write_text(text)
    result = grade(tmp_path, assignment, "ada")
    part = next(p for e, p in result.parts() if p.id == "independent")
    assert (part.given, part.status) == ("no", "correct")


def test_cli_grade_json_and_fail_under(assignment: Assignment, tmp_path: Path) -> None:
    sub = tmp_path / "bayes"
    write_submission(assignment, "bayes", sub, "mistakes")
    runner = CliRunner()
    out = runner.invoke(cli, ["grade", str(sub), "--assignment", str(DEMO), "--format", "json"],
                        catch_exceptions=False)
    assert out.exit_code == 0
    data = json.loads(out.output)
    assert data["student"] == "bayes" and data["score"] < data["max_score"]
    low = runner.invoke(cli, ["grade", str(sub), "--assignment", str(DEMO), "--fail-under", "50"])
    assert low.exit_code == 1
    assert "below --fail-under 50%" in low.output


def test_grade_uses_the_roster_id_not_the_submission(assignment: Assignment,
                                                    tmp_path: Path) -> None:
    sub = tmp_path / "whatever"
    write_submission(assignment, "ada", sub, "perfect")
    (sub / ".grader.yaml").write_text(yaml.safe_dump({"student": "bayes"}))
    out = CliRunner().invoke(cli, ["grade", str(sub), "--assignment", str(DEMO), "--student",
                                   "ada", "--format", "json"], catch_exceptions=False)
    assert json.loads(out.output)["score"] == pytest.approx(assignment.max_score)


def test_check_of_graded_work_reads_offline_from_metadata(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["demo", "--out", str(tmp_path / "d")], catch_exceptions=False)
    assert result.exit_code == 0
    monkeypatch.chdir(tmp_path / "d" / "submissions" / "ada")
    checked = runner.invoke(cli, ["check"], catch_exceptions=False)
    assert checked.exit_code == 0
    assert "17 of 17 parts answered" in checked.output
    assert "Score" not in checked.output            # the demo is graded work: no key here
    monkeypatch.chdir(tmp_path / "d" / "students" / "emmy")
    fresh = runner.invoke(cli, ["check"], catch_exceptions=False)
    assert fresh.exit_code == 0
    assert "0 of 17 parts answered" in fresh.output


def test_check_outside_a_generated_folder_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert "no .grader.yaml here" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("source", "fragment"), [
    ("def posterior_prob(:\n", "SyntaxError"),
    ("import os\nos._exit(4)\n", "exited"),
    ("raise RuntimeError('boom at import')\n", "boom at import"),
])
def test_import_failure_costs_only_function_parts(assignment: Assignment, tmp_path: Path,
                                                  source: str, fragment: str) -> None:
    write_submission(assignment, "ada", tmp_path, "perfect")
    (tmp_path / "solution.py").write_text(source)
    result = grade(tmp_path, assignment, "ada")
    for exercise, part in result.parts():
        if part.kind == "function":
            assert part.status == "error"
            assert "solution.py could not be imported" in part.feedback
            assert fragment in part.feedback
        else:
            assert part.status == "correct", (exercise.id, part.id, part.feedback)


@pytest.mark.parametrize("fmt", ["text", "json", "html", "junit", "gradescope",
                                 "github-classroom"])
def test_cli_grade_every_format(assignment: Assignment, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    sub = tmp_path / "bayes"
    write_submission(assignment, "bayes", sub, "mistakes")
    outputs, summary = tmp_path / "gh-output", tmp_path / "gh-summary"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    target = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(cli, ["grade", str(sub), "--assignment", str(DEMO), "--format",
                                      fmt, "--output", str(target)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = target.read_text()
    if fmt in ("json", "gradescope", "github-classroom"):
        json.loads(text)
    elif fmt == "junit":
        import xml.etree.ElementTree as ET

        assert len(ET.fromstring(text).findall(".//testcase")) == 17
    elif fmt == "html":
        assert text.startswith("<!doctype html>") and "<math" in text
    if fmt == "github-classroom":
        assert outputs.read_text().startswith("result=")
        assert "| Exercise | Part |" in summary.read_text()
    else:
        assert not outputs.exists()


def test_numpy_scalars_count_but_float_subclasses_do_not() -> None:
    import numpy as np

    from grader.checkers.function import compare_values
    from grader.spec import Tolerance

    tol = Tolerance(1e-6, 1e-9)
    assert compare_values(0.5, np.float64(0.5), tol) is None
    assert compare_values(3, np.int64(3), tol) is None
    assert compare_values((1.0, 2.0), (np.float32(1.0), np.float64(2.0)), tol) is None
    assert compare_values(0.5, np.float64(0.6), tol) is not None

    class Liar(float):
        def __eq__(self, other: object) -> bool:
            return True

    assert compare_values(0.5, Liar(0.9), tol) is not None
    assert compare_values(0.5, "0.5", tol) is not None


def test_function_parts_grade_as_a_loop_of_calls_would(assignment: Assignment, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """check_function sends a part's cases with one call_many: the outcome and feedback
    are those of one call per case, stopping at the first that fails."""
    from grader.sandbox import CallResult, Sandbox

    write_submission(assignment, "bayes", tmp_path / "mistakes", "mistakes")
    failing = tmp_path / "failing"
    write_submission(assignment, "ada", failing, "perfect")
    with (failing / "solution.py").open("a") as source:  # fails on the 3rd case only
        source.write("\n_CALLS = []\n_right = bernoulli_mle\n\n"
                     "def bernoulli_mle(data):\n    _CALLS.append(1)\n"
                     "    if len(_CALLS) == 3:\n        raise ValueError('third call')\n"
                     "    return _right(data)\n")
    graded = {name: grade(tmp_path / name, assignment, student).to_dict()
              for name, student in (("mistakes", "bayes"), ("failing", "ada"))}

    batch = Sandbox.call_many

    def loop_of_call(self: Sandbox, function: str, cases: list[dict[str, object]],
                     timeout: float | None = None) -> list[CallResult]:
        results: list[CallResult] = []
        for case in cases:
            results.append(batch(self, function, [case], timeout)[0])  # what call() does
            if results[-1].status != "ok":
                break
        return results

    monkeypatch.setattr(Sandbox, "call_many", loop_of_call)
    for name, student in (("mistakes", "bayes"), ("failing", "ada")):
        assert grade(tmp_path / name, assignment, student).to_dict() == graded[name]
    part = next(p for e in graded["failing"]["exercises"] if e["id"] == "mle/bernoulli"
                for p in e["parts"] if p["id"] == "code")
    assert part["status"] == "error"
    assert part["feedback"].startswith("bernoulli_mle(data=")
    assert ": ValueError: third call (solution.py, line " in part["feedback"]


def test_huge_answers_file_is_not_read(assignment: Assignment, tmp_path: Path) -> None:
    write_submission(assignment, "ada", tmp_path, "perfect")
    with (tmp_path / "answers.yaml").open("a") as f:
        f.write("# padding\n" * 200_000)
    result = grade(tmp_path, assignment, "ada")
    joint = next(p for e, p in result.parts() if p.id == "joint")
    assert joint.status == "invalid" and "larger than 1 MB" in joint.feedback
    code = next(p for e, p in result.parts() if e.id == "mle/bernoulli" and p.id == "code")
    assert code.status == "correct"

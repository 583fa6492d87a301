"""The second lesson's demo assignment: `grader demo --lesson 2` runs end to end, and a
student who makes any listed mistake of it, answer or code, gets that mistake's feedback
from the real grader; together they name every misconception the lesson is about."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.assignment import Assignment, load_assignment
from grader.cli import cli
from grader.grading import grade
from grader.samples import write_submission
from tests.conftest import ROOT

LESSON_TWO = ROOT / "grader" / "demo" / "assignment-2.yaml"

# The misconceptions the lesson must name when a student makes them.
MISCONCEPTIONS = {"kl-direction", "nats-not-bits", "mean-not-batchmean", "missing-log-det",
                  "missing-trace", "elbo-kl-sign", "tv-no-half", "js-factor"}


@pytest.fixture(scope="module")
def assignment() -> Assignment:
    return load_assignment(LESSON_TWO)


def test_demo_lesson_two_runs(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--lesson", "2", "--out", str(tmp_path / "d")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "name: demo-hw2" in (tmp_path / "d" / "assignment.yaml").read_text(encoding="utf-8")
    assert (tmp_path / "d" / "report" / "grades.csv").is_file()
    # ada hands in the reference answers: full marks
    ada = next(line for line in result.output.splitlines() if line.strip().startswith("ada"))
    score, total = (float(x) for x in ada.split()[1:4:2])
    assert score == total


def test_every_listed_mistake_is_named(assignment: Assignment, tmp_path: Path) -> None:
    seen: set[str] = set()
    rounds = max(len(p.mistakes) for v in assignment.variants("emmy") for p in v.spec.parts)
    for r in range(rounds):
        folder = tmp_path / f"round-{r}"
        write_submission(assignment, "emmy", folder, "mistakes", mistake=r)
        result = grade(folder, assignment, "emmy")
        for exercise, variant in zip(result.exercises, assignment.variants("emmy"), strict=True):
            for part, spec_part in zip(exercise.parts, variant.spec.parts, strict=True):
                made = [m for m in spec_part.mistakes
                        if (m.function if spec_part.kind == "function" else m.answer)]
                if r >= len(made):
                    assert part.status == "correct", f"{exercise.id}:{part.id} {part.feedback}"
                    continue
                mistake = made[r]
                where = f"round {r}, {exercise.id}:{part.id}"
                assert part.note == mistake.note, f"{where}: {part.status} {part.feedback}"
                assert part.score < part.max_score, where
                if spec_part.kind == "function":
                    # credit by check, never below the mistake's own credit
                    assert part.score >= mistake.credit * part.max_score - 1e-9, where
                else:
                    assert part.score == pytest.approx(mistake.credit * part.max_score), where
                seen.add(mistake.note)
    assert seen >= MISCONCEPTIONS, MISCONCEPTIONS - seen


def test_a_student_checks_lesson_two_against_its_public_examples(
        assignment: Assignment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`grader check` in a generated lesson-two folder: the reference code passes every
    function part's public examples, and the first listed wrong code fails them."""
    from grader.assignment import Student
    from grader.generate import generate

    (folder,) = generate(assignment, [Student("ada")], tmp_path / "hw")
    functions = [p.function for v in assignment.variants("ada") for p in v.spec.parts
                 if p.kind == "function"]
    assert len(functions) == 6
    monkeypatch.chdir(folder)
    for style, verdict in (("perfect", "1 of 1 public examples pass"),
                           ("mistakes", "0 of 1 public examples pass")):
        write_submission(assignment, "ada", folder, style)
        result = CliRunner().invoke(cli, ["check"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        ran = [line for line in result.output.splitlines() if "public examples pass" in line]
        assert len(ran) == len(functions), result.output
        assert all(verdict in line for line in ran), result.output

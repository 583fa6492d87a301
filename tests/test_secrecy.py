"""Secrecy of graded work, tested as the attacks: a student reading every file they were
given, a student editing .grader.yaml, an empty push read through every output a
student sees, and the release that lifts it."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from grader import views
from grader.assignment import Assignment, load_assignment
from grader.cli import cli
from grader.samples import write_submission

SALT = "s3cret-salt-7Qz"
EXERCISES = ["bayes/medical-test", "mle/bernoulli", "information/kl-divergence",
             "conditional/joint-table"]
FORMATS = ["text", "json", "html", "junit", "gradescope", "github-classroom"]


def write_assignment(folder: Path, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "hw.yaml"
    path.write_text(f"name: hw1\ntitle: Homework\nsalt: {SALT}\n{extra}exercises:\n"
                    + "".join(f"  - {e}\n" for e in EXERCISES))
    (folder / "roster.csv").write_text("id\nalice\nbob\n")
    return path


def invoke(*args: str, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def secrets(assignment: Assignment, student: str, *, given: dict[str, str] | None = None
            ) -> dict[str, str]:
    """What a student must not find → what it is: the salt, every expected number and
    formula of their variant (unless they typed it themselves), each worked solution,
    the reference code and the instructor's paths."""
    found = {SALT: "the salt", "cases_": "reference code",
             str(assignment.bank.root): "the bank's path",
             str(assignment.path.parent): "the instructor's folder"}  # type: ignore[union-attr]
    typed = {_flat(v) for v in (given or {}).values()}
    for variant in assignment.variants(student):
        for part in variant.spec.parts:
            if part.kind in ("numeric", "symbolic"):
                text = views.expected_text(variant, part)
                if len(_flat(text)) >= 5 and _flat(text) not in typed:
                    found[text] = f"expected {variant.id} → {part.id}"
        if variant.spec.solution:
            solution = views.text(variant, variant.spec.solution, "solution")
            longest = max(solution.splitlines(), key=len)
            found[longest] = f"worked solution of {variant.id}"
    return found


def leaks(text: str, needles: dict[str, str]) -> list[str]:
    flat = _flat(text)
    return [what for needle, what in needles.items() if _flat(needle) in flat]


def files_under(folder: Path) -> Iterator[tuple[Path, str]]:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield path, path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Assignment, Path]:
    root = tmp_path_factory.mktemp("secrecy")
    path = write_assignment(root)
    out = root / "out"
    invoke("generate", str(path), "--roster", str(root / "roster.csv"), "--out", str(out))
    return load_assignment(path), out


def test_a_generated_student_folder_holds_no_secret(generated: tuple[Assignment, Path]) -> None:
    assignment, out = generated
    for student in ("alice", "bob"):
        needles = secrets(assignment, student)
        assert len([w for w in needles.values() if w.startswith("expected")]) >= 6
        for path, text in files_under(out / student):
            assert leaks(text, needles) == [], path
    # the instructor's side holds them: the search finds what is there
    key = (out / "answer-key.json").read_text()
    assert SALT in key and len(leaks(key, secrets(assignment, "alice"))) >= 6


def test_the_salt_in_a_students_hands_no_longer_comes_from_generate(
        generated: tuple[Assignment, Path]) -> None:
    """The attack: salt from .grader.yaml + `grader preview --student bob --answers`."""
    _, out = generated
    meta = yaml.safe_load((out / "alice" / ".grader.yaml").read_text())
    assert "salt" not in json.dumps(meta) and "seed" not in json.dumps(meta)
    assert meta["mode"] == "graded"


@pytest.mark.parametrize("edit", [
    {"mode": "practice"},
    {"show_expected": True, "show_solution": True, "release": "after-due"},
    {"mode": "practice", "bank": None, "seeds": {"bayes/medical-test": 1}},
])
def test_flipping_settings_in_grader_yaml_reveals_nothing(
        generated: tuple[Assignment, Path], tmp_path: Path, edit: dict[str, object]) -> None:
    assignment, out = generated
    folder = tmp_path / "alice"
    folder.mkdir()
    for name in ("answers.yaml", "solution.py"):
        (folder / name).write_text((out / "alice" / name).read_text())
    meta = yaml.safe_load((out / "alice" / ".grader.yaml").read_text())
    meta.update(edit)
    if "seeds" in edit:        # a guessed seed per exercise: not the one the salt gives
        for exercise in meta["exercises"]:
            exercise["seed"] = 12345
    (folder / ".grader.yaml").write_text(yaml.safe_dump(meta))
    needles = secrets(assignment, "alice")
    if "seeds" in edit:
        # Forged practice grades a variant of the guessed seed from the bank installed on
        # the student's machine: here the bundled one, public like a textbook, whose
        # formulas (the same in every variant) anyone can read. What is the student's
        # own (their numbers, their worked solution) stays out of reach without the salt.
        assignment_formula = {n for n, w in needles.items() if w.endswith("→ formula")}
        needles = {n: w for n, w in needles.items() if n not in assignment_formula}
    for fmt in ("text", "json"):
        result = CliRunner().invoke(cli, ["check", str(folder), "--format", fmt])
        assert leaks(result.output, needles) == []
        if meta.get("mode") == "practice" and "seeds" not in edit:
            assert result.exit_code == 1
            assert "graded work" in result.output and "Traceback" not in result.output


@pytest.fixture(scope="module")
def hand_ins(generated: tuple[Assignment, Path], tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[Path, dict[str, dict[str, str]]]:
    """alice pushed nothing (the template's stubs); bob wrote typical mistakes and no code
    (wrong code: test_function_feedback_shows_no_expected_value)."""
    assignment, out = generated
    root = tmp_path_factory.mktemp("hand-ins")
    (root / "alice").mkdir()
    for name in ("answers.yaml", "solution.py"):
        (root / "alice" / name).write_text((out / "alice" / name).read_text())
    write_submission(assignment, "bob", root / "bob", "mistakes")
    (root / "bob" / "solution.py").write_text((out / "bob" / "solution.py").read_text())
    typed = yaml.safe_load((root / "bob" / "answers.yaml").read_text())
    given = {"alice": {}, "bob": {f"{e}/{p}": str(v) for e, parts in typed.items()
                                  for p, v in parts.items()}}
    return root, given


def student_outputs(assignment: Assignment, folder: Path, student: str, tmp_path: Path,
                    *extra: str) -> dict[str, str]:
    """Everything `grader grade` shows a student, in every format, Classroom's step
    output (decoded) and job summary included."""
    shown = {}
    for fmt in FORMATS:
        env = {}
        if fmt == "github-classroom":
            env = {"GITHUB_OUTPUT": str(tmp_path / f"{student}-output"),
                   "GITHUB_STEP_SUMMARY": str(tmp_path / f"{student}-summary.md")}
        shown[fmt] = invoke("grade", str(folder), "--assignment", str(assignment.path),
                            "--student", student, "--format", fmt, *extra, env=env)
    output = (tmp_path / f"{student}-output").read_text()
    shown["classroom result"] = base64.b64decode(output.split("=", 1)[1]).decode()
    shown["classroom summary"] = (tmp_path / f"{student}-summary.md").read_text()
    return shown


def test_an_empty_push_and_a_wrong_one_show_no_secret_in_any_output(
        generated: tuple[Assignment, Path], hand_ins: tuple[Path, dict[str, dict[str, str]]],
        tmp_path: Path) -> None:
    assignment, _ = generated
    root, given = hand_ins
    for student in ("alice", "bob"):
        needles = secrets(assignment, student, given=given[student])
        for fmt, text in student_outputs(assignment, root / student, student,
                                         tmp_path).items():
            assert leaks(text, needles) == [], (student, fmt)
            assert "Worked solution" not in text


def test_released_outputs_show_what_was_kept_back(
        generated: tuple[Assignment, Path], hand_ins: tuple[Path, dict[str, dict[str, str]]],
        tmp_path: Path) -> None:
    """The same search finds the expected values once the instructor releases them."""
    assignment, _ = generated
    root, _ = hand_ins
    shown = student_outputs(assignment, root / "alice", "alice", tmp_path, "--release")
    found = leaks(shown["json"], secrets(assignment, "alice"))
    assert len([w for w in found if w.startswith("expected")]) >= 6
    assert "Worked solution" in shown["html"]


def test_grade_all_reports_are_kept_back_until_grader_release(
        generated: tuple[Assignment, Path], hand_ins: tuple[Path, dict[str, dict[str, str]]],
        tmp_path: Path) -> None:
    assignment, _ = generated
    root, given = hand_ins
    out = tmp_path / "grades"
    invoke("grade-all", str(root), "--assignment", str(assignment.path), "--out", str(out),
           "-j", "1")
    for student in ("alice", "bob"):
        needles = secrets(assignment, student, given=given[student])
        for path, text in files_under(out / "students"):
            if path.stem == student:
                assert leaks(text, needles) == [], path
    # the instructor's class report shows everything
    assert "gradebook.sqlite" in {p.name for p in out.iterdir()}
    invoke("release", str(assignment.path), "--out", str(out))
    released = (out / "students" / "alice.json").read_text()
    assert len(leaks(released, secrets(assignment, "alice"))) >= 6
    # a later batch keeps the release
    (root / "alice" / "answers.yaml").write_text("")
    invoke("grade-all", str(root), "--assignment", str(assignment.path), "--out", str(out),
           "-j", "1")
    assert len(leaks((out / "students" / "alice.json").read_text(),
                     secrets(assignment, "alice"))) >= 6


@pytest.mark.parametrize(("due", "shown"), [(-1, True), (+1, False)])
def test_release_after_due(tmp_path: Path, due: int, shown: bool) -> None:
    when = (datetime.now(timezone.utc) + timedelta(days=due)).isoformat()
    path = write_assignment(tmp_path, f"due: '{when}'\nrelease: after-due\n")
    assignment = load_assignment(path)
    (tmp_path / "alice").mkdir()
    text = invoke("grade", str(tmp_path / "alice"), "--assignment", str(path), "--format",
                  "json")
    found = [w for w in leaks(text, secrets(assignment, "alice")) if w.startswith("expected")]
    assert bool(found) is shown


def test_practice_check_gives_full_feedback_and_says_so(tmp_path: Path) -> None:
    path = write_assignment(tmp_path, "practice: true\n")
    assignment = load_assignment(path)
    invoke("generate", str(path), "--roster", str(tmp_path / "roster.csv"), "--out",
           str(tmp_path / "out"))
    folder = tmp_path / "out" / "alice"
    meta = yaml.safe_load((folder / ".grader.yaml").read_text())
    assert meta["mode"] == "practice" and SALT not in json.dumps(meta)
    write_submission(assignment, "alice", folder, "perfect")
    result = CliRunner().invoke(cli, ["check", str(folder), "--format", "json"],
                                catch_exceptions=False)
    data = json.loads(result.stdout)
    assert data["score"] == pytest.approx(assignment.max_score)
    assert all(p["expected"] for e in data["exercises"] for p in e["parts"])
    text = CliRunner().invoke(cli, ["check", str(folder)], catch_exceptions=False)
    assert "practice" in text.output


def test_function_feedback_shows_no_expected_value(
        generated: tuple[Assignment, Path], tmp_path: Path) -> None:
    """Feedback mining: a function that returns 0 reveals the reference's output on the
    student's own parameters, i.e. the numeric answer of another part."""
    assignment, _ = generated
    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / "solution.py").write_text(
        "def posterior_prob(prevalence, sensitivity, fpr):\n    return 0.0\n")
    text = invoke("grade", str(folder), "--assignment", str(assignment.path),
                  "--format", "json")
    variant = assignment.variant("alice", "bayes/medical-test")
    posterior = views.expected_text(variant, variant.spec.part("posterior"))
    assert posterior not in text


def test_no_exercise_of_the_bank_hands_out_its_own_answers(tmp_path: Path) -> None:
    """Prompts are Jinja over every value, derived ones included: a prompt that prints an
    answer would hand it out. Every exercise of the bank, for a few students."""
    from grader.bank import Bank

    ids = Bank().ids
    path = tmp_path / "hw.yaml"
    path.write_text(f"name: all\nsalt: {SALT}\nexercises:\n"
                    + "".join(f"  - {i}\n" for i in ids))
    (tmp_path / "roster.csv").write_text("id\nada\nbob\ncy\n")
    invoke("generate", str(path), "--roster", str(tmp_path / "roster.csv"), "--out",
           str(tmp_path / "out"))
    assignment = load_assignment(path)
    for student in ("ada", "bob", "cy"):
        needles = secrets(assignment, student)
        text = "".join(t for _, t in files_under(tmp_path / "out" / student))
        assert leaks(text, needles) == [], student

"""No grade changes silently: tested as the mistakes (a spec edited after generate, changed
points, a late hand-in) and the instructor's tools (history, override), with an old
gradebook migrated in place."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from grader.cli import cli
from grader.gradebook import Gradebook, _statements, handed_in_at

from .conftest import minimal_spec

DUE = "2026-03-01T12:00:00+00:00"
BEFORE = datetime(2026, 3, 1, 11, 0, tzinfo=timezone.utc).timestamp()
AFTER = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc).timestamp()


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def course(make_bank: Callable[..., Path], tmp_path: Path) -> Path:
    """A bank of one exercise, an assignment with a due time, two generated students and
    their hand-ins (both right), alice on time and bob late."""
    make_bank({"bayes/tiny": minimal_spec()})
    (tmp_path / "hw.yaml").write_text(f"name: hw1\nsalt: s1\nbank: .\ndue: '{DUE}'\n"
                                      "exercises:\n  - bayes/tiny\n")
    (tmp_path / "roster.csv").write_text("id\nalice\nbob\n")
    assert run("generate", str(tmp_path / "hw.yaml"), "--roster", str(tmp_path / "roster.csv"),
               "--out", str(tmp_path / "given")).exit_code == 0
    from grader.assignment import load_assignment

    assignment = load_assignment(tmp_path / "hw.yaml")
    for student, when in (("alice", BEFORE), ("bob", AFTER)):
        folder = tmp_path / "subs" / student
        folder.mkdir(parents=True)
        variant = assignment.variant(student, "bayes/tiny")
        (folder / "answers.yaml").write_text(f"bayes/tiny:\n  half: '{variant.values['p'] / 2}'\n")
        os.utime(folder / "answers.yaml", (when, when))
    return tmp_path


def grade_all(course: Path, *extra: str) -> Result:
    return run("grade-all", str(course / "subs"), "--assignment", str(course / "hw.yaml"),
               "--out", str(course / "grades"), "-j", "1", *extra)


def rows(course: Path) -> dict[str, dict[str, str]]:
    text = (course / "grades" / "grades.csv").read_text()
    return {r["id"]: r for r in csv.DictReader(io.StringIO(text))}


def test_a_spec_edited_after_generate_is_refused_then_accepted(course: Path) -> None:
    assert grade_all(course).exit_code == 0
    before = rows(course)
    assert before["alice"]["score"] == "1"
    spec = course / "exercises" / "bayes" / "tiny.yaml"
    spec.write_text(spec.read_text().replace("[0.1, 0.9]", "[0.2, 0.3]"))   # narrowed
    refused = grade_all(course)
    assert refused.exit_code == 1
    message = refused.output.strip().splitlines()
    assert len(message) == 1
    assert "bayes/tiny (2 students)" in message[0] and "--accept-changes" in message[0]
    assert rows(course) == before                          # nothing recorded, nothing written
    one = run("grade", str(course / "subs" / "alice"), "--assignment", str(course / "hw.yaml"))
    assert one.exit_code == 1 and "bayes/tiny (1 student)" in one.output
    accepted = grade_all(course, "--accept-changes")
    assert accepted.exit_code == 0, accepted.output
    assert rows(course)["alice"]["score"] == "0"           # graded against the new numbers
    with Gradebook(course / "grades" / "gradebook.sqlite") as book:
        reasons = [a.reason for a in book.attempts("alice", "hw1")]
    assert reasons == ["first hand-in", "assignment changed, variants changed (accepted)"]
    # generate again hands out the new variants: no refusal any more
    assert run("generate", str(course / "hw.yaml"), "--roster", str(course / "roster.csv"),
               "--out", str(course / "given")).exit_code == 0
    assert grade_all(course).exit_code == 0


def test_changed_points_and_a_forced_regrade_say_so(course: Path) -> None:
    assert grade_all(course).exit_code == 0
    hw = course / "hw.yaml"
    hw.write_text(hw.read_text().replace("  - bayes/tiny", "  - {id: bayes/tiny, points: 5}"))
    result = grade_all(course)
    assert "Graded 2, unchanged 0" in result.output
    assert grade_all(course, "--regrade").exit_code == 0
    (course / "subs" / "alice" / "answers.yaml").write_text("bayes/tiny:\n  half: '0'\n")
    assert grade_all(course).exit_code == 0
    history = run("history", "alice", "--out", str(course / "grades")).output
    lines = [line for line in history.splitlines() if line.startswith("  #")]
    assert [line.split("  ")[4] for line in lines] == [
        "first hand-in", "points changed", "forced", "new hand-in"]
    assert [line.split("  ")[3] for line in lines] == ["1/1", "5/5", "5/5", "0/5"]


def test_a_late_hand_in_is_flagged_in_the_csv_the_history_and_the_gradebook(
        course: Path) -> None:
    assert grade_all(course).exit_code == 0
    found = rows(course)
    assert found["alice"]["late"] == "on time" and found["bob"]["late"] == "late"
    assert found["bob"]["handed_in"].startswith("2026-03-02T09:30:00")
    assert "late" in run("history", "bob", "--out", str(course / "grades")).output
    report = (course / "grades" / "class-report.html").read_text()
    assert "2026-03-02 09:30 UTC, late" in report and "2026-03-01 11:00 UTC<" in report
    bob = (course / "grades" / "students" / "bob.html").read_text()
    assert "Handed in 2026-03-02 09:30 UTC, late" in bob
    # a late hand-in replacing an on-time one is a new attempt, flagged, the old one kept
    os.utime(course / "subs" / "alice" / "answers.yaml", (AFTER, AFTER))
    (course / "subs" / "alice" / "answers.yaml").write_text("bayes/tiny:\n  half: '0'\n")
    os.utime(course / "subs" / "alice" / "answers.yaml", (AFTER, AFTER))
    assert grade_all(course).exit_code == 0
    with Gradebook(course / "grades" / "gradebook.sqlite") as book:
        attempts = book.attempts("alice", "hw1")
    assert [(a.late, a.reason) for a in attempts] == [(False, "first hand-in"),
                                                      (True, "new hand-in")]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_git_hand_in_is_dated_by_its_last_commit(tmp_path: Path) -> None:
    (tmp_path / "answers.yaml").write_text("x: 1\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "s", "GIT_AUTHOR_EMAIL": "s@x",
           "GIT_COMMITTER_NAME": "s", "GIT_COMMITTER_EMAIL": "s@x",
           "GIT_COMMITTER_DATE": "2026-03-02T09:30:00+00:00",
           "GIT_AUTHOR_DATE": "2026-03-02T09:30:00+00:00"}
    for args in (["init", "-q"], ["add", "answers.yaml"], ["commit", "-qm", "hand in"]):
        subprocess.run(["git", *args], cwd=tmp_path, env=env, check=True)
    os.utime(tmp_path / "answers.yaml", (BEFORE, BEFORE))     # file times say otherwise
    assert handed_in_at(tmp_path) == datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
    assert handed_in_at(tmp_path / "nothing") is None


def test_an_override_is_its_own_record_shown_and_kept_through_regrades(course: Path) -> None:
    assert grade_all(course).exit_code == 0
    (course / "subs" / "bob" / "answers.yaml").write_text("bayes/tiny:\n  half: '0.0'\n")
    assert grade_all(course).exit_code == 0
    assert rows(course)["bob"]["score"] == "0"
    done = run("override", "bob", "bayes/tiny", "half", "1", "--reason", "typo in the prompt",
               "--assignment", str(course / "hw.yaml"), "--out", str(course / "grades"))
    assert done.exit_code == 0, done.output
    assert rows(course)["bob"]["score"] == "1"
    for lms_csv in ("canvas.csv", "moodle.csv"):      # the LMS imports follow
        bob = [r for r in csv.reader(io.StringIO((course / "grades" / lms_csv).read_text()))
               if "bob" in r]
        assert len(bob) == 1 and "1" in bob[0], (lms_csv, bob)
    report = json.loads((course / "grades" / "students" / "bob.json").read_text())
    part = report["exercises"][0]["parts"][0]
    assert part["score"] == 1 and "typo in the prompt" in part["feedback"]
    assert grade_all(course, "--regrade").exit_code == 0
    assert rows(course)["bob"]["score"] == "1"            # survives the regrade
    with Gradebook(course / "grades" / "gradebook.sqlite") as book:
        assert [a.score for a in book.attempts("bob", "hw1")] == [1, 0, 0]   # attempts as graded
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            book._db.execute("DELETE FROM overrides")
    history = run("history", "bob", "--out", str(course / "grades")).output
    assert "override" in history and "typo in the prompt" in history
    cleared = run("override", "bob", "bayes/tiny", "half", "--clear", "--reason", "regraded",
                  "--assignment", str(course / "hw.yaml"), "--out", str(course / "grades"))
    assert cleared.exit_code == 0 and rows(course)["bob"]["score"] == "0"
    bad = run("override", "bob", "bayes/tiny", "half", "7", "--reason", "x",
              "--assignment", str(course / "hw.yaml"), "--out", str(course / "grades"))
    assert bad.exit_code == 1 and "between 0 and 1" in bad.output


def test_a_version_1_gradebook_is_migrated_in_place(tmp_path: Path) -> None:
    from grader import gradebook

    path = tmp_path / "gradebook.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    for statement in _statements(gradebook._SCHEMA_V1):
        db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO students (id) VALUES ('ada')")
    db.execute("INSERT INTO attempts (student_id, assignment, graded_at, score, max_score, "
               "grader_version, submission_hash, assignment_hash, result_json) VALUES "
               "('ada', 'hw1', '2026-01-01', 1, 2, '0.1.0', 'h', 'a', "
               "'{\"assignment\": \"hw1\", \"student\": \"ada\", \"exercises\": []}')")
    db.close()
    with Gradebook(path) as book:
        assert book.schema_version == 2
        (old,) = book.attempts("ada", "hw1")
        assert (old.score, old.reason, old.handed_in_at, old.late) == (1, None, None, None)
        book.override("ada", "hw1", "bayes/tiny", "half", 1.0, "checked by hand")
        assert book.overrides("hw1")[0].reason == "checked by hand"
    history = run("history", "ada", "--out", str(tmp_path)).output
    assert "graded before reasons were recorded" in history


def test_override_and_release_wait_for_no_batch_they_would_race(course: Path) -> None:
    """An override or a release while grade-all writes the same folder is refused, like a
    second grade-all, instead of interleaving its reports with the batch's."""
    from grader.batch import LOCK_FILE
    from grader.files import exclusive_lock

    assert grade_all(course).exit_code == 0
    with exclusive_lock(course / "grades" / LOCK_FILE, "a batch"):
        for args in (["override", "bob", "bayes/tiny", "half", "1", "--reason", "x"],
                     ["release"]):
            if args == ["release"]:
                args = ["release", str(course / "hw.yaml")]
                extra = ["--out", str(course / "grades")]
            else:
                extra = ["--assignment", str(course / "hw.yaml"), "--out",
                         str(course / "grades")]
            result = CliRunner().invoke(cli, [*args, *extra])
            assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    with Gradebook(course / "grades" / "gradebook.sqlite") as book:
        assert book.released("hw1") is None and book.overrides("hw1") == []


def test_a_migration_that_fails_leaves_the_old_gradebook_as_it_was(tmp_path: Path) -> None:
    from grader import gradebook
    from grader.errors import GradebookError

    path = tmp_path / "gradebook.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    for statement in _statements(gradebook._SCHEMA_V1):
        db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db.execute("CREATE TABLE releases (x)")     # in the way of version 2's table
    db.close()
    with pytest.raises(GradebookError, match="not a usable gradebook"):
        Gradebook(path)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    columns = [row[1] for row in db.execute("PRAGMA table_info(attempts)")]
    assert "reason" not in columns                            # the ALTERs were rolled back
    db.close()


def test_a_second_opener_finds_the_migration_done(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes open a version 1 gradebook at once: both read version 1, one
    migrates, the other waits for the write lock and must not run the same step again."""
    from grader import gradebook

    path = tmp_path / "gradebook.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    for statement in _statements(gradebook._SCHEMA_V1):
        db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db.close()
    Gradebook(path).close()                                   # the first one migrates
    # the second read version 1 before the first committed
    monkeypatch.setattr(Gradebook, "schema_version", property(lambda self: 1))
    with Gradebook(path) as book:
        assert book._db.execute("PRAGMA user_version").fetchone()[0] == 2

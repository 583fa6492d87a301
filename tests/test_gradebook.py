"""The SQLite gradebook: append-only attempts, newest per student, safe parameters."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from grader.assignment import Student
from grader.gradebook import (
    SCHEMA_VERSION,
    Gradebook,
    GradebookError,
    load_result,
    result_json,
    submission_hash,
)
from grader.result import ExerciseResult, PartResult, Result


def make_result(student: str, score: float, assignment: str = "hw1") -> Result:
    parts = (
        PartResult("posterior", "numeric", score, 4.0, "correct" if score == 4 else "incorrect",
                   note=None if score == 4 else "inverse-confusion", feedback="fb",
                   given="0.95", expected="0.0876"),
        PartResult("code", "function", 0.0, 2.0, "missing", feedback="No solution.py"),
    )
    exercise = ExerciseResult("bayes/medical-test", parts, "A positive test", "worked")
    return Result(assignment, student, (exercise,))


def connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys = ON")
    return db


def test_record_twice_keeps_both_attempts_and_latest_is_newest(tmp_path: Path) -> None:
    path = tmp_path / "gradebook.sqlite"
    with Gradebook(path) as book:
        book.add_student(Student("ada", "Ada Lovelace", "ada@example.edu"))
        first = book.record(make_result("ada", 0.0), "h1")
        second = book.record(make_result("ada", 4.0), "h2")
        book.record(make_result("bob", 4.0), "h3")
        assert second > first
        attempts = book.attempts("ada", "hw1")
        assert [a.id for a in attempts] == [first, second]
        assert [a.submission_hash for a in attempts] == ["h1", "h2"]
        assert attempts[0].graded_at <= attempts[1].graded_at
        assert attempts[0].graded_at.endswith("+00:00")
        latest = book.latest("hw1")
        assert sorted(latest) == ["ada", "bob"]
        assert latest["ada"].score == 4.0
        assert book.graded_hashes("hw1") == {"ada": "h2", "bob": "h3"}
        assert book.latest("other") == {}
        assert book.attempts(Student("ada"), "hw1") == attempts
    # reopening finds everything, with the parts in their own table
    with Gradebook(path) as book:
        assert book.count_attempts("hw1") == 3
        rows = book.part_rows(first)
        assert [(r["exercise_id"], r["part_id"], r["status"], r["note"]) for r in rows] == [
            ("bayes/medical-test", "posterior", "incorrect", "inverse-confusion"),
            ("bayes/medical-test", "code", "missing", None)]
        assert book.student("bob") == Student("bob")   # added by record
        assert book.student("ada") == Student("ada", "Ada Lovelace", "ada@example.edu")


def test_result_round_trips_with_titles_and_solutions(tmp_path: Path) -> None:
    result = make_result("ada", 4.0)
    back = load_result(result_json(result))
    assert back == result
    assert back.exercises[0].title == "A positive test"
    assert back.exercises[0].solution == "worked"
    assert back.to_dict() == result.to_dict()
    with Gradebook(tmp_path / "g.sqlite") as book:
        book.record(result, "h")
        assert book.latest("hw1")["ada"].to_dict() == result.to_dict()


def test_attempts_are_append_only(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    with Gradebook(path) as book:
        book.record(make_result("ada", 4.0), "h")
    db = connect(path)
    try:
        for statement in ("UPDATE attempts SET score = 0", "DELETE FROM attempts",
                          "UPDATE part_results SET score = 0", "DELETE FROM part_results"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                db.execute(statement)
    finally:
        db.close()


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    with Gradebook(path) as book:
        book.record(make_result("ada", 4.0), "h")
        assert book._db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            book._db.execute(
                "INSERT INTO attempts (student_id, assignment, graded_at, score, max_score, "
                "grader_version, submission_hash, result_json) "
                "VALUES ('nobody', 'hw1', 'now', 0, 0, 'x', 'h', '{}')")
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            book._db.execute(
                "INSERT INTO part_results (attempt_id, exercise_id, part_id, kind, status, "
                "score, max_score) VALUES (9999, 'e', 'p', 'numeric', 'correct', 1, 1)")


def test_wal_mode_and_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    with Gradebook(path) as book:
        assert book.schema_version == SCHEMA_VERSION
        assert book._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db = connect(path)
    try:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        db.commit()
    finally:
        db.close()
    with pytest.raises(GradebookError, match="newer grader"):
        Gradebook(path)


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(GradebookError, match="not a usable gradebook"):
        Gradebook(path)


def test_a_failed_write_leaves_nothing_half_done(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    broken = Result("hw1", "ada", (ExerciseResult("e", (
        PartResult("p", "numeric", 1.0, 1.0, "correct"),
        PartResult("p", "numeric", 1.0, 1.0, "correct"))),))     # duplicate part: PK fails
    with Gradebook(path) as book:
        with pytest.raises(sqlite3.IntegrityError):
            book.record(broken, "h")
        assert book.count_attempts() == 0
        assert book._db.execute("SELECT COUNT(*) FROM part_results").fetchone()[0] == 0
        assert book.record(make_result("ada", 4.0), "h") >= 1


@pytest.mark.parametrize("sid", ["o'brien", 'x"; DROP TABLE attempts; --', "a' OR '1'='1"])
def test_queries_are_parameterized(tmp_path: Path, sid: str) -> None:
    with Gradebook(tmp_path / "g.sqlite") as book:
        book.add_student(Student(sid, "Name 'quoted'", "e@x"))
        book.record(make_result(sid, 4.0, assignment="hw'1"), "h'1")
        book.record(make_result("other", 0.0, assignment="hw'1"), "h2")
        assert book.attempts(sid, "hw'1")[0].result.student == sid
        assert book.latest("hw'1")[sid].score == 4.0
        assert book.graded_hashes("hw'1") == {sid: "h'1", "other": "h2"}
        assert book.attempts("a' OR '1'='1" if sid != "a' OR '1'='1" else "x", "hw'1") == []
        assert book.count_attempts() == 2
        assert book.student(sid) == Student(sid, "Name 'quoted'", "e@x")


def test_add_student_updates_but_never_blanks(tmp_path: Path) -> None:
    with Gradebook(tmp_path / "g.sqlite") as book:
        book.add_student(Student("ada", "Ada", "ada@x"))
        book.add_student(Student("ada"))
        assert book.student("ada") == Student("ada", "Ada", "ada@x")
        book.add_student(Student("ada", "Ada Lovelace"))
        assert book.student("ada") == Student("ada", "Ada Lovelace", "ada@x")


def test_submission_hash_tells_changes_apart(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    empty = submission_hash(a)
    assert empty == submission_hash(b) == submission_hash(tmp_path / "nowhere")
    (a / "answers.yaml").write_text("x: 1\n")
    assert submission_hash(a) != empty
    (b / "solution.py").write_text("x: 1\n")       # same bytes, other file
    assert submission_hash(b) != submission_hash(a)
    (a / "answers.yaml").write_text("")             # empty differs from missing
    assert submission_hash(a) != empty
    before = submission_hash(a)
    (a / "notes.txt").write_text("only answers.yaml and solution.py count")
    assert submission_hash(a) == before

"""grade_all: a parallel, resumable batch into a gradebook, a CSV and per-student reports."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from grader import batch
from grader.assignment import Assignment, Student, load_assignment
from grader.batch import BatchEvent, BatchSummary, grade_all, grades_csv
from grader.gradebook import Gradebook
from grader.grading import grade
from grader.reports import render
from grader.result import ExerciseResult, PartResult, Result
from grader.samples import Style, write_submission
from grader.secrecy import student_view

from .conftest import ROOT

DEMO = ROOT / "grader" / "demo" / "assignment.yaml"

STYLES: dict[str, Style] = {"ada": "perfect", "bayes": "mistakes", "carl": "perfect",
                            "emmy": "mistakes", "gauss": "perfect", "mallory": "hostile"}
ROSTER = [Student(sid, sid.title(), f"{sid}@example.edu") for sid in STYLES] + [
    Student("nobody", "No Body", "nobody@example.edu")]      # on the roster, handed nothing


@pytest.fixture(scope="module")
def assignment() -> Assignment:
    return load_assignment(DEMO)


def write_submissions(assignment: Assignment, folder: Path, styles: dict[str, Style]) -> Path:
    for sid, style in styles.items():
        write_submission(assignment, sid, folder / sid, style)
    return folder


@dataclass
class Batch:
    submissions: Path
    out: Path
    summary: BatchSummary
    events: list[BatchEvent]


@pytest.fixture(scope="module")
def first(assignment: Assignment, tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """One batch with a roster, two workers: the other tests compare with it."""
    root = tmp_path_factory.mktemp("batch")
    submissions = write_submissions(assignment, root / "submissions", STYLES)
    write_submission(assignment, "stranger", submissions / "stranger", "perfect")
    (submissions / ".hidden").mkdir()
    (submissions / "answer-key.html").write_text("not a folder")
    events: list[BatchEvent] = []
    summary = grade_all(submissions, assignment, root / "out", roster=ROSTER, jobs=2,
                        progress=events.append)
    return Batch(submissions, root / "out", summary, events)


def latest(out: Path, assignment: Assignment) -> dict[str, Result]:
    with Gradebook(out / "gradebook.sqlite") as book:
        return book.latest(assignment.name)


def attempt_counts(out: Path, assignment: Assignment) -> dict[str, int]:
    with Gradebook(out / "gradebook.sqlite") as book:
        return {s.id: len(book.attempts(s.id, assignment.name)) for s in book.students()}


def test_batch_writes_gradebook_csv_and_reports(first: Batch, assignment: Assignment) -> None:
    summary = first.summary
    roster_ids = [s.id for s in ROSTER]
    assert summary.graded == roster_ids           # in roster order, whatever the timing
    assert summary.skipped == [] and summary.failed == {}
    # HTML and the class report come from grader.reports when it has them
    assert all("not written" in p for p in summary.problems)
    assert summary.unknown == ["stranger"]        # graded by nobody: not on the roster
    assert summary.missing == ["nobody"]
    assert summary.elapsed > 0
    assert summary.gradebook == first.out / "gradebook.sqlite"
    assert summary.gradebook.is_file()

    results = latest(first.out, assignment)
    assert sorted(results) == sorted(roster_ids)
    for sid in ("ada", "carl", "gauss"):
        assert results[sid].score == results[sid].max_score == pytest.approx(assignment.max_score)
    for sid in ("bayes", "emmy"):
        assert 0 < results[sid].score < results[sid].max_score
    nobody = results["nobody"]
    assert {p.status for _, p in nobody.parts()} == {"missing"}
    assert nobody.score == 0 and nobody.max_score == pytest.approx(assignment.max_score)

    rows = list(csv.DictReader(io.StringIO(summary.grades_csv.read_text())))
    assert [r["id"] for r in rows] == roster_ids
    assert list(rows[0]) == ["id", "name", "email", "score", "max_score", "percent",
                             *assignment.exercise_ids, "handed_in", "late"]
    ada = rows[0]
    assert (ada["name"], ada["email"], ada["percent"]) == ("Ada", "ada@example.edu", "100")
    assert float(ada["score"]) == pytest.approx(assignment.max_score)
    assert sum(float(ada[i]) for i in assignment.exercise_ids) == pytest.approx(
        assignment.max_score)
    assert rows[-1]["score"] == "0"

    for sid in roster_ids:
        path = summary.students_dir / f"{sid}.json"
        # students' reports: graded work shows no expected value before a release
        assert path.read_text() == render(
            student_view(results[sid], assignment, is_released=False), "json")
        assert all(p["expected"] is None for e in json.loads(path.read_text())["exercises"]
                   for p in e["parts"])
        assert json.loads(path.read_text())["student"] == sid
        if summary.html_reports:
            assert "</html>" in (summary.students_dir / f"{sid}.html").read_text()
    assert not (summary.students_dir / "stranger.json").exists()
    if summary.class_report is not None:
        assert summary.class_report == first.out / "class-report.html"
        assert "</html>" in summary.class_report.read_text()
    assert not list(first.out.rglob(".*.tmp"))    # atomic writes leave no temporary files


def test_progress_events_count_every_student(first: Batch) -> None:
    events = first.events
    assert [e.done for e in events] == list(range(1, len(ROSTER) + 1))
    assert {e.total for e in events} == {len(ROSTER)}
    assert {e.kind for e in events} == {"graded"}
    assert sorted(e.student for e in events) == sorted(s.id for s in ROSTER)
    assert all(e.score is not None and e.max_score for e in events)


def test_a_hostile_submission_costs_only_its_own_parts(first: Batch,
                                                       assignment: Assignment) -> None:
    results = latest(first.out, assignment)
    mallory = results["mallory"]
    statuses = {p.status for _, p in mallory.parts()}
    assert statuses <= {"invalid", "error", "timeout", "incorrect", "missing"}
    assert {"invalid", "timeout"} <= statuses
    assert mallory.score == 0
    assert not Path("/tmp/grader-pwned").exists()
    # everyone graded alongside still has what they earned
    assert results["gauss"].score == pytest.approx(assignment.max_score)


def test_jobs_1_and_jobs_2_give_identical_results(first: Batch, assignment: Assignment,
                                                  tmp_path: Path) -> None:
    summary = grade_all(first.submissions, assignment, tmp_path, roster=ROSTER, jobs=1)
    assert summary.graded == first.summary.graded
    one, two = latest(tmp_path, assignment), latest(first.out, assignment)
    assert {k: v.to_dict() for k, v in one.items()} == {k: v.to_dict() for k, v in two.items()}
    assert (tmp_path / "grades.csv").read_text() == first.summary.grades_csv.read_text()


def resumed_copy(first: Batch, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the first batch's hand-ins and output, to change without disturbing it."""
    submissions, out = tmp_path / "submissions", tmp_path / "out"
    shutil.copytree(first.submissions, submissions)
    shutil.copytree(first.out, out)
    return submissions, out


def test_rerun_skips_unchanged_and_regrades_only_what_changed(
        first: Batch, assignment: Assignment, tmp_path: Path) -> None:
    submissions, out = resumed_copy(first, tmp_path)
    before = attempt_counts(out, assignment)
    events: list[BatchEvent] = []
    summary = grade_all(submissions, assignment, out, roster=ROSTER, jobs=2,
                        progress=events.append)
    assert summary.graded == [] and summary.skipped == [s.id for s in ROSTER]
    assert {e.kind for e in events} == {"skipped"}
    assert attempt_counts(out, assignment) == before
    assert summary.grades_csv.read_text() == first.summary.grades_csv.read_text()

    # bayes fixes their answers: only bayes is graded again, as a new attempt
    write_submission(assignment, "bayes", submissions / "bayes", "perfect")
    summary = grade_all(submissions, assignment, out, roster=ROSTER, jobs=2)
    assert summary.graded == ["bayes"]
    assert len(summary.skipped) == len(ROSTER) - 1
    after = attempt_counts(out, assignment)
    assert after == {**before, "bayes": before["bayes"] + 1}
    with Gradebook(out / "gradebook.sqlite") as book:
        history = book.attempts("bayes", assignment.name)
    assert [a.score < a.max_score for a in history] == [True, False]   # nothing overwritten
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(summary.grades_csv.read_text()))}
    assert rows["bayes"]["percent"] == "100"

    # --regrade grades everyone again, adding an attempt each
    summary = grade_all(submissions, assignment, out, roster=[Student("ada"), Student("carl")],
                        regrade=True)
    assert summary.graded == ["ada", "carl"] and summary.skipped == []
    counts = attempt_counts(out, assignment)
    assert (counts["ada"], counts["carl"]) == (before["ada"] + 1, before["carl"] + 1)


def test_a_changed_exercise_spec_regrades(first: Batch, assignment: Assignment,
                                          tmp_path: Path) -> None:
    submissions, out = resumed_copy(first, tmp_path)
    changed = load_assignment(DEMO)
    changed.salt = "another-term"               # every variant changes
    summary = grade_all(submissions, changed, out, roster=[Student("ada")], jobs=1)
    assert summary.graded == ["ada"]


def test_an_interrupted_batch_resumes_and_loses_nothing(assignment: Assignment,
                                                        tmp_path: Path) -> None:
    styles: dict[str, Style] = {f"s{n}": "perfect" if n % 2 else "mistakes" for n in range(6)}
    submissions = write_submissions(assignment, tmp_path / "submissions", styles)
    out = tmp_path / "out"
    seen: list[BatchEvent] = []

    def interrupt_after_two(event: BatchEvent) -> None:
        seen.append(event)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        grade_all(submissions, assignment, out, jobs=2, progress=interrupt_after_two)
    first_two = {e.student for e in seen}
    assert attempt_counts(out, assignment) == {**{s: 0 for s in styles},
                                               **{s: 1 for s in first_two}}
    assert not (out / "grades.csv").exists()

    summary = grade_all(submissions, assignment, out, jobs=2)
    assert sorted(summary.skipped) == sorted(first_two)
    assert sorted(summary.graded) == sorted(set(styles) - first_two)
    assert attempt_counts(out, assignment) == {s: 1 for s in styles}   # once each, none lost
    rows = list(csv.DictReader(io.StringIO(summary.grades_csv.read_text())))
    assert [r["id"] for r in rows] == sorted(styles)
    assert all(r["score"] for r in rows)


KILL_SCRIPT = """
import multiprocessing, sys
from pathlib import Path
from grader.assignment import load_assignment
from grader.batch import grade_all

def show(event):
    pids = [p.pid for p in multiprocessing.active_children()]
    print(event.kind, event.student, *pids, flush=True)

grade_all(Path(sys.argv[1]), load_assignment(sys.argv[2]), Path(sys.argv[3]), jobs=2,
          progress=show)
print("done", flush=True)
"""


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_batch_resumes_and_its_workers_exit(assignment: Assignment,
                                                     tmp_path: Path) -> None:
    styles: dict[str, Style] = {f"k{n}": "perfect" for n in range(6)}
    submissions = write_submissions(assignment, tmp_path / "submissions", styles)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(submissions), str(DEMO),
                             str(out)], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    try:
        lines = [proc.stdout.readline().split(), proc.stdout.readline().split()]
        assert [line[0] for line in lines] == ["graded", "graded"]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        proc.kill()
        proc.stdout.close()
        proc.wait()
    workers = {int(pid) for line in lines for pid in line[2:]}
    assert workers
    deadline = time.monotonic() + 15
    while not all(_gone(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(_gone(pid) for pid in workers), "orphaned workers did not exit"

    recorded = attempt_counts(out, assignment)
    assert sum(recorded.values()) >= 2
    assert set(recorded.values()) <= {0, 1}
    summary = grade_all(submissions, assignment, out, jobs=2)
    assert sorted(summary.graded + summary.skipped) == sorted(styles)
    assert attempt_counts(out, assignment) == {s: 1 for s in styles}


def patched_grade(fail: dict[str, Callable[[], object]]) -> Callable[..., Result]:
    """grade(), but some students trigger a failure first (workers inherit it by fork)."""

    def run(folder: Path, assignment: Assignment, student: str, **options: Any) -> Result:
        if student in fail:
            fail[student]()
        return grade(folder, assignment, student, **options)

    return run


def boom() -> None:
    raise RuntimeError("the grader itself broke")


def die() -> None:
    os._exit(7)


def hang() -> None:
    time.sleep(60)


@pytest.mark.skipif(batch._start_method() != "fork", reason="workers see the patch by fork")
def test_crashes_cost_only_their_student(assignment: Assignment, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    styles: dict[str, Style] = {f"c{n}": "perfect" for n in range(5)}
    submissions = write_submissions(assignment, tmp_path / "submissions", styles)
    monkeypatch.setattr(batch, "grade", patched_grade({"c1": boom, "c2": die, "c3": hang}))
    events: list[BatchEvent] = []
    summary = grade_all(submissions, assignment, tmp_path / "out", jobs=2, timeout=3,
                        progress=events.append)
    assert summary.graded == ["c0", "c4"]
    assert list(summary.failed) == ["c1", "c2", "c3"]
    assert not summary.ok
    assert "RuntimeError: the grader itself broke" in summary.failed["c1"]
    assert "died (exit code 7)" in summary.failed["c2"]
    assert "longer than 3 s" in summary.failed["c3"]
    failed_events = {e.student: e for e in events if e.kind == "failed"}
    assert sorted(failed_events) == ["c1", "c2", "c3"]
    assert failed_events["c1"].message == summary.failed["c1"]
    assert attempt_counts(tmp_path / "out", assignment) == {
        "c0": 1, "c1": 0, "c2": 0, "c3": 0, "c4": 1}
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(summary.grades_csv.read_text()))}
    assert rows["c1"]["score"] == "" and rows["c0"]["percent"] == "100"

    # the next run grades the failed ones (nothing was recorded for them), not the others
    monkeypatch.setattr(batch, "grade", grade)
    summary = grade_all(submissions, assignment, tmp_path / "out", jobs=2)
    assert summary.graded == ["c1", "c2", "c3"] and summary.skipped == ["c0", "c4"]


def test_without_a_roster_every_well_named_folder_is_graded(assignment: Assignment,
                                                            tmp_path: Path) -> None:
    submissions = tmp_path / "submissions"
    write_submission(assignment, "zoe", submissions / "zoe", "perfect")
    (submissions / "bad name!").mkdir()
    out = submissions / "report"                # an output folder inside is not a student
    summary = grade_all(submissions, assignment, out, jobs=1)
    assert summary.graded == ["zoe"] and summary.unknown == ["bad name!"]
    assert summary.grades_csv.read_text().splitlines()[1].startswith("zoe,,,45,45,100,")


def test_errors_for_a_missing_folder_and_bad_jobs(assignment: Assignment,
                                                  tmp_path: Path) -> None:
    from grader.errors import GraderError

    with pytest.raises(GraderError, match="no such folder"):
        grade_all(tmp_path / "nowhere", assignment, tmp_path / "out")
    with pytest.raises(GraderError, match="at least 1"):
        grade_all(tmp_path, assignment, tmp_path / "out", jobs=0)


def test_csv_cells_stay_text_in_spreadsheets(assignment: Assignment) -> None:
    result = Result(assignment.name, "eve", (ExerciseResult(
        assignment.exercise_ids[0], (PartResult("p", "numeric", 1 / 3, 1.0, "partial"),)),))
    text = grades_csv(assignment, [Student("eve", "=HYPERLINK(\"x\")", "@eve")],
                      {"eve": result})
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["name"].startswith("'=") and row["email"] == "'@eve"
    # scores in hundredths of a point, as in every report
    assert (row["score"], row["max_score"], row["percent"]) == ("0.33", "1", "33.33")
    assert row[assignment.exercise_ids[0]] == "0.33" and row[assignment.exercise_ids[1]] == ""


def test_spawned_workers_reload_the_assignment(assignment: Assignment, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Where fork is not used (macOS, Windows), workers load the assignment themselves."""
    write_submission(assignment, "ann", tmp_path / "submissions" / "ann", "perfect")
    monkeypatch.setattr(batch, "_start_method", lambda: "spawn")
    summary = grade_all(tmp_path / "submissions", assignment, tmp_path / "out", jobs=1)
    assert summary.graded == ["ann"], summary.failed
    assert latest(tmp_path / "out", assignment)["ann"].score == assignment.max_score

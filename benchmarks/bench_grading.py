"""Speed figures of the grader, measured end to end through the CLI; prints medians.

    python benchmarks/bench_grading.py                 # all figures (about two minutes)
    python benchmarks/bench_grading.py --memory 0      # skip the 1,000-submission memory run

Figures (targets from the Speed issue in brackets):
- grade-all on N submissions of the demo assignment with -j JOBS, median of REPEAT runs:
  submissions/s [>= 40, the budget with student code behind the OS boundary]
- grader grade once per submission, on a sample: seconds each, and how many times slower
  than grade-all per submission [grade-all >= 20x faster]
- grader check on one submission: wall seconds, start-up included [<= 1.5 s]
- grader --help and grader list against a bare interpreter [within 250 ms]
- the parent's RSS while grade_all grades M submissions [flat]
- whether -j 1 and -j JOBS give identical results
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.assignment import Student, load_assignment  # noqa: E402
from grader.generate import generate  # noqa: E402
from grader.samples import write_submission  # noqa: E402

DEMO = ROOT / "grader" / "demo" / "assignment.yaml"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
CLI = [sys.executable, "-m", "grader.cli"]


def run(args: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, env=ENV, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def median_time(args: list[str], repeat: int, cwd: Path | None = None) -> float:
    return statistics.median(run(args, cwd) for _ in range(repeat))


def make_submissions(work: Path, count: int) -> tuple[Path, Path]:
    """`count` hand-ins (alternately full marks and typical mistakes) and their folders."""
    assignment = load_assignment(DEMO)
    students = [Student(f"s{i:04d}") for i in range(count)]
    generated = work / "generated"
    generate(assignment, students, generated)
    submissions = work / "submissions"
    for i, student in enumerate(students):
        folder = submissions / student.id
        shutil.copytree(generated / student.id, folder)
        write_submission(assignment, student.id, folder, "perfect" if i % 2 == 0 else "mistakes")
    return submissions, generated


def latest_results(gradebook: Path) -> dict[str, object]:
    with sqlite3.connect(gradebook) as db:
        rows = db.execute("SELECT student_id, result_json FROM attempts ORDER BY id").fetchall()
    db.close()
    out: dict[str, object] = {}
    for student, text in rows:
        data = json.loads(text)
        data.pop("grader_version", None)
        out[student] = data
    return out


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def memory_run(work: Path, count: int) -> list[tuple[int, int]]:
    """The parent's RSS at checkpoints while grade_all grades `count` submissions."""
    from grader.batch import BatchEvent, grade_all

    submissions, _ = make_submissions(work / "memory", count)
    assignment = load_assignment(DEMO)
    marks: list[tuple[int, int]] = []

    def progress(event: BatchEvent) -> None:
        if event.done % max(1, count // 5) == 0 or event.done == event.total:
            marks.append((event.done, rss_kib()))

    grade_all(submissions, assignment, work / "memory-out", progress=progress)
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--repeat", type=int, default=3,
                        help="grade-all runs whose median is reported")
    parser.add_argument("--serial-sample", type=int, default=10,
                        help="how many submissions to grade one `grader grade` at a time")
    parser.add_argument("--memory", type=int, default=1000,
                        help="submissions for the memory run (0: skip)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        work = Path(tmp)
        print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
        print(f"setting up {args.students} submissions of the demo assignment ...")
        submissions, generated = make_submissions(work, args.students)

        # The median of a few runs, each into a fresh output folder (a second run into the
        # same one would skip every unchanged submission): a shared machine's speed drifts.
        runs = [run([*CLI, "grade-all", str(submissions), "--assignment", str(DEMO),
                     "--out", str(work / f"out-j{args.jobs}-{n}"), "-j", str(args.jobs)])
                for n in range(args.repeat)]
        batch = statistics.median(runs)
        rate = args.students / batch
        print(f"grade-all -j {args.jobs}: {args.students} submissions in {batch:.2f} s "
              f"= {rate:.1f} submissions/s (target >= 40); runs: "
              + ", ".join(f"{t:.2f} s" for t in runs))

        serial = [run([*CLI, "grade", str(submissions / f"s{i:04d}"), "--assignment",
                       str(DEMO), "--format", "json"]) for i in range(args.serial_sample)]
        each = statistics.median(serial)
        ratio = each / (batch / args.students)
        print(f"grader grade, one process per submission: median {each:.3f} s each; "
              f"grade-all is {ratio:.0f}x faster per submission (target >= 20x)")

        one = run([*CLI, "grade-all", str(submissions), "--assignment", str(DEMO),
                   "--out", str(work / "out-j1"), "-j", "1"])
        same = latest_results(work / "out-j1" / "gradebook.sqlite") == \
            latest_results(work / f"out-j{args.jobs}-0" / "gradebook.sqlite")
        print(f"grade-all -j 1: {one:.2f} s ({args.students / one:.1f}/s); results identical "
              f"to -j {args.jobs}: {same}")

        check_dir = work / "check"
        shutil.copytree(generated / "s0000", check_dir)
        shutil.copy(submissions / "s0000" / "answers.yaml", check_dir / "answers.yaml")
        shutil.copy(submissions / "s0000" / "solution.py", check_dir / "solution.py")
        check = median_time([*CLI, "check"], 5, cwd=check_dir)
        print(f"grader check (one submission, start-up included): median {check:.3f} s "
              f"(target <= 1.5 s)")

        bare = median_time([sys.executable, "-c", "pass"], 9)
        helptime = median_time([*CLI, "--help"], 9)
        listing = median_time([*CLI, "list"], 9)
        print(f"bare interpreter {bare * 1000:.0f} ms; grader --help {helptime * 1000:.0f} ms "
              f"(+{(helptime - bare) * 1000:.0f}); grader list {listing * 1000:.0f} ms "
              f"(+{(listing - bare) * 1000:.0f}) (target: within +250 ms)")

        if args.memory:
            marks = memory_run(work, args.memory)
            shown = ", ".join(f"{done}: {kib / 1024:.0f} MiB" for done, kib in marks)
            growth = (marks[-1][1] - marks[0][1]) / 1024 if marks else 0.0
            print(f"parent RSS while grading {args.memory} submissions: {shown} "
                  f"(growth after the first checkpoint {growth:+.1f} MiB)")


if __name__ == "__main__":
    main()

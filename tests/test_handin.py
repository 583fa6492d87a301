"""Hand-ins are files, not links: what a student's folder holds costs that student only.

Each test is an attack of the list in the sandbox issue, in a real grade-all: a link to a
classmate's solution or answers, a link to /dev/zero, a FIFO, an oversized file, a
folder that is a link. The batch must finish, the attacker must earn nothing from the
classmate, and everyone else must be graded as if the attacker were not there.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import pytest

from grader import handin
from grader.assignment import Assignment, load_assignment
from grader.batch import LOCK_FILE, grade_all
from grader.errors import GraderError
from grader.files import exclusive_lock
from grader.gradebook import Gradebook, submission_hash
from grader.samples import write_submission

from .conftest import ROOT

DEMO = ROOT / "grader" / "demo" / "assignment.yaml"


@pytest.fixture(scope="module")
def assignment() -> Assignment:
    return load_assignment(DEMO)


def _parts(out: Path, assignment: Assignment, student: str) -> dict[str, tuple[str, str]]:
    with Gradebook(out / "gradebook.sqlite") as book:
        result = book.latest(assignment.name)[student]
    return {f"{e.id}.{p.id}": (p.status, p.feedback) for e in result.exercises
            for p in e.parts}


def test_read_file_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "real.py").write_text("x = 1\n")
    (tmp_path / "link.py").symlink_to(tmp_path / "real.py")
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo.yaml")
    (tmp_path / "big.yaml").write_bytes(b"a" * 2000)
    (tmp_path / "folder.py").mkdir()
    assert handin.read_file(tmp_path, "real.py", 100) == b"x = 1\n"
    expected = {"link.py": "a symbolic link", "zero.py": "a symbolic link",
                "fifo.yaml": "a FIFO", "big.yaml": "larger than 1000 bytes",
                "folder.py": "a folder", "absent.py": "is missing"}
    for name, words in expected.items():
        with pytest.raises(handin.HandinError) as caught:
            handin.read_file(tmp_path, name, 1000)
        assert words in caught.value.message, (name, caught.value.message)
    linked = tmp_path / "linked-folder"
    linked.symlink_to(tmp_path)
    with pytest.raises(handin.HandinError, match="cannot be read"):
        handin.read_file(linked, "real.py", 100)  # the folder itself is not followed either


def test_a_fifo_does_not_block_the_reader(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "answers.yaml")
    done = threading.Event()

    def read() -> None:
        with pytest.raises(handin.HandinError):
            handin.read_file(tmp_path, "answers.yaml", 1000)
        done.set()

    threading.Thread(target=read, daemon=True).start()
    assert done.wait(5), "reading a FIFO hand-in blocked"


def test_hostile_hand_in_files_cost_their_student_only(assignment: Assignment,
                                                       tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    for sid in ("ada", "bob", "cat", "dan", "eve", "fay", "gil"):
        write_submission(assignment, sid, subs / sid, "perfect" if sid == "ada" else "mistakes")
    # bob and cat point at ada's work; dan's solution is endless; eve's answers block
    (subs / "bob" / "solution.py").unlink()
    (subs / "bob" / "solution.py").symlink_to(subs / "ada" / "solution.py")
    (subs / "cat" / "answers.yaml").unlink()
    (subs / "cat" / "answers.yaml").symlink_to(subs / "ada" / "answers.yaml")
    (subs / "dan" / "solution.py").unlink()
    (subs / "dan" / "solution.py").symlink_to("/dev/zero")
    (subs / "eve" / "answers.yaml").unlink()
    os.mkfifo(subs / "eve" / "answers.yaml")
    with open(subs / "fay" / "answers.yaml", "r+b") as f:  # sparse: 2 GB, no disk used
        f.truncate(2 << 30)
    # gil's whole folder is a link to ada's
    (subs / "gil" / "answers.yaml").unlink()
    (subs / "gil" / "solution.py").unlink()
    (subs / "gil").rmdir()
    (subs / "gil").symlink_to(subs / "ada")
    started = time.monotonic()
    summary = grade_all(subs, assignment, tmp_path / "out", jobs=2, timeout=60)
    assert time.monotonic() - started < 60  # nobody hung the batch
    out = tmp_path / "out"
    assert sorted(summary.graded) == ["ada", "bob", "cat", "dan", "eve", "fay"]
    assert list(summary.failed) == ["gil"] and "symbolic link" in summary.failed["gil"]
    ada = _parts(out, assignment, "ada")
    assert {status for status, _ in ada.values()} == {"correct"}
    for sid, file, words in [("bob", "solution.py", "a symbolic link"),
                             ("cat", "answers.yaml", "a symbolic link"),
                             ("dan", "solution.py", "a symbolic link"),
                             ("eve", "answers.yaml", "a FIFO"),
                             ("fay", "answers.yaml", "larger than 1 MB")]:
        parts = _parts(out, assignment, sid)
        kind = "function" if file == "solution.py" else "text"
        hit = [(k, s, f) for k, (s, f) in parts.items()
               if (kind == "function") == (k.split(".")[-1] in _function_parts(assignment))]
        assert hit and all(s != "correct" and words in f for _, s, f in hit), (sid, hit)
    with Gradebook(out / "gradebook.sqlite") as book:
        scores = {sid: r.score for sid, r in book.latest(assignment.name).items()}
    assert scores["bob"] < scores["ada"] and scores["cat"] < scores["ada"]


def _function_parts(assignment: Assignment) -> set[str]:
    return {p.id for i in assignment.exercise_ids for p in assignment.spec(i).parts
            if p.kind == "function"}


def test_hashing_a_hand_in_never_follows_or_reads_without_bound(tmp_path: Path) -> None:
    (tmp_path / "solution.py").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "answers.yaml")
    first = submission_hash(tmp_path)  # returns at once, reads nothing of /dev/zero
    (tmp_path / "solution.py").unlink()
    (tmp_path / "solution.py").write_text("")
    assert submission_hash(tmp_path) != first


def test_grade_all_locks_its_output_folder(assignment: Assignment, tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    write_submission(assignment, "ada", subs / "ada", "perfect")
    out = tmp_path / "out"
    out.mkdir()
    with exclusive_lock(out / LOCK_FILE, "test"), \
            pytest.raises(GraderError, match="another run is writing grades into"):
        grade_all(subs, assignment, out, jobs=1)
    assert not (out / "gradebook.sqlite").exists()  # refused before anything was written
    grade_all(subs, assignment, out, jobs=1)  # and free once the other run is over


def test_grade_all_output_is_private(assignment: Assignment, tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    write_submission(assignment, "ada", subs / "ada", "perfect")
    out = tmp_path / "out"
    grade_all(subs, assignment, out, jobs=1)
    for path in [out, *out.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        assert mode & 0o077 == 0, (path, oct(mode))


def test_an_unwritable_output_folder_is_one_clear_error(assignment: Assignment,
                                                         tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    write_submission(assignment, "ada", subs / "ada", "perfect")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(GraderError, match="cannot make the output folder"):
        grade_all(subs, assignment, blocker / "out", jobs=1)

"""`grader gradescope`: a Gradescope autograder zip, and what runs inside it.

The zip holds, at its root (https://gradescope-autograders.readthedocs.io/en/latest/specs/):

    setup.sh          run once when Gradescope builds the image: Python and the grader
                      (the source chosen and checked by `grader gradescope`) in a venv
    run_autograder    run for each submission: `python -m grader autograde`
    autograder.yaml   the options: visibility, the roster's id column
    assignment.yaml   the assignment, its bank being bank/ (and the bundled one)
    bank/             the specs and reference solutions of its exercises
    roster.csv        who may submit, and their ids
    dist/             the grader's wheel, when it ships inside the zip

For each submission, `run_autograder` reads Gradescope's submission_metadata.json, finds
the submitter on the roster (by SID or email address, against the id or any column of
the roster), grades /autograder/submission as that student's variant and writes
/autograder/results/results.json. Gradescope shows nothing of the zip to students, which
is why it may carry the salt and the reference solutions. Every submission runs in a
container of its own, the boundary Gradescope itself gives; student code runs inside the
grader's sandbox where the container allows it, with its limits otherwise.

The paths are those Gradescope uses; the environment variables GRADER_AUTOGRADER_ROOT
(instead of /autograder) and GRADER_PYTHON (the interpreter) move them, for a test run.
"""

from __future__ import annotations

import io
import json
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import DISTRIBUTION
from .assignment import (
    Assignment,
    Roster,
    Student,
    assignment_data,
    load_assignment,
    load_roster,
)
from .bank import bundled_root
from .errors import GraderError
from .files import write_atomic
from .reports.gradescope import VISIBILITIES, gradescope_results
from .secrecy import released, student_view
from .source import Source

ROOT_ENV = "GRADER_AUTOGRADER_ROOT"
PYTHON_ENV = "GRADER_PYTHON"
DEFAULT_ROOT = Path("/autograder")
CONFIG_FILE = "autograder.yaml"
DIST_DIR = "dist"
ANSWER_FILES = ("answers.yaml", "solution.py")

_SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image: Python and
# the grader ({distribution}, from the source below) in a venv. Written by `grader gradescope`.
set -euo pipefail
root="${{{root_env}:-/autograder}}"
python="${{{python_env}:-python3}}"
GRADER_PIP={requirement}
if ! "$python" -c "import ensurepip, venv" >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv python3-pip
fi
"$python" -m venv --system-site-packages "$root/venv"
cd "$root/source"
"$root/venv/bin/python" -m pip install --quiet --no-input --disable-pip-version-check \\
    "$GRADER_PIP"
"""

_RUN = """\
#!/usr/bin/env bash
# Gradescope runs this for each submission: it grades $root/submission and writes
# $root/results/results.json. Written by `grader gradescope`.
set -uo pipefail
root="${{{root_env}:-/autograder}}"
python="${{{python_env}:-$root/venv/bin/python}}"
exec "$python" -m grader autograde --root "$root"
"""


def _shell_word(text: str) -> str:
    import shlex

    return shlex.quote(text)


def make_autograder(assignment: Assignment, roster: list[Student], roster_file: Path,
                    out: Path, *, source: Source, visibility: str = "visible",
                    id_column: str | None = None) -> Path:
    """Write OUT/<assignment>-gradescope.zip; return its path."""
    if visibility not in VISIBILITIES:
        raise GraderError(f"visibility must be one of {', '.join(VISIBILITIES)}, "
                          f"not {visibility!r}")
    files: dict[str, tuple[bytes, int]] = {}

    def add(name: str, data: bytes | str, mode: int = 0o644) -> None:
        files[name] = (data.encode("utf-8") if isinstance(data, str) else data, mode)

    fields = {"root_env": ROOT_ENV, "python_env": PYTHON_ENV, "distribution": DISTRIBUTION,
              "requirement": _shell_word(source.install(DIST_DIR))}
    add("setup.sh", _SETUP.format(**fields), 0o755)
    add("run_autograder", _RUN.format(**fields), 0o755)
    if source.file is not None:
        add(f"{DIST_DIR}/{source.file.name}", source.file.read_bytes())
    add(CONFIG_FILE, yaml.safe_dump({
        "visibility": visibility,
        "id_column": id_column or getattr(roster, "id_column", None)}, sort_keys=False))
    bundled = bundled_root()
    banks = []
    for exercise_id in assignment.exercise_ids:
        owner = assignment.bank.owner(exercise_id)
        if owner == bundled:
            if "bundled" not in banks:
                banks.append("bundled")
            continue          # the installed grader carries the bundled bank
        if "bank" not in banks:
            banks.insert(0, "bank")
        for path, folder in ((assignment.bank.spec_path(exercise_id), "exercises"),
                             (assignment.bank.solution_path(exercise_id), "solutions")):
            if path.is_file():
                add(f"bank/{folder}/{path.relative_to(path.parents[1]).as_posix()}",
                    path.read_bytes())
    # practice, due, release and show_* travel too: the autograder keeps back what the
    # original assignment keeps back
    data = assignment_data(assignment, None if banks == ["bundled"]
                           else banks[0] if len(banks) == 1 else banks)
    add("assignment.yaml", yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    add("roster.csv", roster_file.read_bytes())

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            content, mode = files[name]
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    path = out / f"{assignment.name}-gradescope.zip"
    out.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(path)
    return path


@dataclass(frozen=True)
class Match:
    student: str
    by: str          # how: "sid", "email" ...


def find_student(metadata: dict[str, Any], roster: list[Student]) -> Match | None:
    """The roster student a Gradescope submission is from: each submitter's SID, then
    email, against the roster's ids, emails and any other column (say Canvas's SIS User
    ID). For a group submission, the first submitter on the roster."""
    users = metadata.get("users") or []
    for user in users if isinstance(users, list) else []:
        if not isinstance(user, dict):
            continue
        for key in ("sid", "email"):
            value = str(user.get(key) or "").strip()
            if not value:
                continue
            wanted = value.casefold()
            for student in roster:
                if student.id.casefold() == wanted:
                    return Match(student.id, f"{key} = roster id")
            for student in roster:
                if student.email.casefold() == wanted:
                    return Match(student.id, f"{key} = roster email")
                columns = [c for c, v in student.columns.items() if v.casefold() == wanted]
                if columns:
                    return Match(student.id, f"{key} = roster column '{columns[0]}'")
    return None


def _submission_folder(submission: Path) -> Path:
    """Where answers.yaml and solution.py are: the submission, or its one folder when the
    student uploaded a folder (or a zip of one) rather than the files."""
    if any((submission / name).exists() for name in ANSWER_FILES):
        return submission
    folders = [p for p in submission.iterdir()
               if p.is_dir() and not p.is_symlink() and not p.name.startswith(("_", "."))]
    if len(folders) == 1 and any((folders[0] / n).exists() for n in ANSWER_FILES):
        return folders[0]
    return submission


def _write_results(root: Path, data: dict[str, Any]) -> Path:
    path = root / "results" / "results.json"
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return path


def run_autograder(root: Path) -> dict[str, Any]:
    """Grade ROOT/submission for the submitter named in ROOT/submission_metadata.json and
    write ROOT/results/results.json; return what was written."""
    source = root / "source"
    config = yaml.safe_load((source / CONFIG_FILE).read_text(encoding="utf-8")) or {}
    visibility = str(config.get("visibility") or "visible")
    roster: Roster = load_roster(source / "roster.csv", config.get("id_column"))
    try:
        metadata = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GraderError(f"cannot read {root / 'submission_metadata.json'}: {exc}") from None
    match = find_student(metadata, roster)
    if match is None:
        users = metadata.get("users") or []
        who = ", ".join(f"{u.get('name') or '?'} (email {u.get('email') or '-'}, SID "
                        f"{u.get('sid') or '-'})" for u in users if isinstance(u, dict))
        refused: dict[str, Any] = {
                "score": 0.0, "output_format": "md", "visibility": "visible",
                "output": ("**Not graded**: this submission's Gradescope account, "
                           f"{who or 'unknown'}, is not on the course's roster for the "
                           "grader, so it has no variant of its own. Ask your instructor "
                           "to add your SID or email address to it."),
                "tests": []}
        _write_results(root, refused)
        print(f"not graded: no roster entry for {who or 'the submitter'}")
        return refused
    assignment = load_assignment(source / "assignment.yaml")
    from .grading import grade

    # Gradescope's container is the boundary; the sandbox adds its own where it can.
    result = grade(_submission_folder(root / "submission"), assignment, match.student,
                   isolation="preferred")
    # the results are the student's to see: no expected value or worked solution before
    # the assignment releases them (secrecy.py)
    shown = student_view(result, assignment, is_released=released(assignment))
    data = gradescope_results(shown, visibility=visibility)
    data["extra_data"]["matched_by"] = match.by
    _write_results(root, data)
    print(f"graded {match.student} (matched by {match.by}): {data['score']} / "
          f"{data['extra_data']['max_score']}")
    return data


def unpack(zip_path: Path, root: Path) -> None:
    """Lay the zip out as Gradescope does: ROOT/source holds its contents and
    ROOT/run_autograder is a copy of the script (for trying an autograder locally)."""
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            target = root / "source" / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
            target.chmod((info.external_attr >> 16) & 0o777 or 0o644)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")

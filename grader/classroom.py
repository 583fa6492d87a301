"""`grader classroom`: a GitHub Classroom template repository that grades itself.

Classroom copies the template into one repository per student, named
`<prefix>-<GitHub username>`; the username is the student id that picks the variant.
The template holds a placeholder student's files; its workflow writes each student's
own variant on the commit that creates their repository (`personalize`), then grades
every push with `grader grade` and reports the points to Classroom.

    make_classroom(load_assignment("hw1.yaml"), Path("hw1-template"))
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Literal

import jinja2
import yaml

from .assignment import STUDENT_ID, Assignment, Student, assignment_data, load_assignment
from .bank import bundled_root
from .errors import ClassroomError
from .files import write_atomic
from .generate import META_FILE, copy_bank, metadata, metadata_yaml, write_student
from .source import Source, choose_source, published_source

__all__ = ["PLACEHOLDER", "ClassroomError", "Source", "choose_source", "make_classroom",
           "personalize", "published_source", "student_from_repository"]

Solutions = Literal["template", "private"]

PLACEHOLDER = "your-github-username"
CONFIG_FILE = ".grader/classroom.yaml"
DIST_DIR = ".grader/dist"
ASSIGNMENT_FILE = ".grader/assignment.yaml"
BANK_DIR = ".grader/bank"
WORKFLOW_FILE = ".github/workflows/classroom.yml"
VARIANT_FILES = ("assignment.html", "ASSIGNMENT.md", META_FILE)
STUB_FILES = ("answers.yaml", "solution.py")      # the student's: rewritten only if untouched

_GITIGNORE = """\
# written by the autograder and `grader grade`
grader-result.json
report.html
__pycache__/
"""




def _templates() -> jinja2.Environment:
    # [[ ]] and [% %]: GitHub's own ${{ ... }} expressions pass through untouched.
    return jinja2.Environment(
        loader=jinja2.PackageLoader("grader", "templates/classroom"),
        variable_start_string="[[", variable_end_string="]]",
        block_start_string="[%", block_end_string="%]",
        comment_start_string="[#", comment_end_string="#]",
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined, autoescape=False)


def make_classroom(assignment: Assignment, out: Path, *, solutions: Solutions = "template",
                   source: Source | None = None, prefix: str | None = None,
                   bank_repository: str | None = None) -> Path:
    """Write a GitHub Classroom template repository for `assignment` into `out`.

    `source` is where the workflow installs the grader from (see `choose_source`, which
    checks it; default: this version of the published distribution). `prefix` is the
    Classroom assignment's repository prefix (default: the assignment's name). With
    solutions="template" the exercises' specs and reference solutions are copied into
    `.grader/bank/` (students who look can read them); with "private" the workflow checks
    them out from `bank_repository` (OWNER/REPO) with a token secret.
    """
    if solutions not in ("template", "private"):
        raise ClassroomError(f"solutions must be 'template' or 'private', not {solutions!r}")
    source = published_source() if source is None else source
    if solutions == "private":
        if bank_repository is None:
            raise ClassroomError("with private solutions, name the bank's repository "
                                 "(--bank-repository OWNER/REPO)")
        if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", bank_repository):
            raise ClassroomError(f"bank repository {bank_repository!r}: expected OWNER/REPO")
    prefix = assignment.name if prefix is None else prefix
    if not re.fullmatch(r"[A-Za-z0-9._-]+", prefix):
        raise ClassroomError(f"repository prefix {prefix!r}: use letters, digits and . _ -")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ClassroomError(f"{out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    private = solutions == "private"

    grader_dir = out / ".grader"
    grader_dir.mkdir(exist_ok=True)
    bank = out / BANK_DIR
    if bank.exists():
        shutil.rmtree(bank)      # a bank from an earlier run with other exercises
    if not private:
        copy_bank(assignment, bank)
    dist = out / DIST_DIR
    if dist.exists():
        shutil.rmtree(dist)      # a grader copied there by an earlier run
    if source.file is not None:
        dist.mkdir(parents=True)
        shutil.copyfile(source.file, dist / source.file.name)
    write_atomic(out / ASSIGNMENT_FILE, assignment_yaml(assignment, private=private))
    write_atomic(out / CONFIG_FILE, yaml.safe_dump(
        {"prefix": prefix, "placeholder": PLACEHOLDER, "solutions": solutions},
        sort_keys=False))
    banks = template_banks(assignment, private=private)
    for name, text in _render(assignment, PLACEHOLDER, banks).items():
        write_atomic(out / name, text)

    context = {"title": assignment.title, "prefix": prefix,
               "pip_source": source.install(DIST_DIR),
               "private": private, "bank_repository": bank_repository,
               "placeholder": PLACEHOLDER,
               "assignment_file": assignment.path.name if assignment.path else "hw.yaml"}
    env = _templates()
    write_atomic(out / "README.md", env.get_template("README.md.j2").render(context))
    workflow = out / WORKFLOW_FILE
    workflow.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(workflow, env.get_template("classroom.yml.j2").render(context))
    write_atomic(out / ".gitignore", _GITIGNORE + (f"{BANK_DIR}/\n" if private else ""))
    return out


def template_banks(assignment: Assignment, *, private: bool) -> list[str]:
    """The template assignment's `bank` entries (relative to .grader/): `bank` for the
    folder .grader/bank, and `bundled`. The template's own bank holds a copy of every
    exercise; a private one holds the instructor's, and the bundled bank of the installed
    grader supplies the rest."""
    if not private:
        return ["bank"]
    bundled = bundled_root()
    owners = {assignment.bank.owner(i) for i in assignment.exercise_ids}
    return (["bank"] if owners - {bundled} else []) + (["bundled"] if bundled in owners else [])


def assignment_yaml(assignment: Assignment, *, private: bool = False) -> str:
    """The assignment file as the template carries it: its bank is `.grader/bank`."""
    banks = template_banks(assignment, private=private)
    data = assignment_data(assignment, banks[0] if len(banks) == 1 else banks)
    return ("# The assignment, as the autograder reads it. Edit the original and run\n"
            "# `grader classroom` again rather than this copy.\n"
            + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def _render(assignment: Assignment, student: str, banks: list[str]) -> dict[str, str]:
    """File name → text of `student`'s variant files and answer stubs, as generate writes
    them, with the variant's Markdown as ASSIGNMENT.md (README.md is the workflow's)."""
    with tempfile.TemporaryDirectory(prefix="grader-classroom-") as tmp:
        folder = Path(tmp)
        write_student(assignment, Student(student), folder)
        files = {name: (folder / name).read_text(encoding="utf-8")
                 for name in ("assignment.html", *STUB_FILES)}
        files["ASSIGNMENT.md"] = (folder / "README.md").read_text(encoding="utf-8")
    # practice work is checked in full, from the bank in .grader/bank (relative, so that
    # `grader check` works in any clone); graded work needs no bank to be checked
    meta = metadata(assignment, student, bank=BANK_DIR if assignment.practice else None)
    files[META_FILE] = metadata_yaml(meta)
    return files


def _config(repo: Path) -> dict[str, str]:
    path = repo / CONFIG_FILE
    if not path.is_file():
        raise ClassroomError(f"no {CONFIG_FILE} in {repo}: not a repository made by "
                             "`grader classroom`")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {k: str(v) for k, v in data.items()}


def repository_name(repo: Path, environ: dict[str, str] | None = None) -> str:
    """The repository's name: from GITHUB_REPOSITORY in Actions, else the origin remote,
    else the folder's name."""
    if environ and environ.get("GITHUB_REPOSITORY"):
        return environ["GITHUB_REPOSITORY"].rsplit("/", 1)[-1]
    config = repo / ".git" / "config"
    if config.is_file():
        text = config.read_text(encoding="utf-8", errors="replace")
        origin = re.search(r'\[remote "origin"\][^\[]*?^\s*url\s*=\s*(\S+)', text, re.M)
        if origin:
            name = re.split(r"[/:]", origin.group(1).rstrip("/"))[-1]
            return name.removesuffix(".git")
    return repo.resolve().name


def student_from_repository(repo: Path, environ: dict[str, str] | None = None) -> str:
    """The GitHub username at the end of `<prefix>-<username>`."""
    prefix = _config(repo)["prefix"]
    name = repository_name(repo, environ)
    if not name.startswith(prefix + "-") or name == prefix + "-":
        raise ClassroomError(f"cannot tell the student from the repository name {name!r} "
                             f"(expected {prefix}-<GitHub username>); pass --student")
    return name[len(prefix) + 1:]


def personalize(repo: Path, student: str | None = None, *,
                environ: dict[str, str] | None = None) -> str:
    """Rewrite a Classroom repository's variant for its student; return the student id.

    assignment.html, ASSIGNMENT.md and .grader.yaml are rewritten; answers.yaml and
    solution.py only while they are still the untouched stubs of the previous student,
    so a student's work is never lost. Running it again changes nothing.
    """
    repo = Path(repo)
    config = _config(repo)
    if student is None:
        student = student_from_repository(repo, environ)
    if not STUDENT_ID.match(student):
        raise ClassroomError(f"{student!r} cannot be a student id")
    meta_path = repo / META_FILE
    current = config.get("placeholder", PLACEHOLDER)
    if meta_path.is_file():
        current = str((yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {})
                      .get("student", current))
    if current == student and meta_path.is_file():
        return student
    assignment = load_assignment(repo / ASSIGNMENT_FILE)
    banks = list(assignment.bank_ref or ["bank"])
    untouched = _render(assignment, current, banks)
    fresh = _render(assignment, student, banks)
    for name in STUB_FILES:
        path = repo / name
        if not path.exists() or path.read_text(encoding="utf-8") == untouched[name]:
            write_atomic(path, fresh[name])
    for name in VARIANT_FILES:        # .grader.yaml last: it says the work is done
        write_atomic(repo / name, fresh[name])
    return student


AUDITED = (WORKFLOW_FILE, ".grader")


def _audited_files(repo: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for name in AUDITED:
        path = repo / name
        if path.is_symlink():
            found[name] = b"<a link>"
        elif path.is_file():
            found[name] = path.read_bytes()
        elif path.is_dir():
            for file in sorted(path.rglob("*")):
                if file.is_symlink():
                    found[file.relative_to(repo).as_posix()] = b"<a link>"
                elif file.is_file():
                    found[file.relative_to(repo).as_posix()] = file.read_bytes()
    return found


def audit(template: Path, repo: Path) -> list[str]:
    """How a student's repository differs from the template in what grades it: the
    workflow and `.grader/` (changed, missing or added files). Empty when untouched.

    Classroom's points come from a workflow the student controls; these differences
    are what a student who changed how their repository is graded leaves behind. The
    grade of record is the instructor's own `grade-all`, which never reads them.
    """
    expected = _audited_files(template)
    found = _audited_files(repo)
    problems = []
    for name in sorted(set(expected) | set(found)):
        if name not in found:
            problems.append(f"{name} is missing")
        elif name not in expected:
            problems.append(f"{name} was added")
        elif found[name] != expected[name]:
            problems.append(f"{name} was changed")
    return problems

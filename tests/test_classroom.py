"""`make_classroom`: the template repository, its workflow, and grading it end to end."""

from __future__ import annotations

import base64
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner

from grader import __version__
from grader.assignment import Assignment, load_assignment
from grader.bank import Bank
from grader.classroom import (
    PLACEHOLDER,
    ClassroomError,
    Source,
    choose_source,
    make_classroom,
    personalize,
    student_from_repository,
)
from grader.cli import cli
from grader.errors import SourceError
from grader.samples import write_submission

from .conftest import ROOT

DEMO = ROOT / "grader" / "demo" / "assignment.yaml"
GRADING_JOB = "run-autograding-tests"


@pytest.fixture(scope="module")
def assignment() -> Assignment:
    return load_assignment(DEMO)


@pytest.fixture(scope="module")
def template(assignment: Assignment, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_classroom(assignment, tmp_path_factory.mktemp("classroom") / "template")


@pytest.fixture(scope="module")
def private(assignment: Assignment, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_classroom(assignment, tmp_path_factory.mktemp("classroom") / "private",
                          solutions="private", bank_repository="some-org/hw-bank")


def workflow(repo: Path) -> dict[str, Any]:
    data = yaml.safe_load((repo / ".github" / "workflows" / "classroom.yml").read_text())
    assert isinstance(data, dict)
    return data


def step(job: dict[str, Any], name: str) -> dict[str, Any]:
    found = [s for s in job["steps"] if s.get("id") == name or s.get("name") == name]
    assert len(found) == 1, name
    return found[0]


@pytest.mark.parametrize("mode", ["template", "private"])
def test_workflow_is_valid_and_wired(mode: str, template: Path, private: Path) -> None:
    data = workflow(template if mode == "template" else private)
    assert data["name"] == "Autograding Tests"
    assert {"push", "workflow_dispatch"} <= set(data["on"])
    assert data["permissions"]["checks"] == "write"
    assert data["env"]["GRADER_PIP"] == f"probgrader=={__version__}"
    assert data["env"]["REPOSITORY_PREFIX"] == "demo-hw1"
    for job_id, job in data["jobs"].items():
        ids = [s["id"] for s in job["steps"] if "id" in s]
        assert len(ids) == len(set(ids))
        for s in job["steps"]:
            assert ("uses" in s) != ("run" in s), s
            if "uses" in s:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", s["uses"]), s["uses"]
            # every step output a step refers to comes from a step of the same job
            for ref in re.findall(r"steps\.([\w-]+)\.outputs", json.dumps(s)):
                assert ref in ids, (job_id, ref)
        python = step(job, "Set up Python")
        assert python["uses"] == "actions/setup-python@v5"
        assert python["with"]["python-version"] == "3.11"
        assert step(job, "Install the grader")["run"] == 'python -m pip install "$GRADER_PIP"'
        bank = [s for s in job["steps"] if s.get("with", {}).get("path") == ".grader/bank"]
        if mode == "private":
            assert len(bank) == 1
            assert bank[0]["uses"] == "actions/checkout@v4"
            assert bank[0]["with"]["repository"] == "some-org/hw-bank"
            assert bank[0]["with"]["token"] == "${{ secrets.GRADER_BANK_TOKEN }}"
            # the bank's token is never left in .git/config for student code to read
            assert bank[0]["with"]["persist-credentials"] is False
        else:
            assert bank == []

    job = data["jobs"][GRADING_JOB]
    assert job["if"] == "github.actor != 'github-classroom[bot]'"
    assert job["steps"][0]["uses"] == "actions/checkout@v4"
    assert job["steps"][0]["with"]["persist-credentials"] is False     # student code runs here
    grade = step(job, "grade")
    assert grade["run"].startswith("grader grade . --assignment .grader/assignment.yaml "
                                   '--student "$STUDENT" --format github-classroom')
    html = step(job, "Write the HTML report")
    assert "--format html --output report.html" in html["run"] and html["if"] == "always()"
    upload = step(job, "Upload the HTML report")
    assert upload["uses"] == "actions/upload-artifact@v4" and upload["if"] == "always()"
    assert upload["with"]["path"] == "report.html"
    reporter = step(job, "Report the points to Classroom")
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
    assert reporter["if"] == "always()"          # a failed grading step is reported too
    runners = reporter["with"]["runners"].split(",")
    assert runners == ["grade"]
    # the reporter reads <RUNNER ID upper-cased>_RESULTS
    assert reporter["env"] == {f"{r.upper()}_RESULTS": f"${{{{ steps.{r}.outputs.result }}}}"
                               for r in runners}

    setup = data["jobs"]["personalize"]
    assert "if" not in setup            # any push while the variant is not written yet
    assert setup["permissions"] == {"contents": "write"}
    assert setup["concurrency"]["group"] == "personalize-${{ github.repository }}"
    assert 'grader personalize . --student "$STUDENT"' in step(
        setup, "Write the student's variant")["run"]


def test_template_holds_the_student_files_assignment_and_bank(
        template: Path, assignment: Assignment) -> None:
    for name in ("README.md", "ASSIGNMENT.md", "assignment.html", "answers.yaml",
                 "solution.py", ".grader.yaml", ".gitignore", ".grader/assignment.yaml",
                 ".grader/classroom.yaml"):
        assert (template / name).is_file(), name
    copy = load_assignment(template / ".grader" / "assignment.yaml")
    assert copy.bank.root == (template / ".grader" / "bank").resolve()
    assert copy.exercise_ids == assignment.exercise_ids
    assert copy.max_score == assignment.max_score
    assert Bank(template / ".grader" / "bank").ids == tuple(sorted(assignment.exercise_ids))
    for exercise_id in assignment.exercise_ids:
        # the same variant as the instructor's copy of the assignment draws
        assert (copy.variant("octocat", exercise_id).values
                == assignment.variant("octocat", exercise_id).values)
    meta = yaml.safe_load((template / ".grader.yaml").read_text())
    assert meta["student"] == PLACEHOLDER
    assert meta["mode"] == "graded" and "bank" not in meta     # check needs no bank
    assert assignment.salt not in (template / ".grader.yaml").read_text()
    readme = (template / "README.md").read_text()
    for needle in ("Accept the assignment", "git clone", "assignment.html", "answers.yaml",
                   "solution.py", "grader check", "git push", "Actions", "--solutions private",
                   "grader grade-all", "grader classroom-audit",
                   "What Classroom autograding can and cannot keep from a student"):
        assert needle in readme, needle


def test_private_template_carries_no_bank(private: Path) -> None:
    assert not (private / ".grader" / "bank").exists()
    assert ".grader/bank/" in (private / ".gitignore").read_text()
    readme = (private / "README.md").read_text()
    assert "GRADER_BANK_TOKEN" in readme and "some-org/hw-bank" in readme
    assert "grader check\n" in readme          # graded work's check needs no bank
    # no false claim: a student who edits the workflow can read what it reads
    assert "secret" not in readme.replace("a secret is only as safe", "").replace(
        "the secret,", "").replace("organization secret", "")
    assert "not out of reach" in readme


def run_find_student(data: dict[str, Any], repository: str, tmp_path: Path) -> str:
    """Run the workflow's own shell step, as Actions would, and read what it exported."""
    script = step(data["jobs"][GRADING_JOB], "Find the student")["run"]
    github_env = tmp_path / "github_env"
    github_env.write_text("")
    env = {"PATH": "/usr/bin:/bin", "GITHUB_REPOSITORY": repository,
           "GITHUB_ENV": str(github_env), **data["env"]}
    subprocess.run(["bash", "-e", "-c", script], env=env, check=True, capture_output=True)
    exported = dict(line.split("=", 1) for line in github_env.read_text().splitlines())
    return exported["STUDENT"]


def grade_format_choices() -> list[str]:
    command = cli.commands["grade"]
    option = next(p for p in command.params if p.name == "fmt")
    assert isinstance(option.type, click.Choice)
    return [str(c) for c in option.type.choices]


def test_template_grades_a_perfect_hand_in_end_to_end(
        template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Classroom copies the template into <prefix>-<username>
    repo = tmp_path / "demo-hw1-octocat"
    shutil.copytree(template, repo)
    data = workflow(repo)
    student = run_find_student(data, "some-org/demo-hw1-octocat", tmp_path)
    assert student == "octocat"
    assert personalize(repo, student) == "octocat"

    write_submission(load_assignment(repo / ".grader" / "assignment.yaml"), student, repo,
                     "perfect")
    grade_step = step(data["jobs"][GRADING_JOB], "grade")["run"]
    args = shlex.split(grade_step.replace("$STUDENT", student))
    assert args[:2] == ["grader", "grade"]
    fmt = "github-classroom" if "github-classroom" in grade_format_choices() else "json"
    args[args.index("--format") + 1] = fmt
    output, summary = tmp_path / "github_output", tmp_path / "step_summary"
    output.write_text("")
    summary.write_text("")
    monkeypatch.chdir(repo)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run = CliRunner().invoke(cli, args[1:], catch_exceptions=False)
    assert run.exit_code == 0, run.output
    written = json.loads((repo / "grader-result.json").read_text())
    if fmt == "json":
        assert written["student"] == "octocat"
        assert written["score"] == written["max_score"] == 45
    else:
        lines = dict(line.split("=", 1) for line in output.read_text().splitlines()
                     if "=" in line)
        reported = json.loads(base64.b64decode(lines["result"]))
        assert reported["max_score"] == 45
        assert sum(t["score"] for t in reported["tests"]) == 45
        assert summary.read_text().strip()

    # the student's own `grader check` reads every answer and passes the public examples
    check = CliRunner().invoke(cli, ["check", "--format", "json"], catch_exceptions=False)
    assert check.exit_code == 0, check.output
    result = json.loads(check.output)
    assert (result["student"], result["mode"], result["unanswered"]) == ("octocat", "graded", 0)
    statuses = {p["status"] for e in result["exercises"] for p in e["parts"]}
    assert statuses <= {"read", "defined", "examples-pass"}


def test_personalize_writes_the_students_variant_and_keeps_their_work(
        template: Path, tmp_path: Path) -> None:
    repo = tmp_path / "demo-hw1-octocat"
    shutil.copytree(template, repo)
    placeholder_html = (repo / "assignment.html").read_text()
    assert PLACEHOLDER in (repo / "answers.yaml").read_text()
    (repo / "solution.py").write_text("def posterior_prob(p, s, f):\n    return 0.5\n")

    assert personalize(repo) == "octocat"            # from the folder's name
    assert yaml.safe_load((repo / ".grader.yaml").read_text())["student"] == "octocat"
    html = (repo / "assignment.html").read_text()
    assert html != placeholder_html and "octocat" in html and PLACEHOLDER not in html
    assert "octocat" in (repo / "ASSIGNMENT.md").read_text()
    # the student's own work stays; the untouched stub is rewritten for them
    assert (repo / "solution.py").read_text() == "def posterior_prob(p, s, f):\n    return 0.5\n"
    answers = (repo / "answers.yaml").read_text()
    assert "answers of octocat" in answers and PLACEHOLDER not in answers
    assert "octocat" not in (repo / "README.md").read_text()        # the workflow README stays

    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    assert personalize(repo, "octocat") == "octocat"                 # again: nothing changes
    assert {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()} == before


def test_student_from_repository(template: Path, tmp_path: Path) -> None:
    repo = tmp_path / "clone"
    shutil.copytree(template, repo)
    assert student_from_repository(repo, {"GITHUB_REPOSITORY": "org/demo-hw1-mona"}) == "mona"
    (repo / ".git").mkdir()
    (repo / ".git" / "config").write_text(
        '[core]\n\tbare = false\n[remote "origin"]\n'
        "\turl = git@github.com:some-org/demo-hw1-Octo-Cat.git\n"
        "\tfetch = +refs/heads/*:refs/remotes/origin/*\n")
    assert student_from_repository(repo) == "Octo-Cat"
    (repo / ".git" / "config").write_text('[remote "origin"]\n\turl = https://x/y/other\n')
    with pytest.raises(ClassroomError, match="pass --student"):
        student_from_repository(repo)
    with pytest.raises(ClassroomError, match="cannot be a student id"):
        personalize(repo, "../../etc")
    with pytest.raises(ClassroomError, match="not a repository made by"):
        personalize(tmp_path)


def test_options_and_errors(assignment: Assignment, tmp_path: Path) -> None:
    repo = make_classroom(assignment, tmp_path / "t", prefix="prob-hw1",
                          source=Source("probgrader==0.1.0"))
    data = workflow(repo)
    assert data["env"] == {"GRADER_PIP": "probgrader==0.1.0", "REPOSITORY_PREFIX": "prob-hw1"}
    assert "prob-hw1-<your username>" in (repo / "README.md").read_text()
    # making it again (say with another mode) leaves no stale bank behind
    make_classroom(assignment, repo, solutions="private", bank_repository="o/r")
    assert not (repo / ".grader" / "bank").exists()
    with pytest.raises(ClassroomError, match="template' or 'private"):
        make_classroom(assignment, tmp_path / "x", solutions="public")  # type: ignore[arg-type]
    with pytest.raises(ClassroomError, match="repository prefix"):
        make_classroom(assignment, tmp_path / "x", prefix="bad prefix")
    with pytest.raises(ClassroomError, match="--bank-repository"):
        make_classroom(assignment, tmp_path / "x", solutions="private")
    with pytest.raises(ClassroomError, match="OWNER/REPO"):
        make_classroom(assignment, tmp_path / "x", solutions="private",
                       bank_repository="not a repo")


def test_choose_source_checks_what_pip_would_install(wheel: Path, tmp_path: Path) -> None:
    asked: list[str] = []

    def index(names: list[str]) -> Any:
        def download(requirement: str) -> list[str]:
            asked.append(requirement)
            return names
        return download

    # the default: this version of the published name, asked of the index
    source = choose_source(None, download=index([f"probgrader-{__version__}-py3-none-any.whl"]))
    assert source == Source(f"probgrader=={__version__}") and asked == [source.requirement]
    url = "git+https://github.com/some-org/grader@v0.1.0"
    assert choose_source(url, download=index(["probgrader-0.1.0.zip"])) == Source(url)
    # a requirement that resolves to another project (the unrelated `grader`) is refused
    with pytest.raises(ClassroomError, match="not the probgrader distribution"):
        choose_source("grader==1.2", download=index(["grader-1.2.tar.gz"]))

    def unpublished(requirement: str) -> list[str]:
        raise SourceError(f"pip cannot install {requirement!r} (ERROR: No matching "
                             "distribution)")

    with pytest.raises(ClassroomError, match="pass --pip-source with a wheel"):
        choose_source(None, download=unpublished)

    # a wheel on this machine is checked and copied, never downloaded
    local = choose_source(str(wheel), download=unpublished)
    assert local == Source(wheel.name, file=wheel)
    assert local.install(".grader/dist") == f"./.grader/dist/{wheel.name}"
    with pytest.raises(ClassroomError, match="no such file"):
        choose_source(str(tmp_path / "probgrader-0.1.0-py3-none-any.whl"))
    with pytest.raises(ClassroomError, match="is a folder"):
        choose_source(str(ROOT))
    fake = tmp_path / "probgrader-9.0-py3-none-any.whl"
    fake.write_bytes(b"not a zip")
    with pytest.raises(ClassroomError, match="not a readable wheel"):
        choose_source(str(fake))


def test_cli_refuses_a_source_it_cannot_check(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["classroom", str(DEMO), "--out", str(tmp_path / "t"),
                                      "--pip-source", str(tmp_path / "nowhere.whl")])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "no such file" in result.output
    assert not (tmp_path / "t").exists()


def test_template_installs_its_grader_in_a_fresh_runner_like_folder(
        wheel: Path, tmp_path: Path) -> None:
    """The workflow's own install step, run as Actions runs it: in a clone of the template,
    with a Python that has no grader, from the source chosen by `grader classroom`."""
    made = CliRunner().invoke(cli, ["classroom", str(DEMO), "--out", str(tmp_path / "t"),
                                    "--pip-source", str(wheel)], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    repo = tmp_path / "demo-hw1-octocat"
    shutil.copytree(tmp_path / "t", repo)
    data = workflow(repo)
    # A fresh interpreter: the dependencies are the system's (no network needed), the
    # grader is not there until the step installs it.
    venv = tmp_path / "runner"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True, timeout=300)
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path),
           "PIP_DISABLE_PIP_VERSION_CHECK": "1", **data["env"]}
    # Where this machine's Python has the grader installed already (CI installs it), pip
    # would call the requirement satisfied from outside the venv: install the chosen source
    # itself into the venv, its dependencies coming from the system's as above.
    install_env = {**env, "PIP_FORCE_REINSTALL": "1", "PIP_NO_DEPS": "1"}
    install = step(data["jobs"][GRADING_JOB], "Install the grader")["run"]
    subprocess.run(["bash", "-e", "-c", install], cwd=repo, env=install_env, check=True,
                   capture_output=True, timeout=600)
    where = subprocess.run(["python", "-c", "import grader; print(grader.__file__)"], cwd=repo,
                           env=env, check=True, capture_output=True, text=True)
    assert where.stdout.startswith(str(venv))
    graded = subprocess.run(["grader", "personalize", ".", "--student", "octocat"], cwd=repo,
                            env=env, capture_output=True, text=True, timeout=300)
    assert graded.returncode == 0, graded.stderr
    # what the README then tells the student to run
    graded = subprocess.run(["grader", "check", "--format", "json"], cwd=repo, env=env,
                            capture_output=True, text=True, timeout=300)
    assert graded.returncode == 0, graded.stderr
    assert json.loads(graded.stdout)["student"] == "octocat"


def git(cwd: Path, *args: str) -> str:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x"}
    done = subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True)
    return done.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_push_racing_personalize_keeps_the_work_and_ends_on_the_students_variant(
        template: Path, tmp_path: Path) -> None:
    """The student pushes after Classroom's first commit and before the personalize job
    pushes: the job's first push is refused; it must start again from the student's
    commit, keep their answers, and leave the repository on their variant."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    seed = tmp_path / "seed"
    shutil.copytree(template, seed)
    git(seed, "init", "-q", "-b", "main")
    git(seed, "add", "-A")
    git(seed, "commit", "-qm", "Initial commit")            # Classroom's copy of the template
    git(seed, "push", "-q", str(origin), "main")
    ci = tmp_path / "ci"                                     # the job's checkout of that commit
    git(tmp_path, "clone", "-q", str(origin), str(ci))
    student = tmp_path / "laptop"
    git(tmp_path, "clone", "-q", str(origin), str(student))
    (student / "solution.py").write_text("def posterior_prob(p, s, f):\n    return 0.5\n")
    git(student, "commit", "-qam", "My work")

    # `grader` as the job installs it; on its first run the student's push lands between
    # the job's fetch and its push, so that push is refused
    shim = tmp_path / "bin" / "grader"
    shim.parent.mkdir()
    race = tmp_path / "raced"
    shim.write_text(
        "#!/bin/sh\n"
        f"if [ ! -e {race} ]; then touch {race}; "
        f"git -C {student} push -q origin main || exit 9; fi\n"
        f"PYTHONPATH={ROOT} exec {shlex.quote(sys.executable)} "
        "-c 'from grader.cli import main; main()' \"$@\"\n")
    shim.chmod(0o755)
    script = step(workflow(template)["jobs"]["personalize"], "Write the student's variant")["run"]
    env = {"PATH": f"{shim.parent}:/usr/bin:/bin", "HOME": str(tmp_path),
           "STUDENT": "octocat", "GITHUB_REF": "refs/heads/main",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x"}
    job = subprocess.run(["bash", "-e", "-c", script.replace("sleep", "true")], cwd=ci,
                         env=env, check=True, capture_output=True, text=True)
    assert race.exists() and "rejected" in job.stderr        # the first push lost the race

    final = tmp_path / "final"
    git(tmp_path, "clone", "-q", str(origin), str(final))
    log = git(final, "log", "--format=%s").splitlines()
    assert log == ["Your own variant of the assignment, for octocat", "My work",
                   "Initial commit"]
    assert yaml.safe_load((final / ".grader.yaml").read_text())["student"] == "octocat"
    assert "octocat" in (final / "assignment.html").read_text()
    assert (final / "solution.py").read_text() == (
        "def posterior_prob(p, s, f):\n    return 0.5\n")
    # again, on a later push: nothing to do, nothing pushed
    subprocess.run(["bash", "-e", "-c", script.replace("sleep", "true")], cwd=ci, env=env,
                   check=True, capture_output=True)
    assert git(final, "ls-remote", str(origin), "main").split()[0] == git(
        final, "rev-parse", "HEAD").strip()


def test_classroom_audit_flags_repositories_that_changed_how_they_are_graded(
        template: Path, tmp_path: Path) -> None:
    repos = tmp_path / "repos"
    for name in ("ada", "eve", "mal"):
        shutil.copytree(template, repos / name)
        personalize(repos / name, name)
        write_submission(load_assignment(repos / name / ".grader" / "assignment.yaml"), name,
                         repos / name, "perfect")
    workflow_file = repos / "eve" / ".github" / "workflows" / "classroom.yml"
    workflow_file.write_text(workflow_file.read_text() + "      - run: cat .grader/*\n")
    config = repos / "mal" / ".grader" / "assignment.yaml"
    config.write_text(config.read_text().replace("exercises:", "practice: true\nexercises:"))
    (repos / "mal" / ".grader" / "notes.txt").write_text("x")
    result = CliRunner().invoke(cli, ["classroom-audit", str(template), str(repos)],
                                catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "eve: .github/workflows/classroom.yml was changed",
        "mal: .grader/assignment.yaml was changed; .grader/notes.txt was added",
        "2 of 3 repositories differ from the template",
    ]

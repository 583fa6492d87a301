"""The `grader` command: parses options and calls the core; no grading logic lives here.

Heavy modules (numpy, sympy, the grader's core) are imported inside commands so that
`grader --help` starts fast.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import DISTRIBUTION, __version__
from .errors import GraderError
from .reports import FORMATS
from .reports.text import plural, points, terminal_safe

if TYPE_CHECKING:
    from .bank import Bank
    from .result import Result

# One BLAS thread: the grader's arrays are small, and -j workers already use every core;
# OpenBLAS's own threads would only spin beside them. Set before anything imports numpy.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")


def _no_color() -> bool:
    # https://no-color.org: set to anything but the empty string, no colour at all
    return bool(os.environ.get("NO_COLOR"))


def _os_error(exc: OSError) -> str:
    """An OS error in one line: the file(s), then what went wrong."""
    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    reason = exc.strerror or str(exc)
    return f"{' → '.join(names)}: {reason}" if names else reason


class _Group(click.Group):
    """Turns the package's own errors, and the operating system's (a folder that cannot
    be written, a full disk), into one line on stderr and exit code 1; NO_COLOR off all
    colour."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        if _no_color():
            extra["color"] = False
        return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GraderError as exc:
            # messages may quote what a student wrote or their code raised
            click.secho(f"Error: {terminal_safe(str(exc))}", err=True, fg="red")
            sys.exit(exc.exit_code)
        except OSError as exc:
            click.secho(f"Error: {terminal_safe(_os_error(exc))}", err=True, fg="red")
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)


class _Progress:
    """Progress on stderr: a bar on a terminal; in a log (CI, a pipe, a file), a line at
    each tenth of the way and at least every 10 s, since a bar redrawn with \r shows
    nothing there until the end."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        self.bar = (click.progressbar(length=total, label=label, file=sys.stderr,
                                      show_pos=True) if sys.stderr.isatty() else None)
        self.shown = (-1, time.monotonic())

    def __enter__(self) -> _Progress:
        if self.bar is not None:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)

    def update(self, total: int | None = None) -> None:
        self.done += 1
        self.total = total if total is not None else self.total
        if self.bar is not None:
            self.bar.length = self.total
            self.bar.update(1)
            return
        tenth = 10 * self.done // max(self.total, 1)
        last_tenth, last_time = self.shown
        now = time.monotonic()
        if tenth != last_tenth or now - last_time >= 10 or self.done == self.total:
            pct = 100 * self.done // max(self.total, 1)
            click.echo(f"{self.label}: {self.done}/{self.total} ({pct}%)", err=True)
            self.shown = (tenth, now)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grader")
def cli() -> None:
    """Randomized, auto-graded exercises on the probability behind generative ML.

    Instructors: `grader list`, `grader validate`, `grader generate`, `grader grade-all`.
    Students: `grader check` in the folder you were given.

    Try `grader demo` to see the whole workflow on sample data.
    """


bank_option = click.option(
    "--bank", "bank_dir", type=click.Path(file_okay=False, path_type=Path), multiple=True,
    help="A folder holding exercises/ and solutions/ (default: the bundled bank). Repeat it "
         "to search several; `--bank bundled` names the bundled one.")


def _bank(bank_dirs: tuple[Path, ...]) -> Bank:
    from .bank import BUNDLED, Bank

    if not bank_dirs:
        return Bank()
    return Bank.combine([None if str(d) == BUNDLED else d for d in bank_dirs])


@cli.command("list")
@bank_option
def list_cmd(bank_dir: tuple[Path, ...]) -> None:
    """List the exercises of the bank: id, topic, part kinds and points.

    Listing reads each spec quickly; `grader validate` makes the full checks.

    Example:

        grader list --bank my-bank
    """
    bank = _bank(bank_dir)
    rows = []
    broken = []
    for exercise_id in bank.ids:
        try:
            spec = bank.summary(exercise_id)
        except GraderError as exc:
            broken.append(str(exc))
            continue
        rows.append((spec.id, spec.topic, ",".join(spec.kinds), f"{spec.points:g}", spec.title))
    if not rows:
        click.echo(f"{bank.describe()} has no exercises.")
        return
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    header = ("id", "topic", "kinds", "points")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + "  title")
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row[:4], widths, strict=True))
                   + "  " + row[4])
    click.echo(f"\n{plural(len(rows), 'exercise')} in {bank.describe()}")
    for problem in broken:
        click.secho(f"unreadable: {problem}", fg="red", err=True)
    if broken:
        raise GraderError(f"{plural(len(broken), 'spec')} could not be read; `grader validate` "
                          "shows every problem")


@cli.command()
@click.argument("exercise_id")
@click.option("--student", help="Show the variant this student id gets (with --salt).")
@click.option("--salt", default="preview", show_default=True, help="Salt used with --student.")
@click.option("--seed", type=int, help="Show the variant of this seed.")
@click.option("--answers", is_flag=True, help="Also show the parameters, answers and solution.")
@bank_option
def preview(exercise_id: str, student: str | None, salt: str, seed: int | None, answers: bool,
            bank_dir: tuple[Path, ...]) -> None:
    """Show one variant of an exercise in the terminal.

    Example:

        grader preview bayes/medical-test --student alice --answers
    """
    from . import views
    from .variants import make_variant, variant_seed

    if student is not None and seed is not None:
        raise click.UsageError("give --student or --seed, not both")
    bank = _bank(bank_dir)
    spec = bank.spec(exercise_id)
    if seed is None:
        seed = variant_seed(salt, student or "preview", exercise_id)
    variant = make_variant(spec, seed)
    view = views.exercise(variant, key=answers)
    click.secho(f"{view['title']}  [{spec.id}, {plural(view['points'], 'point')}, seed {seed}]",
                bold=True)
    click.echo()
    click.echo(view["prompt"].rstrip())
    for part in view["parts"]:
        click.echo()
        click.secho(f"({part['id']}) {part['kind']}, {plural(part['points'], 'point')}",
                    bold=True)
        if part["prompt"]:
            click.echo(part["prompt"].rstrip())
        for option in part["options"] or ():
            click.echo(f"  - {option}")
        if part["signature"]:
            click.echo(f"  def {part['signature']}")
        if answers:
            click.secho(f"  answer: {part['answer']}", fg="green")
    if answers:
        click.echo()
        click.secho("parameters: " + ", ".join(f"{k}={v}" for k, v in view["params"].items()),
                    fg="cyan")
        if view["solution"]:
            click.echo()
            click.secho("Solution", bold=True)
            click.echo(view["solution"].rstrip())


@cli.command()
@click.argument("exercise_ids", nargs=-1)
@click.option("--seeds", default=30, show_default=True, type=click.IntRange(1, 10000),
              help="How many variants to render and grade in full per exercise.")
@click.option("--variants", default=5000, show_default=True,
              type=click.IntRange(0, 1_000_000),
              help="How many variants the precision proof covers per exercise.")
@bank_option
def validate(exercise_ids: tuple[str, ...], seeds: int, variants: int,
             bank_dir: tuple[Path, ...]) -> None:
    """Check exercises: every spec parses, every seed renders, references work.

    Over --variants variants of each numeric part it also proves the precision policy:
    the right answer rounded to the stated significant figures is accepted, and no
    listed mistake comes near the accepted interval (a failing part is shown with a seed).

    With no ID, checks the whole bank. Exits 1 if any exercise has a problem.

    Example:

        grader validate bayes/medical-test --seeds 200
    """
    from .validate import Report
    from .validate import validate as run

    bank = _bank(bank_dir)

    def show(report: Report) -> None:
        if report.ok:
            click.echo(f"{click.style('ok', fg='green')}    {report.id}  ({report.seeds} seeds, "
                       f"{report.variants} variants)")
        else:
            click.echo(f"{click.style('FAIL', fg='red')}  {report.id}")
            for problem in report.problems:
                click.echo(f"      {problem}")

    reports = run(bank, exercise_ids or None, seeds=seeds, variants=variants, progress=show)
    failed = [r for r in reports if not r.ok]
    click.echo(f"\n{len(reports) - len(failed)} of {plural(len(reports), 'exercise')} valid")
    if failed:
        raise GraderError(f"{plural(len(failed), 'exercise')} with problems: "
                          + ", ".join(r.id for r in failed))


@cli.command("new-exercise")
@click.argument("exercise_id", metavar="TOPIC/NAME")
@click.option("--bank", "bank_dir", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="The bank to write into (a folder holding exercises/ and solutions/).")
@click.option("--title", help="The exercise's title (default: from its name).")
def new_exercise(exercise_id: str, bank_dir: Path, title: str | None) -> None:
    """Start a new exercise: a commented spec and its reference solution, ready to edit.

    Writes BANK/exercises/TOPIC/NAME.yaml (one part of each kind, every key explained),
    BANK/solutions/TOPIC/NAME.py, and BANK/exercise.schema.json, which the spec names so
    that editors with the YAML language server complete and check its keys. The topic is
    any folder name you choose. Both files pass `grader validate` as written.

    Example:

        grader new-exercise distances/kl-coins --bank my-bank
    """
    from .scaffold import new_exercise as run

    for path in run(bank_dir, exercise_id, title):
        click.echo(f"wrote {path}")
    click.echo(f"next: edit them, then `grader validate {exercise_id} --bank {bank_dir}`")


@cli.command()
@click.argument("kind", default="exercise", type=click.Choice(["exercise", "assignment"]))
def schema(kind: str) -> None:
    """Print the JSON Schema of exercise specs (or assignment files).

    Save it beside your bank and name it in the first line of a spec, and editors with
    the YAML language server complete and check the keys as you type:
    `# yaml-language-server: $schema=../../exercise.schema.json`.

    Example:

        grader schema > my-bank/exercise.schema.json
    """
    from .scaffold import schema_text

    click.echo(schema_text(kind), nl=False)


@cli.command()
@click.argument("assignment_file", metavar="ASSIGNMENT",
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--roster", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="CSV with a student id column (name and email optional).")
@click.option("--id-column", help="The roster's id column, if not one of the usual names.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write one sub-folder per student into, plus the answer key.")
def generate(assignment_file: Path, roster: Path, id_column: str | None, out: Path) -> None:
    """Write one folder per student and an instructor answer key.

    Each folder holds assignment.html, README.md, solution.py, answers.yaml and
    .grader.yaml. The answer key is OUT/answer-key.html (and .json): keep it private.

    Example:

        grader generate hw1.yaml --roster roster.csv --out hw1-students
    """
    from .assignment import load_assignment, load_roster
    from .generate import generate as run

    assignment = load_assignment(assignment_file)
    students = load_roster(roster, id_column)
    click.echo(f"Roster: {students.describe()}", err=True)
    with _Progress("Generating", len(students)) as bar:
        folders = run(assignment, students, out, progress=lambda _: bar.update())
    click.echo(f"Wrote {plural(len(folders), 'student folder')} to {out}/ and the answer "
               f"key to {out / 'answer-key.html'}")
    from .handout import record

    try:
        where = record(assignment, [s.id for s in students])
    except OSError as exc:       # say, an assignment file in a read-only folder
        click.secho(f"Warning: the handed-out variants could not be recorded beside the "
                    f"assignment ({exc.strerror or exc}): grading cannot then tell when a "
                    "spec change alters them", fg="yellow", err=True)
    else:
        click.echo(f"Recorded each student's variant in {where}: grading refuses a spec "
                   "change that would alter them")


def _emit(result: Result, fmt: str, output: Path | None, fail_under: float | None) -> None:
    from .reports import render

    color = output is None and fmt == "text" and sys.stdout.isatty() and not _no_color()
    text = render(result, fmt, color=color)
    if fmt == "github-classroom":
        import os

        from .reports.classroom import write_classroom_outputs

        write_classroom_outputs(result, os.environ)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        click.echo(f"{result.student}: {points(result.score)}/{points(result.max_score)} "
                   f"→ {output}", err=True)
    if fail_under is not None and 100 * result.fraction < fail_under:
        raise GraderError(f"score {100 * result.fraction:.1f}% is below --fail-under "
                          f"{fail_under:g}%")


release_option = click.option(
    "--release", is_flag=True,
    help="Show students the expected values and worked solutions (graded work keeps them "
         "back until the instructor releases them).")

accept_option = click.option(
    "--accept-changes", is_flag=True,
    help="Grade against the exercises as they are now even where a spec change altered "
         "variants already handed out (refused otherwise).")

fail_under_option = click.option(
    "--fail-under", type=click.FloatRange(0, 100), metavar="PERCENT",
    help="Exit 1 when the score is below this percentage (for CI).")
trusted_option = click.option(
    "--trusted", is_flag=True,
    help="Run the solutions without the operating system's boundary (only for code you "
         "trust: where the system cannot isolate untrusted code, grading refuses without "
         "this).")


@cli.command()
@click.argument("submission", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--assignment", "assignment_file", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="The assignment file.")
@click.option("--student", help="The student id (default: the submission folder's name).")
@click.option("--format", "fmt", default="text", show_default=True,
              type=click.Choice(FORMATS),
              help="Report format; github-classroom also writes $GITHUB_OUTPUT and "
                   "$GITHUB_STEP_SUMMARY when set.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of standard output.")
@release_option
@accept_option
@fail_under_option
@trusted_option
def grade(submission: Path, assignment_file: Path, student: str | None, fmt: str,
          output: Path | None, release: bool, accept_changes: bool,
          fail_under: float | None, trusted: bool) -> None:
    """Grade one submission folder (answers.yaml and solution.py).

    The variant comes from the assignment's salt and the student id, never from
    the submission itself. The student's code runs behind the operating system's
    boundary (Linux namespaces); where the system cannot give it, grading refuses
    unless --trusted. Every format is what the student may see: for graded work, no
    expected value and no worked solution until released (--release, or
    `release: after-due` in the assignment once due).

    Example:

        grader grade submissions/alice --assignment hw1.yaml --format json
    """
    from .assignment import load_assignment
    from .grading import grade as run
    from .secrecy import released, student_view

    assignment = load_assignment(assignment_file)
    sid = student or submission.resolve().name
    if not accept_changes:
        from .handout import refuse_changes

        refuse_changes(assignment, [sid])
    result = run(submission, assignment, sid, isolation="off" if trusted else "required")
    shown = student_view(result, assignment, is_released=released(assignment, release=release))
    _emit(shown, fmt, output, fail_under)


@cli.command()
@click.argument("folder", default=".", type=click.Path(file_okay=False, exists=True,
                                                        path_type=Path))
@click.option("--format", "fmt", default="text", show_default=True,
              type=click.Choice(["text", "json"]), help="Report format.")
@fail_under_option
def check(folder: Path, fmt: str, fail_under: float | None) -> None:
    """Check your own work, as often as you like, in the folder you were given.

    For graded work it shows how each answer was read (a formula as the grader
    understands it), names unknown keys in answers.yaml, counts unanswered parts and
    runs your functions on the public examples; it does not know the answers. Practice
    work is graded in full, with the expected answers.

    Example:

        grader check
    """
    from .check import (
        PRACTICE_NOTE,
        check_graded,
        check_practice,
        read_folder,
        render_check_json,
        render_check_text,
    )

    found = read_folder(folder)
    if found.mode == "practice":
        result = check_practice(found)
        if fmt == "text":
            click.echo(f"{PRACTICE_NOTE}\n")
        _emit(result, fmt, None, fail_under)
        return
    if fail_under is not None:
        raise GraderError("--fail-under needs a score, and the check of graded work has none: "
                          "your score comes from your instructor's grading")
    report = check_graded(found)
    click.echo(render_check_text(report) if fmt == "text" else render_check_json(report),
               nl=False)


@cli.command()
@click.argument("exercise_id", required=False)
@click.option("--topic", help="Practise the exercises of one topic (a folder of the bank).")
@click.option("--solution", "solution", type=click.Path(dir_okay=False, path_type=Path),
              help="Your code for function parts (default: solution.py here, if there is one).")
@bank_option
def practice(exercise_id: str | None, topic: str | None, solution: Path | None,
             bank_dir: tuple[Path, ...]) -> None:
    """Practise with fresh numbers: one part at a time, instant feedback, the worked
    solution after the last part, and a running tally.

    Every round draws new numbers (never those of your graded assignment). Function
    parts run your solution.py in the sandbox, or are skipped if there is none.
    In the session: n new numbers, s skip a part, q quit, ? help.

    Example:

    \b
        grader practice bayes/medical-test
        grader practice --topic mle
    """
    import shutil

    from .practice import Practice, choose_exercises
    from .practice_session import Session

    bank = _bank(bank_dir)
    ids = choose_exercises(bank, exercise_id, topic)
    if solution is not None and not solution.is_file():
        raise GraderError(f"{solution}: no such file (--solution names your solution.py)")
    if solution is None and Path("solution.py").is_file():
        solution = Path("solution.py")
    with contextlib.suppress(AttributeError, ValueError):
        # a Windows console or a pipe without UTF-8 shows "?" for a symbol it lacks
        sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
    color = sys.stdout.isatty() and not _no_color() and os.environ.get("TERM") != "dumb"
    width = max(40, min(100, shutil.get_terminal_size((88, 24)).columns - 2))
    session = Session(Practice(bank, ids, solution=solution), input,
                      lambda text: print(text, end="", flush=True), color=color, width=width)
    sys.exit(session.run())


@cli.command("grade-all")
@click.argument("submissions", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--assignment", "assignment_file", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="The assignment file.")
@click.option("--roster", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV of the students to grade (default: every folder).")
@click.option("--id-column", help="The roster's id column, if not one of the usual names.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the gradebook, grades.csv and the reports.")
@click.option("-j", "--jobs", type=click.IntRange(1, 256),
              help="Worker processes (default: one per CPU).")
@click.option("--regrade", is_flag=True,
              help="Grade unchanged hand-ins again (each adds an attempt; none is replaced).")
@release_option
@accept_option
@trusted_option
def grade_all(submissions: Path, assignment_file: Path, roster: Path | None,
              id_column: str | None, out: Path, jobs: int | None, regrade: bool,
              release: bool, accept_changes: bool, trusted: bool) -> None:
    """Grade every SUBMISSIONS/<student>/ folder into a gradebook, a CSV and reports.

    Writes OUT/gradebook.sqlite (every attempt kept, with why it was graded and when it
    was handed in), OUT/grades.csv, OUT/canvas.csv and OUT/moodle.csv (for those
    systems' grade imports), OUT/students/<id>.html and .json (what students may see: no
    expected values or solutions until released), and OUT/class-report.html. The roster
    may be a Canvas gradebook export or a Moodle participants export as downloaded.
    Running it again resumes: unchanged hand-ins are skipped, so a killed batch loses
    nothing.

    Example:

        grader grade-all hw1-submissions --assignment hw1.yaml --roster roster.csv --out hw1-grades
    """
    from .assignment import load_assignment, load_roster
    from .batch import BatchEvent
    from .batch import grade_all as run

    assignment = load_assignment(assignment_file)
    students = load_roster(roster, id_column) if roster is not None else None
    if students is not None:
        click.echo(f"Roster: {students.describe()}", err=True)
    if not accept_changes:       # before the progress bar, so the refusal is one line
        from .batch import students_to_grade
        from .handout import refuse_changes

        refuse_changes(assignment, [s.id for s in students_to_grade(submissions, students, out)])
    with _Progress("Grading", len(students) if students else 0) as bar:

        def progress(event: BatchEvent) -> None:
            bar.update(event.total)

        summary = run(submissions, assignment, out, roster=students, jobs=jobs,
                      progress=progress, regrade=regrade, release=release,
                      accept_changes=accept_changes,
                      isolation="off" if trusted else "required")
    click.echo(f"Graded {len(summary.graded)}, unchanged {len(summary.skipped)}, "
               f"failed {len(summary.failed)} in {summary.elapsed:.1f} s")
    for sid in summary.missing:
        click.echo(f"  {sid}: no folder; recorded as handing in nothing", err=True)
    if summary.unknown:
        click.echo(f"  not on the roster, not graded: {', '.join(summary.unknown)}", err=True)
    for problem in summary.problems:
        click.secho(f"  {terminal_safe(problem)}", fg="yellow", err=True)
    click.echo(f"  gradebook     {summary.gradebook}")
    click.echo(f"  grades        {summary.grades_csv}")
    click.echo(f"  Canvas        {summary.canvas_csv}  (gradebook import)")
    click.echo(f"  Moodle        {summary.moodle_csv}  (grade import)")
    click.echo(f"  reports       {summary.students_dir}/<id>.json"
               + (" and .html" if summary.html_reports else ""))
    if summary.class_report is not None:
        click.echo(f"  class report  {summary.class_report}")
    if summary.failed:
        raise GraderError(f"{plural(len(summary.failed), 'student')} could not be graded: "
                          + "; ".join(f"{k}: {v}" for k, v in summary.failed.items()))


grades_option = click.option(
    "--out", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The folder grade-all wrote (it holds gradebook.sqlite).")
rows_options = [
    click.option("--roster", type=click.Path(dir_okay=False, path_type=Path),
                 help="The roster grade-all used: its rows and LMS columns in the CSVs "
                      "(default: every student of the gradebook)."),
    click.option("--id-column", help="The roster's id column, if not one of the usual names."),
]


def _rows(function: Any) -> Any:
    for option in reversed(rows_options):
        function = option(function)
    return function


def _roster(roster: Path | None, id_column: str | None) -> Any:
    from .assignment import load_roster

    return load_roster(roster, id_column) if roster is not None else None


@cli.command()
@click.argument("assignment_file", metavar="ASSIGNMENT",
                type=click.Path(dir_okay=False, path_type=Path))
@grades_option
@_rows
def release(assignment_file: Path, out: Path, roster: Path | None, id_column: str | None
            ) -> None:
    """Show students the expected values and worked solutions of a graded assignment.

    Records the release in OUT's gradebook (it is never taken back: later grade-all
    runs keep showing them) and rewrites OUT/students/<id>.json and .html.

    Example:

        grader release hw1.yaml --out hw1-grades
    """
    from .assignment import load_assignment
    from .batch import refresh_outputs

    assignment = load_assignment(assignment_file)
    summary = refresh_outputs(assignment, out, release="grader release",
                              roster=_roster(roster, id_column))
    click.echo(f"Released {assignment.name}: the reports in {summary.students_dir}/ show "
               "expected values and solutions")


@cli.command()
@click.argument("student")
@click.argument("exercise_id", metavar="EXERCISE")
@click.argument("part_id", metavar="PART")
@click.argument("score", type=float, required=False)
@click.option("--reason", required=True, help="Why: shown in the student's report.")
@click.option("--clear", is_flag=True, help="Withdraw the part's override instead.")
@click.option("--assignment", "assignment_file", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="The assignment file.")
@grades_option
@_rows
def override(student: str, exercise_id: str, part_id: str, score: float | None, reason: str,
             clear: bool, assignment_file: Path, out: Path, roster: Path | None,
             id_column: str | None) -> None:
    """Set one part's score by hand, with a reason; it outlives regrades.

    The override is its own record in the gradebook (the graded attempts stay as they
    were); reports and grades.csv show the overridden score and the reason. --clear
    withdraws it (also a record, with its reason).

    Example:

        grader override ada mle/bernoulli mle 2 --reason typo --assignment hw1.yaml --out grades
    """
    from .assignment import load_assignment
    from .batch import refresh_outputs
    from .gradebook import Gradebook

    if clear == (score is not None):
        raise click.UsageError("give a SCORE, or --clear, not both")
    assignment = load_assignment(assignment_file)
    if exercise_id not in assignment.exercise_ids:
        raise GraderError(f"{assignment.name} has no exercise '{exercise_id}'")
    spec = assignment.spec(exercise_id)
    part = next((p for p in spec.parts if p.id == part_id), None)
    if part is None:
        raise GraderError(f"{exercise_id} has no part '{part_id}' (parts: "
                          + ", ".join(p.id for p in spec.parts) + ")")
    top = part.points * assignment.scale(exercise_id)
    if score is not None and not 0 <= score <= top:
        raise GraderError(f"a score for {exercise_id} → {part_id} is between 0 and {top:g}")

    def record(book: Gradebook) -> None:
        if not book.attempts(student, assignment.name):
            raise GraderError(f"{student} has no graded attempt of {assignment.name} in {out}")
        book.override(student, assignment.name, exercise_id, part_id, score, reason)

    refresh_outputs(assignment, out, change=record, roster=_roster(roster, id_column))
    what = "withdrawn" if score is None else f"set to {points(score)} / {points(top)}"
    click.echo(f"{student}: {exercise_id} → {part_id} {what} ({reason})")


@cli.command()
@click.argument("student")
@click.option("--assignment", "assignment_name",
              help="The assignment's name (default: every assignment of the gradebook).")
@grades_option
def history(student: str, assignment_name: str | None, out: Path) -> None:
    """Every graded attempt of a student, why it was graded, and every override.

    Example:

        grader history alice --out hw1-grades
    """
    from .batch import GRADEBOOK_FILE
    from .gradebook import Gradebook

    path = out / GRADEBOOK_FILE
    if not path.is_file():
        raise GraderError(f"no gradebook in {out}")
    with Gradebook(path) as book:
        names = [assignment_name] if assignment_name else book.assignments()
        found = False
        for name in names:
            attempts = book.attempts(student, name)
            overrides = book.overrides(name, student)
            if not attempts and not overrides:
                continue
            found = True
            click.secho(f"{student} · {name}", bold=True)
            for a in attempts:
                handed = a.handed_in_at or "unknown"
                late = {True: ", late", False: "", None: ""}[a.late]
                click.echo(f"  #{a.id}  {a.graded_at}  {points(a.score)}/{points(a.max_score)}"
                           f"  {a.reason or 'graded before reasons were recorded'}"
                           f"  (handed in {handed}{late}; grader {a.grader_version})")
            for o in overrides:
                what = "withdrawn" if o.score is None else f"set to {points(o.score)}"
                click.echo(f"  override {o.created_at}  {o.exercise_id} → {o.part_id} {what}:"
                           f" {o.reason}")
            released_at = book.released(name)
            if released_at:
                click.echo(f"  released to students {released_at}")
    if not found:
        raise GraderError(f"no attempt of {student} in {path}")


@cli.command()
@click.argument("assignment_file", metavar="ASSIGNMENT",
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the template repository into.")
@click.option("--solutions", type=click.Choice(["template", "private"]), default="template",
              show_default=True,
              help="Ship the reference solutions in the template, or fetch them in CI from a "
                   "private repository with a secret.")
@click.option("--prefix", help="Classroom's repository prefix (default: the assignment name).")
@click.option("--pip-source", metavar="SOURCE",
              help=f"Where the workflow installs the grader from: a wheel or source archive "
                   f"of {DISTRIBUTION} (copied into the template), or what pip installs "
                   f"(a version such as {DISTRIBUTION}=={__version__}, a git+https:// URL). "
                   f"Checked now. Default: {DISTRIBUTION}=={__version__} from the index.")
@click.option("--bank-repository", metavar="OWNER/REPO",
              help="With --solutions private: the private repository of the bank.")
def classroom(assignment_file: Path, out: Path, solutions: str, prefix: str | None,
              pip_source: str | None, bank_repository: str | None) -> None:
    """Make a GitHub Classroom template repository with its grading workflow.

    The workflow grades every push, reports points through Classroom's grading reporter,
    and uploads the HTML report as an artifact. Push OUT as a template repository and use
    it in a Classroom assignment.

    Example:

        grader classroom hw1.yaml --out hw1 --pip-source dist/probgrader-0.1.0-py3-none-any.whl
    """
    from .assignment import load_assignment
    from .classroom import choose_source, make_classroom

    assignment = load_assignment(assignment_file)
    if solutions == "private" and bank_repository is None:
        raise click.UsageError("--solutions private needs --bank-repository OWNER/REPO")
    source = choose_source(pip_source)
    repo = make_classroom(assignment, out, solutions=solutions,  # type: ignore[arg-type]
                          prefix=prefix, source=source, bank_repository=bank_repository)
    click.echo(f"Template repository written to {repo}/")
    click.echo(f"  installs      {source.requirement}")
    click.echo("  next: push the folder as a template repository and pick it in a Classroom "
               "assignment")


@cli.command()
@click.argument("assignment_file", metavar="ASSIGNMENT",
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--roster", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="CSV of the students (ids, and the SIDs or emails of their Gradescope "
                   "accounts; a Canvas or Moodle export works).")
@click.option("--id-column", help="The roster's id column, if not one of the usual names.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write ASSIGNMENT-gradescope.zip into.")
@click.option("--pip-source", metavar="SOURCE",
              help="Where the autograder installs the grader from, as for `grader "
                   "classroom` (a wheel ships inside the zip). Checked now.")
@click.option("--visibility", default="visible", show_default=True,
              type=click.Choice(["hidden", "after_due_date", "after_published", "visible"]),
              help="When students see their results on Gradescope.")
def gradescope(assignment_file: Path, roster: Path, id_column: str | None, out: Path,
               pip_source: str | None, visibility: str) -> None:
    """Write a Gradescope autograder: a zip to upload as a Programming Assignment's.

    Gradescope runs its setup.sh once and its run_autograder for each submission: the
    submitter is found on the roster by SID or email, their own variant is graded, and
    results.json is written with the visibility chosen here.

    Example:

        grader gradescope hw1.yaml --roster roster.csv --out hw1-gradescope
    """
    from .assignment import load_assignment, load_roster
    from .autograder import make_autograder
    from .source import choose_source

    assignment = load_assignment(assignment_file)
    students = load_roster(roster, id_column)
    click.echo(f"Roster: {students.describe()}", err=True)
    source = choose_source(pip_source)
    path = make_autograder(assignment, students, roster, out, source=source,
                           visibility=visibility, id_column=id_column)
    click.echo(f"Autograder written to {path}")
    click.echo(f"  installs      {source.requirement}")
    click.echo("  next: create a Programming Assignment on Gradescope and upload the zip as "
               "its autograder")


@cli.command()
@click.argument("sources", nargs=-1, required=True, metavar="ASSIGNMENT_OR_IDS...")
@click.option("--format", "fmt", required=True, type=click.Choice(["moodle", "qti"]),
              help="moodle: Moodle XML (Question bank → Import); qti: a QTI 2.1 zip "
                   "(Canvas, Blackboard and other QTI consumers).")
@click.option("--variants", default=10, show_default=True, type=click.IntRange(1, 1000),
              help="Variants per exercise, from which the LMS picks one per student.")
@click.option("--seed", default="1", show_default=True,
              help="Draws the variants (with each variant's index); the same seed gives "
                   "the same bank. Never an assignment's salt.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write (.xml for moodle, .zip for qti).")
@bank_option
def export(sources: tuple[str, ...], fmt: str, variants: int, seed: str, out: Path,
           bank_dir: tuple[Path, ...]) -> None:
    """Export exercises as an LMS quiz bank: Moodle XML or a QTI 2.1 package.

    Give an assignment file or exercise ids. Each exercise becomes a question category
    (Moodle) or a section of item variants (QTI); numeric parts are numerical questions
    accepting the precision policy's interval, choice parts multiple choice, several
    parts one cloze question (Moodle) or one item (QTI); listed mistakes keep their
    feedback and credit, and the worked solution is the general feedback. Symbolic and
    function parts are left out, each with a notice.

    Example:

        grader export hw1.yaml --format moodle --variants 20 --out hw1-moodle.xml
    """
    from .assignment import load_assignment
    from .export import export as run
    from .export import from_assignment, from_ids

    first = Path(sources[0])
    if len(sources) == 1 and first.suffix in (".yaml", ".yml"):
        if not first.is_file():
            raise GraderError(f"{first}: no such assignment file")
        if bank_dir:
            raise click.UsageError("--bank goes with exercise ids; an assignment names its "
                                   "own bank")
        assignment = load_assignment(first)
        specs, name = from_assignment(assignment), assignment.name
    else:
        specs, name = from_ids(_bank(bank_dir), list(sources)), "grader-export"
    result = run(specs, fmt, out, variants=variants, seed=seed, name=name)
    click.echo(f"Exported {plural(result.exercises, 'exercise')} "
               f"({plural(result.questions, 'question')}) to {result.path}")
    for notice in result.notices:
        click.echo(f"  note: {notice}")


@cli.command(hidden=True)
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help="Gradescope's folder (default: $GRADER_AUTOGRADER_ROOT or /autograder).")
def autograde(root: Path | None) -> None:
    """Grade one Gradescope submission (what the autograder's run_autograder runs).

    Example:

        grader autograde --root /autograder
    """
    from .autograder import DEFAULT_ROOT, ROOT_ENV, run_autograder

    run_autograder(root or Path(os.environ.get(ROOT_ENV) or DEFAULT_ROOT))


@cli.command("classroom-audit")
@click.argument("template", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.argument("repositories", type=click.Path(file_okay=False, exists=True, path_type=Path))
def classroom_audit(template: Path, repositories: Path) -> None:
    """Flag students' repositories whose workflow or .grader/ differ from the template.

    REPOSITORIES holds one cloned repository per student. A student controls their
    repository, workflow included: a difference there is a student who changed how
    Classroom grades them. Your own `grader grade-all` never reads those files.

    Example:

        grader classroom-audit hw1-template hw1-repos
    """
    from .classroom import audit

    flagged = 0
    repos = sorted(p for p in repositories.iterdir() if p.is_dir()
                   and not p.name.startswith(".") and p.resolve() != template.resolve())
    for repo in repos:
        problems = audit(template, repo)
        if problems:
            flagged += 1
            click.echo(f"{repo.name}: " + "; ".join(problems))
    click.echo(f"{flagged} of {len(repos)} repositories differ from the template")


@cli.command()
@click.argument("folder", default=".", type=click.Path(file_okay=False, exists=True,
                                                        path_type=Path))
@click.option("--student", help="The student id (default: from the repository name).")
def personalize(folder: Path, student: str | None) -> None:
    """Turn a Classroom repository into its student's own variant.

    The Classroom workflow runs this once on the repository's first commit; your
    answers.yaml and solution.py are never overwritten once you have edited them.

    Example:

        grader personalize . --student octocat
    """
    import os

    from .classroom import personalize as run

    sid = run(folder, student, environ=dict(os.environ))
    click.echo(f"{folder} holds the variant of {sid}")


@cli.command()
@click.option("--out", default="grader-demo", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder to work in.")
@click.option("--lesson", type=click.IntRange(1, 2), default=1, show_default=True,
              help="1: probability and likelihood; 2: distances, divergences and evaluation.")
def demo(out: Path, lesson: int) -> None:
    """Run the whole workflow on bundled sample data.

    Writes OUT/assignment.yaml and OUT/roster.csv, generates OUT/students/<id>/ (with the
    answer key), writes sample hand-ins to OUT/submissions/<id>/ (full marks, typical
    mistakes, a hostile one), grades them all into OUT/report/ (gradebook, grades.csv,
    student and class HTML reports), and says where everything is.

    Example:

        grader demo --out /tmp/demo
        grader demo --lesson 2 --out /tmp/demo2
    """
    from .demo import run_demo

    result = run_demo(out, progress=lambda line: click.echo(f"  {line}", err=True),
                      lesson=lesson)
    summary = result.summary
    click.echo(f"Demo written to {result.out}/")
    click.echo(f"  assignment    {result.assignment}")
    click.echo(f"  roster        {result.roster}")
    click.echo(f"  students      {result.students}/<id>/  (open assignment.html)")
    click.echo(f"  answer key    {result.students / 'answer-key.html'}")
    click.echo(f"  hand-ins      {result.submissions}/<id>/")
    click.echo(f"  gradebook     {summary.gradebook}")
    click.echo(f"  grades        {summary.grades_csv}")
    click.echo(f"  reports       {summary.students_dir}/<id>.html")
    if summary.class_report is not None:
        click.echo(f"  class report  {summary.class_report}")
    for r in result.results:
        click.echo(f"    {r.student:<10} {points(r.score):>6} / {points(r.max_score)}")


def main() -> None:
    cli(prog_name="grader")


if __name__ == "__main__":
    main()

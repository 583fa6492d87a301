"""`grader generate`: one folder per student, and the instructor's answer key.

Each student folder holds assignment.html (MathML, no network), README.md (GitHub renders
its $math$), solution.py stubs, answers.yaml with every part listed, and .grader.yaml with
what `grader check` needs to regrade offline.
"""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

from . import __version__, render, views
from .assignment import Assignment, Student
from .checkers.numeric import POLICY
from .examples import call_text
from .files import write_atomic
from .reports.text import plural

META_FILE = ".grader.yaml"
PRACTICE_BANK = ".grader/bank"


def generate(assignment: Assignment, students: Iterable[Student], out: Path,
             progress: Callable[[str], None] | None = None, *,
             record: bool = False) -> list[Path]:
    """Write every student's folder under `out` and the answer key; return the folders.

    `record`: also record each student's variant beside the assignment file (see
    handout.py), as `grader generate` does: the variants are then handed out, and
    grading refuses a spec change that alters them."""
    out.mkdir(parents=True, exist_ok=True)
    folders = []
    key_students = []
    for student in students:
        folder = out / student.id
        write_student(assignment, student, folder)
        folders.append(folder)
        key_students.append({"student": student.id, "name": student.name,
                             "exercises": exercise_views(assignment, student.id, key=True)})
        if progress:
            progress(student.id)
    if record:
        from . import handout

        handout.record(assignment, [str(s["student"]) for s in key_students])
    title = f"Answer key: {assignment.title}"
    write_atomic(out / "answer-key.html", render.page("answer_key.html.j2", title=title,
                                                 assignment=assignment.name,
                                                 students=key_students))
    write_atomic(out / "answer-key.json", json.dumps(
        {"assignment": assignment.name, "salt": assignment.salt, "students": key_students},
        indent=2, default=str) + "\n")
    return folders


def exercise_views(assignment: Assignment, student: str, *,
                   key: bool = False) -> list[dict[str, Any]]:
    return [views.exercise(assignment.variant(student, i), points_scale=assignment.scale(i),
                           key=key) for i in assignment.exercise_ids]


def write_student(assignment: Assignment, student: Student, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    exercises = exercise_views(assignment, student.id)
    bank = None
    if assignment.practice and assignment.bank_ref is not None:
        # practice work is graded in full on the student's side: it needs the exercises
        # of a bank that is not the bundled one (there are no secrets to keep)
        copy_bank(assignment, folder / PRACTICE_BANK)
        bank = PRACTICE_BANK
    meta = metadata(assignment, student.id, bank=bank)
    for view, described in zip(exercises, meta["exercises"], strict=True):
        for part, entry in zip(view["parts"], described["parts"], strict=True):
            part["examples"] = [{"call": call_text(part["function"], e["args"]),
                                 "shown": e["shown"]} for e in entry.get("examples", [])]
    write_atomic(folder / "assignment.html", render.page(
        "assignment.html.j2", title=assignment.title, assignment=assignment.name,
        student=student.id, exercises=exercises))
    write_atomic(folder / "README.md", readme(assignment, student, exercises, meta))
    write_atomic(folder / "solution.py", solution_stub(assignment, exercises))
    write_atomic(folder / "answers.yaml", answers_stub(assignment, student, exercises))
    write_atomic(folder / META_FILE, metadata_yaml(meta))


def metadata(assignment: Assignment, student: str, *, bank: str | None = None) -> dict[str, Any]:
    """What `grader check` needs, and nothing secret (see grader/secrecy.py).

    Graded work: the student, the assignment's name, and per exercise the parts as the
    student sees them (kinds, options, the names a formula may use, function signatures)
    with the public example cases and their outputs. Never the salt, an expected value, a
    solution or a path of the instructor's machine. Practice work adds each variant's
    seed and `bank` (None: the bundled bank; else a folder relative to the student's),
    so that `grader check` can grade it in full.
    """
    from .examples import public_examples

    exercises = []
    for item in assignment.items:
        variant = assignment.variant(student, item.id)
        spec = variant.spec
        scale = assignment.scale(item.id)
        parts = []
        for part in spec.parts:
            entry: dict[str, Any] = {"id": part.id, "kind": part.kind,
                                     "points": part.points * scale}
            if part.kind == "symbolic":
                entry["names"] = [s.name for s in part.symbols] + list(spec.names)
            elif part.kind == "choice":
                entry["options"] = views.options(variant, part)
            elif part.kind == "function":
                assert part.tolerance is not None
                entry.update(function=part.function, signature=part.signature,
                             tolerance={"rel": part.tolerance.rel, "abs": part.tolerance.abs},
                             examples=public_examples(assignment.bank, spec, part))
            parts.append(entry)
        exercise: dict[str, Any] = {
            "id": item.id, "title": spec.title, "points": spec.points * scale,
            "params": {k: views.show_value(v) for k, v in variant.params.items()},
            "parts": parts}
        if assignment.practice:
            exercise["seed"] = variant.seed
        exercises.append(exercise)
    data: dict[str, Any] = {
        "student": student,
        "assignment": {"name": assignment.name, "title": assignment.title},
        "mode": "practice" if assignment.practice else "graded",
    }
    if assignment.practice:
        data["bank"] = bank
    data["exercises"] = exercises
    data["grader_version"] = __version__
    return data


_META_HEADER = """\
# Written by `grader generate` for `grader check`. It holds nothing secret, and your
# instructor's grading never reads it: editing it changes nothing but your own check.
"""


def metadata_yaml(meta: dict[str, Any]) -> str:
    return _META_HEADER + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)


def copy_bank(assignment: Assignment, bank: Path) -> None:
    """Copy the specs and reference solutions of the assignment's exercises into `bank`."""
    for exercise_id in assignment.exercise_ids:
        for source, folder in ((assignment.bank.spec_path(exercise_id), "exercises"),
                               (assignment.bank.solution_path(exercise_id), "solutions")):
            if not source.is_file():
                continue          # an exercise with no function parts has no solution file
            target = bank / folder / source.relative_to(source.parents[1])
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


def _points(value: float) -> str:
    return plural(value, "point")


def _check_lines(assignment: Assignment) -> list[str]:
    if assignment.practice:
        return ["- Run `grader check` in this folder as often as you like: this is practice, "
                "so it grades your work in full, with the expected answers."]
    return ["- Run `grader check` in this folder as often as you like: it shows how each "
            "answer was read (a formula as the grader understands it), lists what is "
            "unanswered, and runs your functions on the public examples. It does not know "
            "the answers: your score comes from your instructor's grading."]


def readme(assignment: Assignment, student: Student, exercises: list[dict[str, Any]],
           meta: dict[str, Any]) -> str:
    total = sum(e["points"] for e in exercises)
    examples_by_part = {(e["id"], p["id"]): p.get("examples", [])
                        for e in meta["exercises"] for p in e["parts"]}
    lines = [f"# {assignment.title}", "",
             f"Student: **{student.id}** · {len(exercises)} exercises · {_points(total)}", "",
             "Your numbers differ from your classmates': solve **this** variant.", "",
             "- Write the answers of numeric, symbolic and choice parts in `answers.yaml`.",
             f"- {POLICY}",
             "- Write the functions of code parts in `solution.py`.",
             *_check_lines(assignment), ""]
    for number, ex in enumerate(exercises, start=1):
        lines += [f"## {number}. {ex['title']} ({_points(ex['points'])})", "",
                  f"*Exercise `{ex['id']}`*", "", ex["prompt"].strip(), ""]
        for part in ex["parts"]:
            lines += [f"### Part `{part['id']}` ({part['kind']}, {_points(part['points'])})", ""]
            if part["prompt"]:
                lines += [part["prompt"].strip(), ""]
            if part["options"]:
                lines += [f"- ({chr(97 + i)}) {o}" for i, o in enumerate(part["options"])] + [""]
            if part["symbols"]:
                lines += ["Symbols: " + ", ".join(
                    f"`{s['name']}`" + (f" ({s['meaning']})" if s["meaning"] else "")
                    for s in part["symbols"]), ""]
            if part["kind"] == "function":
                lines += ["In `solution.py`:", "", "```python", f"def {part['signature']}:",
                          "```", ""]
                examples = examples_by_part.get((ex["id"], part["id"]), [])
                if examples:
                    lines += ["Public examples (`grader check` runs them):", ""]
                    lines += [f"- `{call_text(part['function'], e['args'])}` returns "
                              f"`{e['shown']}`" for e in examples]
                    lines.append("")
            else:
                lines += [f"Answer in `answers.yaml` under `{ex['id']}` → `{part['id']}`.", ""]
    return "\n".join(lines)


_DEF = re.compile(r"^\s*(def\s+)?")


def solution_stub(assignment: Assignment, exercises: list[dict[str, Any]]) -> str:
    lines = [f'"""{assignment.title}: your functions.', "",
             "Fill in each function; run `grader check` to see how you are doing.",
             "Only numpy and the standard library are available.", '"""', "",
             "import math", "", "import numpy as np", ""]
    any_function = False
    for ex in exercises:
        for part in ex["parts"]:
            if part["kind"] != "function":
                continue
            any_function = True
            signature = _DEF.sub("", part["signature"]).rstrip(":")
            doc = _docstring(part["prompt"] or ex["title"], ex["id"], part["id"])
            lines += ["", f"def {signature}:", doc, "    raise NotImplementedError", ""]
    if not any_function:
        lines += ["", "# This assignment has no code parts.", ""]
    return "\n".join(lines)


def _docstring(prompt: str, exercise_id: str, part_id: str) -> str:
    body = prompt.strip().replace('"""', "'''")
    text = "\n".join(f"    {line}".rstrip() for line in body.splitlines())
    return f'    r"""{exercise_id} · part {part_id}\n\n{text}\n    """'


def answers_stub(assignment: Assignment, student: Student, exercises: list[dict[str, Any]]) -> str:
    lines = [f"# {assignment.title}: answers of {student.id}",
             "# Write each answer after its colon. Everything is read as text, so write it as",
             "# you would on paper: 0.0876, 8.76%, 87/993, 0.95*0.01/(0.95*0.01+0.05*0.99),",
             "# a*b/(a*b + c*(1-b)), x^2, or the text of an option. Use quotes if an answer",
             "# starts with [ { * & ! | > ' \" or contains ': ' or ' #'.",
             *textwrap.wrap(POLICY, 88, initial_indent="# ", subsequent_indent="# "), ""]
    for ex in exercises:
        parts = [p for p in ex["parts"] if p["kind"] != "function"]
        if not parts:
            continue
        lines.append(f"{_yaml_key(ex['id'])}:")
        for part in parts:
            question = " ".join((part["prompt"] or ex["title"]).split())
            if len(question) > 160:
                question = question[:157] + "..."
            lines.append(f"  # {question} ({part['kind']}, {_points(part['points'])})")
            if part["options"]:
                lines.append("  # options (write a letter or the text): " + " | ".join(
                    f"({chr(97 + i)}) {o}" for i, o in enumerate(part["options"])))
            if part["symbols"]:
                lines.append("  # symbols: " + ", ".join(s["name"] for s in part["symbols"]))
            lines.append(f"  {_yaml_key(part['id'])}:")
        lines.append("")
    return "\n".join(lines)


def _yaml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_/-]+", key) else json.dumps(key)

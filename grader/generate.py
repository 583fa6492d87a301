"""`grader generate`: one folder per student, and the instructor's answer key.

Each student folder holds assignment.html (MathML, no network), README.md (GitHub renders
its $math$), solution.py stubs, answers.yaml with every part listed, and .grader.yaml with
what `grader check` needs to regrade offline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

from . import __version__, render, views
from .assignment import Assignment, Student
from .bank import BUNDLED, bundled_root
from .files import write_atomic
from .reports.text import plural

META_FILE = ".grader.yaml"


def generate(assignment: Assignment, students: Iterable[Student], out: Path,
             progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write every student's folder under `out` and the answer key; return the folders."""
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
    write_atomic(folder / "assignment.html", render.page(
        "assignment.html.j2", title=assignment.title, assignment=assignment.name,
        student=student.id, exercises=exercises))
    write_atomic(folder / "README.md", readme(assignment, student, exercises))
    write_atomic(folder / "solution.py", solution_stub(assignment, exercises))
    write_atomic(folder / "answers.yaml", answers_stub(assignment, student, exercises))
    meta = yaml.safe_dump(metadata(assignment, student.id), sort_keys=False)
    write_atomic(folder / META_FILE, meta)


def metadata(assignment: Assignment, student: str) -> dict[str, Any]:
    """What `grader check` needs: the student, the assignment's name, salt, exercises, bank."""
    bank = student_banks(assignment)
    return {
        "student": student,
        "assignment": {
            "name": assignment.name, "title": assignment.title, "salt": assignment.salt,
            "exercises": [{"id": i.id, "points": i.points} if i.points is not None else i.id
                          for i in assignment.items],
            "bank": bank,
            "show_expected": assignment.show_expected,
            "show_solution": assignment.show_solution,
        },
        "grader_version": __version__,
    }


# Where a student's folder keeps a copy of an instructor's own bank, if the course hands
# one out (the Classroom template does): relative, so it names no path of any machine.
LOCAL_BANK = ".grader/bank"


def student_banks(assignment: Assignment) -> list[str] | None:
    """The `bank` entry of .grader.yaml: None for the bundled bank alone; otherwise
    LOCAL_BANK for the exercises of other banks and `bundled` if some come from it."""
    bundled = bundled_root()
    owners = {assignment.bank.owner(i) for i in assignment.exercise_ids}
    if owners <= {bundled}:
        return None
    return ([LOCAL_BANK] if owners - {bundled} else []) + ([BUNDLED] if bundled in owners else [])


def _points(value: float) -> str:
    return plural(value, "point")


def readme(assignment: Assignment, student: Student, exercises: list[dict[str, Any]]) -> str:
    total = sum(e["points"] for e in exercises)
    lines = [f"# {assignment.title}", "",
             f"Student: **{student.id}** · {len(exercises)} exercises · {_points(total)}", "",
             "Your numbers differ from your classmates': solve **this** variant.", "",
             "- Write the answers of numeric, symbolic and choice parts in `answers.yaml`.",
             "- Write the functions of code parts in `solution.py`.",
             "- Run `grader check` in this folder for feedback, as often as you like.", ""]
    for number, ex in enumerate(exercises, start=1):
        lines += [f"## {number}. {ex['title']} ({_points(ex['points'])})", "",
                  f"*Exercise `{ex['id']}`*", "", ex["prompt"].strip(), ""]
        for part in ex["parts"]:
            lines += [f"### Part `{part['id']}` ({part['kind']}, {_points(part['points'])})", ""]
            if part["prompt"]:
                lines += [part["prompt"].strip(), ""]
            if part["options"]:
                lines += [f"- {o}" for o in part["options"]] + [""]
            if part["symbols"]:
                lines += ["Symbols: " + ", ".join(
                    f"`{s['name']}`" + (f" ({s['meaning']})" if s["meaning"] else "")
                    for s in part["symbols"]), ""]
            if part["kind"] == "function":
                lines += ["In `solution.py`:", "", "```python", f"def {part['signature']}:",
                          "```", ""]
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
             "# s*p/(s*p + f*(1-p)), x^2, or the text of an option. Use quotes if an answer",
             "# starts with [ { * & ! | > ' \" or contains ': ' or ' #'.", ""]
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
                lines.append("  # options: " + " | ".join(part["options"]))
            if part["symbols"]:
                lines.append("  # symbols: " + ", ".join(s["name"] for s in part["symbols"]))
            lines.append(f"  {_yaml_key(part['id'])}:")
        lines.append("")
    return "\n".join(lines)


def _yaml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_/-]+", key) else json.dumps(key)

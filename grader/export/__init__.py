"""`grader export`: exercises as LMS quiz banks (Moodle XML, a QTI 2.1 package).

    questions.py   variants → quiz questions (the shared model, the notices)
    moodle.py      Moodle XML: a category per exercise, numerical / multichoice / cloze
    qti.py         QTI 2.1: a zip of one assessmentItem per variant, a manifest, a test
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..assignment import Assignment
from ..bank import Bank as ExerciseBank
from ..errors import GraderError
from ..spec import Spec
from . import moodle, qti
from .questions import FORMATS, build


@dataclass(frozen=True)
class Exported:
    path: Path
    exercises: int
    questions: int
    notices: tuple[str, ...]


def export(specs: list[tuple[Spec, float]], fmt: str, out: Path, *, variants: int,
           seed: str, name: str) -> Exported:
    """Write the bank of `specs` (each with its points scale) to `out` in `fmt`."""
    if fmt not in FORMATS:
        raise GraderError(f"unknown format '{fmt}' (one of {', '.join(FORMATS)})")
    if variants < 1:
        raise GraderError("--variants must be at least 1")
    bank = build(specs, variants, seed)
    if not bank.exercises:
        raise GraderError("nothing to export: no exercise has a numeric or choice part")
    notices = list(bank.notices)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "moodle":
        text, extra = moodle.write(bank, name)
        out.write_text(text, encoding="utf-8")
    else:
        extra = qti.write(bank, name, out)
    notices += extra
    return Exported(out, len(bank.exercises), sum(len(q) for _, q in bank.exercises),
                    tuple(notices))


def from_assignment(assignment: Assignment) -> list[tuple[Spec, float]]:
    return [(assignment.spec(i), assignment.scale(i)) for i in assignment.exercise_ids]


def from_ids(bank: ExerciseBank, ids: list[str]) -> list[tuple[Spec, float]]:
    return [(bank.spec(i), 1.0) for i in ids]

"""Results as plain data: every report format reads these, nothing else.

`Result.to_dict()` is DESIGN's `grader.result/1` schema exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from . import __version__

Status = Literal["correct", "partial", "incorrect", "invalid", "error", "timeout", "missing"]
STATUSES: tuple[Status, ...] = ("correct", "partial", "incorrect", "invalid", "error",
                                "timeout", "missing")
SCHEMA = "grader.result/1"


def _round(x: float) -> float:
    """Scores are sums of fractions of points; keep them free of float noise."""
    return round(x + 0.0, 6)


@dataclass(frozen=True)
class PartResult:
    id: str
    kind: str
    score: float
    max_score: float
    status: Status
    note: str | None = None
    feedback: str = ""
    given: str | None = None
    expected: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "score": _round(self.score),
                "max_score": _round(self.max_score), "status": self.status, "note": self.note,
                "feedback": self.feedback, "given": self.given, "expected": self.expected}


@dataclass(frozen=True)
class ExerciseResult:
    id: str
    parts: tuple[PartResult, ...]
    title: str = ""
    solution: str | None = None    # the worked solution, when the assignment shows it

    @property
    def score(self) -> float:
        return _round(sum(p.score for p in self.parts))

    @property
    def max_score(self) -> float:
        return _round(sum(p.max_score for p in self.parts))

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "score": self.score, "max_score": self.max_score,
                "parts": [p.to_dict() for p in self.parts]}


@dataclass(frozen=True)
class Result:
    assignment: str
    student: str
    exercises: tuple[ExerciseResult, ...]
    grader_version: str = __version__
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def score(self) -> float:
        return _round(sum(e.score for e in self.exercises))

    @property
    def max_score(self) -> float:
        return _round(sum(e.max_score for e in self.exercises))

    @property
    def fraction(self) -> float:
        return self.score / self.max_score if self.max_score else 0.0

    def parts(self) -> list[tuple[ExerciseResult, PartResult]]:
        return [(e, p) for e in self.exercises for p in e.parts]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA, "assignment": self.assignment, "student": self.student,
            "score": self.score, "max_score": self.max_score,
            "exercises": [e.to_dict() for e in self.exercises],
            "grader_version": self.grader_version,
        }

    def to_record(self) -> dict[str, Any]:
        """DESIGN's schema plus each exercise's title and worked solution: what the
        gradebook stores, so reports rendered later show what reports at grading time do."""
        data = self.to_dict()
        for exercise, stored in zip(self.exercises, data["exercises"], strict=True):
            stored["title"] = exercise.title
            stored["solution"] = exercise.solution
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        """Read back what to_dict or to_record wrote."""
        exercises = tuple(
            ExerciseResult(e["id"], tuple(PartResult(**p) for p in e["parts"]),
                           e.get("title") or "", e.get("solution"))
            for e in data["exercises"])
        return cls(data["assignment"], data["student"], exercises,
                   data.get("grader_version", __version__))

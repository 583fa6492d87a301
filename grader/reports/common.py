"""What several report formats share: status wording, points for people, exact score splits."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from ..result import PartResult, Result, Status
from .text import points

__all__ = ["AUTHORED", "ERRORED", "FAILED", "SKIPPED", "STATUS_LABELS", "STATUS_MARKS",
           "apportion", "clip", "first_line", "percent", "points", "split_scores", "xml_safe"]

# Status for people, in words: a report never relies on colour or a symbol alone.
STATUS_LABELS: dict[str, str] = {
    "correct": "Correct",
    "partial": "Partly correct",
    "incorrect": "Incorrect",
    "invalid": "Could not be read",
    "error": "Your code raised an error",
    "timeout": "Your code took too long",
    "missing": "No answer",
}
STATUS_MARKS: dict[str, str] = {
    "correct": "✓", "partial": "◐", "incorrect": "✗", "invalid": "?", "error": "!",
    "timeout": "⏱", "missing": "–",
}

# Statuses whose feedback is the exercise author's text (a listed mistake, "Correct."), to
# be read as Markdown with $LaTeX$. Other feedback quotes what the student typed or what
# their code raised; it is shown as plain text, so `__x__` or `9**9` stays as written.
AUTHORED: frozenset[Status] = frozenset({"correct", "partial", "incorrect"})

# Test-runner vocabulary (JUnit, CI): what counts as a failure, an error, or not run.
FAILED: frozenset[Status] = frozenset({"partial", "incorrect", "invalid"})
ERRORED: frozenset[Status] = frozenset({"error", "timeout"})
SKIPPED: frozenset[Status] = frozenset({"missing"})


def percent(score: float, max_score: float) -> float:
    """Score as a percentage of max_score; 0 when there is nothing to score."""
    return 100.0 * score / max_score if max_score else 0.0


def apportion(values: Sequence[float], target: int, per_point: int,
              caps: Sequence[int] | None = None) -> list[int]:
    """Split `target` units (1/per_point of a point each) among `values` (in points): each
    share is the value rounded down or up, never above its cap (largest remainder method)."""
    exact = [v * per_point for v in values]
    limit = list(caps) if caps is not None else [2**53] * len(values)
    counts = [max(0, min(math.floor(x + 1e-9), c)) for x, c in zip(exact, limit, strict=True)]
    remainder = target - sum(counts)
    # One unit at a time, to the largest remainders first (or from the smallest back).
    order = sorted(range(len(values)), key=lambda i: exact[i] - counts[i], reverse=remainder > 0)
    while remainder:
        moved = False
        for i in order:
            if remainder > 0 and counts[i] < limit[i]:
                counts[i] += 1
                remainder -= 1
                moved = True
            elif remainder < 0 and counts[i] > 0:
                counts[i] -= 1
                remainder += 1
                moved = True
            if not remainder:
                break
        if not moved:
            raise ValueError(f"{target} units do not fit under the caps")
    return counts


def split_scores(result: Result, per_point: int) -> list[tuple[float, float]]:
    """(score, max_score) of every part as whole multiples of 1/per_point of a point, such
    that the max scores add up to the assignment's (rounded) maximum, the scores to its
    (rounded) score, a correct part's score equals its maximum and no score exceeds it.

    CI services add the per-test scores themselves, in floating point: with part scores
    like 1.818182 a full-marks student would see 44.99999999999999 / 45. With
    per_point = 1024 every share is a binary fraction and any sum of them is exact.
    """
    parts = [p for _, p in result.parts()]
    maxima = apportion([p.max_score for p in parts], round(result.max_score * per_point),
                       per_point)
    full = [p.score >= p.max_score for p in parts]
    pinned = sum(m for m, f in zip(maxima, full, strict=True) if f)
    rest = [i for i, f in enumerate(full) if not f]
    caps = [maxima[i] for i in rest]
    target = min(max(round(result.score * per_point) - pinned, 0), sum(caps))
    shares = apportion([parts[i].score for i in rest], target, per_point, caps)
    scores = [m if f else 0 for m, f in zip(maxima, full, strict=True)]
    for i, share in zip(rest, shares, strict=True):
        scores[i] = share
    return [(s / per_point, m / per_point) for s, m in zip(scores, maxima, strict=True)]


_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry at all (NUL, most C0 controls,
    lone surrogates): a student's answer may contain them, and one would make the whole
    file unreadable. Each becomes U+FFFD so the reader still sees that something was there."""
    return _XML_INVALID.sub("\ufffd", text)


def clip(text: str, limit: int = 1000) -> str:
    """`text`, cut to `limit` characters with a note of its full length: an answer is
    whatever the student typed, and one megabyte of it should not become every report's."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters in all)"


def first_line(text: str) -> str:
    """The first non-empty line of a feedback message (the rest is usually a caret diagram)."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def detail_lines(part: PartResult) -> list[str]:
    """Feedback, the answer given and the expected one, for plain-text report formats."""
    lines = []
    if part.feedback:
        lines.append(clip(part.feedback, 4000))
    if part.given is not None:
        lines.append(f"Your answer: {clip(part.given)}")
    if part.expected is not None:
        lines.append(f"Expected: {part.expected}")
    return lines

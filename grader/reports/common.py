"""What several report formats share: status wording, points for people, exact score splits."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from ..result import PartResult, Result, Status
from .text import points, rounded

__all__ = ["AUTHORED", "CENTS", "ERRORED", "FAILED", "STATUS_LABELS",
           "STATUS_MARKS", "apportion", "clip", "first_line", "float_sum", "markdown_line",
           "percent", "points",
           "rounded", "split_scores", "summing_to", "xml_safe"]

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

# Test-runner vocabulary (JUnit, CI): what counts as a failure or an error. A missing or
# unreadable answer is a failure: a skip shows green in CI, and an empty hand-in is not
# a passing one.
FAILED: frozenset[Status] = frozenset({"partial", "incorrect", "invalid", "missing"})
ERRORED: frozenset[Status] = frozenset({"error", "timeout"})


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


# Scores are reported in hundredths of a point (see `rounded`).
CENTS = 100


def split_scores(result: Result, per_point: int = CENTS) -> list[tuple[float, float]]:
    """(score, max_score) of every part as whole multiples of 1/per_point of a point, such
    that the max scores add up to the assignment's maximum and the scores to its score,
    both rounded by `rounded`; a correct part's score equals its maximum and no score
    exceeds it. Services that add per-test scores themselves (Gradescope, Classroom) then
    show the same total as every other report.
    """
    parts = [p for _, p in result.parts()]

    def units(x: float) -> int:
        return round(rounded(x) * per_point)

    full = [i for i, p in enumerate(parts) if p.score >= p.max_score]
    rest = [i for i, p in enumerate(parts) if p.score < p.max_score]
    # The correct parts first: their maxima are their scores, so together they must make
    # the rounded sum of their points, or a class's totals would drift by a hundredth.
    full_total = round(sum(parts[i].max_score for i in full), 6)
    full_max = apportion([parts[i].max_score for i in full], units(full_total), per_point)
    rest_max = apportion([parts[i].max_score for i in rest],
                         max(units(result.max_score) - sum(full_max), 0), per_point)
    target = min(max(units(result.score) - sum(full_max), 0), sum(rest_max))
    shares = apportion([parts[i].score for i in rest], target, per_point, rest_max)
    maxima = [0] * len(parts)
    scores = [0] * len(parts)
    for i, m in zip(full, full_max, strict=True):
        maxima[i] = scores[i] = m
    for i, m, share in zip(rest, rest_max, shares, strict=True):
        maxima[i], scores[i] = m, share
    return [(s / per_point, m / per_point) for s, m in zip(scores, maxima, strict=True)]


def float_sum(values: Sequence[float]) -> float:
    """`values` added left to right in binary floating point, as JavaScript's reduce does."""
    total = 0.0
    for value in values:
        total += value
    return total


def summing_to(shares: list[float], total: float, scores_first: Sequence[int] = ()) -> list[float]:
    """`shares` (hundredths), with at most one nudged by a few units in the last place so
    that adding them left to right in floating point gives exactly `total`.

    A consumer that sums per-test scores itself prints that float: hundredths such as
    0.1 + 0.2 add up to 0.30000000000000004, and a student would read "Points
    44.99999999999999/45". The nudge goes preferably to the parts in `scores_first`.
    """
    if float_sum(shares) == total:
        return shares
    order = [*scores_first, *(i for i in reversed(range(len(shares))) if i not in scores_first)]
    for i in order:
        # Start from the share that would make up the difference, then walk outwards one
        # float at a time: later additions round, so the first guess may miss.
        start = shares[i] + (total - float_sum(shares))
        up = down = start
        for _ in range(64):
            for value in (up, down):
                candidate = [*shares[:i], value, *shares[i + 1:]]
                if value >= 0 and float_sum(candidate) == total:
                    return candidate
            up, down = math.nextafter(up, math.inf), math.nextafter(down, -math.inf)
    return shares


# Enough to stop raw HTML, links, images, headings and table-cell breaks; emphasis and
# code spans stay usable in author-written feedback.
_MARKDOWN_SPECIALS = "\\<>[]!|#"
_EMPHASIS = "*_`"


_MATH = re.compile(r"(\$\$.+?\$\$|\$[^$]+\$)")


def markdown_line(text: str, *, math: bool = False, math_delimiter: str | None = None) -> str:
    """Text for one Markdown line: no raw HTML, links, images or table-cell breaks.

    With `math`, formulas between $..$ are kept as written, since GitHub renders them;
    only for text the exercise author wrote: feedback on invalid answers and crashed
    code quotes what the student typed or raised, and that is escaped whole.
    `math_delimiter` rewrites each formula ($..$ or $$..$$) with that delimiter on both
    sides, for a renderer that takes another one (Gradescope's is $$).
    """
    specials = _MARKDOWN_SPECIALS + ("" if math else _EMPHASIS + "$")

    def plain(piece: str) -> str:
        return "".join("\\" + c if c in specials else c for c in piece)

    text = " ".join(text.split())
    if not math:
        return plain(text)
    if math_delimiter is not None:
        pieces = _MATH.split(text)      # odd pieces are the formulas
        return "".join(
            f"{math_delimiter}{p.strip('$')}{math_delimiter}" if i % 2 else
            "".join("\\" + c if c in specials + "$" else c for c in p)
            for i, p in enumerate(pieces))
    pieces = text.split("$")
    tail = pieces.pop() if len(pieces) % 2 == 0 else None   # after an unpaired $
    escaped = "$".join(plain(p) if i % 2 == 0 else p for i, p in enumerate(pieces))
    return escaped if tail is None else escaped + "\\$" + plain(tail)


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

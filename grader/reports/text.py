"""A per-part table for the terminal, with feedback under each part that lost points."""

from __future__ import annotations

import re
import textwrap
from decimal import ROUND_HALF_UP, Decimal

from ..result import Result

# C0 and C1 controls but tab and newline, DEL, and the bidirectional overrides: what a
# student's text could use to drive the instructor's terminal (a title change, a cleared
# screen, a cursor moved back over "Score: 45 / 45") or to reorder what is shown
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                      "\u2066-\u2069]")

MARKS = {"correct": "✓", "partial": "~", "incorrect": "✗", "invalid": "?", "error": "!",
         "timeout": "⏱", "missing": "·"}
COLORS = {"correct": "\033[32m", "partial": "\033[33m", "incorrect": "\033[31m",
          "invalid": "\033[35m", "error": "\033[31m", "timeout": "\033[31m", "missing": "\033[90m"}
RESET = "\033[0m"


HUNDREDTH = Decimal("0.01")


def rounded(x: float) -> float:
    """The one rounding rule for a score in every output (text, HTML, CSV, LMS files,
    JUnit, Gradescope, Classroom): hundredths of a point, halves rounded up, as a person
    rounds the number they read (the shortest decimal that names the float)."""
    return float(Decimal(repr(x)).quantize(HUNDREDTH, ROUND_HALF_UP)) + 0.0


def points(x: float) -> str:
    """Points for people, by `rounded`: at most two decimals, no trailing zeros."""
    return f"{rounded(x):.2f}".rstrip("0").rstrip(".")


def plural(count: float, word: str, words: str | None = None) -> str:
    """"1 point", "2.5 points", "1 student folder": the count (points by `points`) and
    the word agreeing with it."""
    text = str(count) if isinstance(count, int) else points(count)
    return f"{text} {word if text == '1' else (words or word + 's')}"


def terminal_safe(text: str) -> str:
    """`text` with every control character shown escaped (\\x1b, \\u202e), so that
    printing it can only ever print it."""
    return _CONTROL.sub(lambda m: (f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                                   else f"\\u{ord(m.group()):04x}"), text)


def render_text(result: Result, *, color: bool = False) -> str:
    """The result for a terminal; every text in it is `terminal_safe` (feedback quotes
    what students wrote and what their code raised)."""
    lines = [terminal_safe(f"{result.assignment} · {result.student}"), ""]
    width = max((len(p.id) for _, p in result.parts()), default=4) + 2
    for exercise in result.exercises:
        lines.append(terminal_safe(exercise.id)
                     + f"  {points(exercise.score)}/{points(exercise.max_score)}")
        for part in exercise.parts:
            mark = MARKS[part.status]
            status: str = part.status
            if color:
                status = f"{COLORS[part.status]}{status}{RESET}"
                mark = f"{COLORS[part.status]}{mark}{RESET}"
            score = f"{points(part.score)}/{points(part.max_score)}"
            lines.append(f"  {mark} {terminal_safe(part.id).ljust(width)}{score.rjust(13)}"
                         f"  {status}")
            if part.status != "correct" and part.feedback:
                for chunk in terminal_safe(part.feedback).splitlines():
                    lines += textwrap.wrap(chunk, 88, initial_indent="      ",
                                           subsequent_indent="      ") or [""]
        lines.append("")
    pct = 100 * result.fraction
    lines.append(f"Score: {points(result.score)} / {points(result.max_score)} ({pct:.0f}%)")
    return "\n".join(lines) + "\n"

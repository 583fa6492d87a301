"""Choice answers: an option's letter (a, b, ...), its number (1, 2, ...), or its text
as a person types it (case, spacing, Unicode or LaTeX spellings of symbols ignored)."""

from __future__ import annotations

import re
import string
import unicodedata

from .. import views
from ..spec import Mistake, Part
from ..variants import Variant
from .common import Outcome, correct, mistake_outcome

# LaTeX and ASCII spellings of the symbols option texts use, as the one character a
# normalised text keeps (so `P(A \cap B)`, `P(A ∩ B)` and `P(A∩B)` read alike); signs of
# multiplication go, as a product is written without one as often as with.
_SYMBOLS = [
    (r"\cap", "∩"), (r"\cup", "∪"), (r"\mid", "|"), ("∣", "|"), (r"\neg", "¬"),
    (r"\times", ""), (r"\cdot", ""), ("⋅", ""), ("·", ""), ("×", ""), ("*", ""),
    (r"\le", "≤"), ("<=", "≤"),
    (r"\ge", "≥"), (">=", "≥"), (r"\infty", "∞"), (r"\sqrt", "√"), ("sqrt", "√"),
    ("−", "-"), ("–", "-"), ("—", "-"),
]
_MARK = re.compile(r"\(?([a-z]|[0-9]{1,2})[.)]?")
_DROP = re.compile(r"[\s$`'\"{}]|\\[,;:! ]")


def _norm(text: str) -> str:
    """An option's text reduced to what matters: NFKC, casefolded, symbols in one
    spelling, no spaces, quotes, braces or LaTeX spacing, no final full stop."""
    out = unicodedata.normalize("NFKC", text)
    out = _DROP.sub("", out)
    for spelling, symbol in _SYMBOLS:
        out = out.replace(spelling, symbol)
    return out.replace("\\", "").casefold().rstrip(".")


def index_like(option: str, count: int) -> bool:
    """Whether an option's text could be read as an option's number or letter."""
    key = _norm(option)
    return (key.isdigit() and 1 <= int(key) <= count) or (
        len(key) == 1 and key in string.ascii_lowercase[:count])


def letter(index: int) -> str:
    """The letter of option `index` (0-based): a, b, c, ..."""
    return string.ascii_lowercase[index]


def read_choice(text: str, options: list[str]) -> str | None:
    """The option the student means: its text, its letter or its number; or None."""
    wanted = _norm(text)
    for option in options:
        if _norm(option) == wanted:
            return option
    marked = _MARK.fullmatch(wanted)        # c  c)  (c)  c.  3  3)
    key = marked.group(1) if marked else ""
    if key.isdigit() and 1 <= int(key) <= len(options):
        return options[int(key) - 1]
    if len(key) == 1 and key in string.ascii_lowercase[:len(options)]:
        return options[string.ascii_lowercase.index(key)]
    return None


def check_choice(variant: Variant, part: Part, text: str) -> Outcome:
    options = views.options(variant, part)
    chosen = read_choice(text, options)
    if chosen is None:
        listed = ", ".join(f"({letter(i)}) {o}" for i, o in enumerate(options))
        return Outcome("invalid", 0.0, f"'{text[:60]}' is not one of the options: {listed}. "
                       "Write an option's letter or its text.")
    expected = views.expected_value(variant, part)
    if chosen == expected:
        return correct()

    def matches(mistake: Mistake) -> bool:
        if mistake.answer is None:
            return False
        wrong = views.text(variant, mistake.answer, f"parts.{part.id}.mistakes") \
            if "{" in mistake.answer else mistake.answer
        return _norm(wrong) == _norm(chosen)

    return mistake_outcome(variant, part, matches, "Not the right choice.")

"""Choice answers: an option's text (case and spacing ignored) or its number (1, 2, ...)."""

from __future__ import annotations

from .. import views
from ..spec import Mistake, Part
from ..variants import Variant
from .common import Outcome, correct, mistake_outcome


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def read_choice(text: str, options: list[str]) -> str | None:
    """The option the student means, or None."""
    wanted = _norm(text).rstrip(".)")
    for option in options:
        if _norm(option) == _norm(text) or _norm(option) == wanted:
            return option
    if wanted.isdigit() and 1 <= int(wanted) <= len(options):
        return options[int(wanted) - 1]
    return None


def check_choice(variant: Variant, part: Part, text: str) -> Outcome:
    options = views.options(variant, part)
    chosen = read_choice(text, options)
    if chosen is None:
        listed = ", ".join(f"{i}. {o}" for i, o in enumerate(options, start=1))
        return Outcome("invalid", 0.0, f"'{text[:60]}' is not one of the options: {listed}.")
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

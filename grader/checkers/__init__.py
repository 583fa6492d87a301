"""One checker per answer kind; each turns (variant, part, answer text) into an Outcome."""

from __future__ import annotations

from ..spec import Part
from ..variants import Variant
from .choice import check_choice
from .common import Outcome
from .numeric import check_numeric
from .symbolic import check_symbolic

__all__ = ["Outcome", "check_answer"]

_CHECKERS = {"numeric": check_numeric, "symbolic": check_symbolic, "choice": check_choice}


def check_answer(variant: Variant, part: Part, text: str | None) -> Outcome:
    """Grade a text answer of a numeric, symbolic or choice part."""
    if text is None or not text.strip():
        return Outcome("missing", 0.0, "No answer given.")
    return _CHECKERS[part.kind](variant, part, text.strip())

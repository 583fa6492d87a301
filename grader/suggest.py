""""Did you mean ...?": the closest known name to a misspelled one (exercise ids, part
keys in answers.yaml, command options), shared so that every message suggests alike."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, options: Iterable[str]) -> str | None:
    """The option `word` most likely misspells, or None when none is close."""
    choices = [o for o in options if o != word]
    folded = {o.casefold(): o for o in choices}
    if word.casefold() in folded:
        return folded[word.casefold()]
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return match[0] if match else None


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """`; did you mean 'x'?` to append to a message, or "" when nothing is close."""
    match = closest(word, options)
    return f"; did you mean '{match}'?" if match else ""

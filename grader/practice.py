"""Practice: fresh variants of bank exercises, one part at a time, with instant feedback.

Each round draws a variant from fresh operating-system randomness (`secrets`), never from
an assignment's salt, so practice can never show a student the variant they are graded
on. Nothing here is secret: the bank is the one the student already holds, and each
answer is followed by the expected one. Function parts run the student's own
solution.py, through the same sandbox and checks as grading (the boundary where the OS
gives one: it is their code on their machine). The terminal dialogue lives in
`grader.practice_session`; this module never prints.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import views
from .bank import Bank
from .checkers import Outcome, check_answer
from .errors import BankError
from .reports.text import plural, points
from .spec import Part
from .suggest import did_you_mean
from .variants import Variant, make_variant

if TYPE_CHECKING:
    from .sandbox import Isolation  # the sandbox (and NumPy) load only for a function part

# How many times a new round redraws to get numbers other than the last round's
# (an exercise with few possible variants may repeat; it is not worth more).
REDRAWS = 20


def choose_exercises(bank: Bank, exercise_id: str | None = None,
                     topic: str | None = None) -> list[str]:
    """The exercises a session draws from: one, a topic's, or the whole bank."""
    if exercise_id is not None and topic is not None:
        raise BankError("give an exercise or --topic, not both")
    if exercise_id is not None:
        bank.owner(exercise_id)  # the error names the closest id
        return [exercise_id]
    if topic is None:
        if not bank.ids:
            raise BankError("the bank has no exercises", file=bank.root / "exercises")
        return list(bank.ids)
    chosen = [i for i in bank.ids if i.split("/")[0] == topic]
    if not chosen:
        topics = sorted({i.split("/")[0] for i in bank.ids})
        raise BankError(f"no topic '{topic}'{did_you_mean(topic, topics)} (topics: "
                        + ", ".join(topics) + ")")
    return chosen


def fresh_seed() -> int:
    """64 bits from the OS: a graded seed is a hash of the salt, which this never sees."""
    return secrets.randbits(64)


@dataclass
class Tally:
    """The running score over a session: first answers only, skipped parts apart."""

    answered: int = 0
    correct: int = 0
    skipped: int = 0
    points: float = 0.0
    max_points: float = 0.0
    rounds: int = 0            # rounds finished (every part answered or skipped)

    def add(self, part: Part, outcome: Outcome) -> None:
        self.answered += 1
        self.correct += outcome.status == "correct"
        self.points += outcome.credit * part.points
        self.max_points += part.points

    def summary(self) -> str:
        if not self.answered and not self.skipped:
            return "Nothing answered yet."
        text = (f"{self.correct} of {plural(self.answered, 'part')} right, "
                f"{points(self.points)} / {plural(self.max_points, 'point')}")
        if self.skipped:
            text += f", {self.skipped} skipped"
        return text + f"; {plural(self.rounds, 'round')} finished."


@dataclass
class Round:
    """One variant and how far through its parts the student is."""

    variant: Variant
    index: int = 0
    outcomes: list[Outcome | None] = field(default_factory=list)  # None: skipped

    @property
    def part(self) -> Part | None:
        parts = self.variant.spec.parts
        return parts[self.index] if self.index < len(parts) else None

    @property
    def done(self) -> bool:
        return self.part is None

    @property
    def score(self) -> tuple[float, float]:
        """Points earned and possible over the parts answered so far."""
        parts = self.variant.spec.parts
        pairs = [(o.credit * p.points, p.points) for p, o in zip(parts, self.outcomes,
                                                              strict=False) if o is not None]
        return sum(a for a, _ in pairs), sum(b for _, b in pairs)


class Practice:
    """A practice session over `exercise_ids` of `bank`.

    `solution`: the student's solution.py for function parts (None: they are skipped).
    `seeds`: where seeds come from (the OS by default; tests pass their own).
    """

    def __init__(self, bank: Bank, exercise_ids: list[str], *, solution: Path | None = None,
                 seeds: Callable[[], int] = fresh_seed,
                 isolation: Isolation = "preferred") -> None:
        if not exercise_ids:
            raise BankError("no exercise to practise")
        self.bank = bank
        self.exercise_ids = exercise_ids
        self.solution = solution
        self.isolation: Isolation = isolation
        self.tally = Tally()
        self.round: Round | None = None
        self._seeds = seeds
        self._last: dict[str, Variant] = {}

    def new_round(self) -> Round:
        """A fresh variant, of another exercise than the last where there is a choice,
        with other numbers than that exercise's last variant where the exercise has any."""
        previous = self.round.variant.id if self.round is not None else None
        pool = [i for i in self.exercise_ids if i != previous] or self.exercise_ids
        exercise_id = pool[self._seeds() % len(pool)]
        spec = self.bank.spec(exercise_id)
        last = self._last.get(exercise_id)
        variant = make_variant(spec, self._seeds())
        for _ in range(REDRAWS):
            if last is None or variant.params != last.params:
                break
            variant = make_variant(spec, self._seeds())
        self._last[exercise_id] = variant
        self.round = Round(variant)
        return self.round

    def _current(self) -> tuple[Round, Part]:
        if self.round is None or self.round.part is None:
            raise RuntimeError("no part to answer: start a round first")
        return self.round, self.round.part

    def answer(self, text: str) -> Outcome:
        """Check a text answer to the current part. An answer that cannot be read
        (`invalid`) leaves the part open to try again; any other counts and moves on."""
        round_, part = self._current()
        if part.kind == "function":
            raise RuntimeError("a function part is checked with run_function()")
        outcome = check_answer(round_.variant, part, text)
        if outcome.status not in ("invalid", "missing"):
            self._record(round_, part, outcome)
        return outcome

    def run_function(self) -> Outcome | None:
        """Check the current function part against the student's solution.py and move
        on; None when there is no solution.py (the part is then skipped)."""
        round_, part = self._current()
        outcome = self.check_function(part)
        if outcome is None:
            self.skip()
        else:
            self._record(round_, part, outcome)
        return outcome

    def check_function(self, part: Part) -> Outcome | None:
        """Check a function part of this round without counting it (for a check again
        after an edit: the tally keeps first attempts). The file is read afresh each
        time. None when there is no solution.py."""
        from .checkers.function import check_function, open_sandbox

        if self.round is None or part.kind != "function":
            raise RuntimeError("not a function part of this round")
        sandbox = open_sandbox(self.solution, isolation=self.isolation) \
            if self.solution is not None else None
        if sandbox is None:
            return None
        with sandbox:
            return check_function(sandbox, self.bank, self.round.variant, part)

    def skip(self) -> None:
        round_, _ = self._current()
        self.tally.skipped += 1
        round_.outcomes.append(None)
        self._advance(round_)

    def expected(self, part: Part) -> str:
        """This round's expected answer to `part`, as the answer key shows it."""
        if self.round is None:
            raise RuntimeError("no round yet")
        return views.expected_text(self.round.variant, part)

    def read_back(self, part: Part, text: str) -> str | None:
        """How a formula answer was read (`a/b*c` → `a·c / b`), for a wrong one: the
        grouping the student meant may not be the one they wrote. None for other kinds
        or what cannot be read."""
        from .checkers.symbolic import read_formula
        from .errors import ExpressionError
        from .readback import readback

        if self.round is None or part.kind != "symbolic":
            return None
        try:
            return readback(read_formula(text, self.round.variant, part))
        except ExpressionError:
            return None

    def solution_text(self) -> str:
        """The worked solution of the current variant (Markdown with TeX), or ''."""
        if self.round is None or not self.round.variant.spec.solution:
            return ""
        return views.text(self.round.variant, self.round.variant.spec.solution, "solution")

    def _record(self, round_: Round, part: Part, outcome: Outcome) -> None:
        self.tally.add(part, outcome)
        round_.outcomes.append(outcome)
        self._advance(round_)

    def _advance(self, round_: Round) -> None:
        round_.index += 1
        if round_.done:
            self.tally.rounds += 1

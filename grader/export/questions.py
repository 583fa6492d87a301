"""Quiz questions from exercise variants: what every LMS format (Moodle XML, QTI) writes.

Each exercise becomes a bank of N variants, drawn from an export seed and the variant's
index (never a student's salt, so a bank handed to an LMS shows no student's numbers).
Numeric parts carry the precision policy's accepted interval (checkers/numeric.py) and
each listed mistake's value and interval; choice parts their options with the mistakes'
credit; symbolic and function parts are left out with a notice each, since no quiz
format here can grade them as the grader does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from .. import render, views
from ..checkers.numeric import accepted, half_width, mistake_value
from ..errors import ExpressionError, SpecError
from ..spec import DEFAULT_SIG_FIGS, Part, Spec
from ..variants import Variant, as_float, make_variant, variant_seed

FORMATS = ("moodle", "qti")


@dataclass(frozen=True)
class NumericAnswer:
    """A value with its accepted half-width; credit 1 for the right answer."""

    value: float
    tolerance: float
    credit: float
    feedback: str = ""            # HTML
    note: str | None = None


@dataclass(frozen=True)
class Choice:
    text: str                     # HTML, one line
    credit: float
    feedback: str = ""            # HTML
    note: str | None = None


@dataclass(frozen=True)
class QuizPart:
    id: str
    kind: str                     # numeric | choice
    points: float
    prompt: str                   # HTML
    answers: tuple[NumericAnswer, ...] = ()     # numeric: the right one first
    choices: tuple[Choice, ...] = ()            # choice: in the spec's order

    @property
    def correct(self) -> NumericAnswer:
        return self.answers[0]


@dataclass(frozen=True)
class Question:
    """One variant of one exercise, as a quiz question."""

    exercise_id: str
    title: str
    index: int                    # 1-based, within the exercise's bank
    seed: int
    stem: str                     # HTML: the exercise's prompt
    parts: tuple[QuizPart, ...]
    solution: str                 # HTML: the worked solution

    @property
    def points(self) -> float:
        return sum(p.points for p in self.parts)

    @property
    def name(self) -> str:
        return f"{self.exercise_id} #{self.index}"


@dataclass
class Bank:
    """Every exercise's questions, and the notices the export prints."""

    exercises: list[tuple[Spec, list[Question]]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def export_seed(seed: str, index: int, exercise_id: str) -> int:
    """Variant `index` of an exercise's bank: from the export's own seed, never a salt."""
    return variant_seed(f"export:{seed}", f"variant-{index}", exercise_id)


def build(specs: Sequence[tuple[Spec, float]], variants: int, seed: str) -> Bank:
    """Questions for each (spec, points scale): `variants` distinct variants each, as far
    as the exercise has that many."""
    bank = Bank()
    for spec, scale in specs:
        parts = [p for p in spec.parts if _exportable(p, spec, bank.notices)]
        if not parts:
            bank.notices.append(f"{spec.id}: left out: no part a quiz can grade")
            continue
        questions: list[Question] = []
        seen: set[str] = set()
        tries = 0
        while len(questions) < variants and tries < variants * 20:
            tries += 1
            variant = make_variant(spec, export_seed(seed, tries, spec.id))
            key = repr(sorted(variant.params.items()))
            if key in seen:
                continue
            seen.add(key)
            questions.append(_question(variant, parts, scale, len(questions) + 1))
        if len(questions) < variants:
            bank.notices.append(f"{spec.id}: only {len(questions)} distinct variants "
                                f"(of {variants} asked)")
        bank.exercises.append((spec, questions))
    return bank


def _exportable(part: Part, spec: Spec, notices: list[str]) -> bool:
    if part.kind == "symbolic":
        notices.append(f"{spec.id} part {part.id}: left out: symbolic parts need a "
                       "formula checker (Moodle's STACK) that this export does not write")
        return False
    if part.kind == "function":
        notices.append(f"{spec.id} part {part.id}: left out: function parts belong in "
                       "homework (`grader generate`)")
        return False
    return True


def _html(variant: Variant, template: str, key: str, *, inline: bool = False) -> str:
    return render.markdown_to_tex_html(views.text(variant, template, key).strip(),
                                       inline=inline).strip()


def _question(variant: Variant, parts: list[Part], scale: float, index: int) -> Question:
    spec = variant.spec
    quiz_parts = tuple(_numeric(variant, p, scale) if p.kind == "numeric"
                       else _choice(variant, p, scale) for p in parts)
    return Question(
        exercise_id=spec.id, title=spec.title, index=index, seed=variant.seed,
        stem=_html(variant, spec.prompt, "prompt"), parts=quiz_parts,
        solution=_html(variant, spec.solution, "solution") if spec.solution else "")


def _prompt(variant: Variant, part: Part, extra: str = "") -> str:
    text = views.prompt(variant, part).strip()
    return render.markdown_to_tex_html(f"{text}\n\n{extra}" if extra else text).strip()


def _numeric(variant: Variant, part: Part, scale: float) -> QuizPart:
    assert part.tolerance is not None
    figures = part.sig_figs
    expected = as_float(views.expected_value(variant, part))
    if not math.isfinite(expected):
        raise SpecError(f"the expected value is {expected} for seed {variant.seed}, which a "
                        "quiz cannot hold", file=variant.spec.path, key=f"parts.{part.id}")
    answers = [NumericAnswer(expected, half_width(expected, figures, part.tolerance), 1.0)]
    for mistake in part.mistakes:
        if mistake.answer is None:
            continue
        try:
            wrong = mistake_value(variant, mistake)
        except ExpressionError:
            continue
        # As the checker: a mistake that coincides with the right answer for this
        # variant cannot be told apart, and one with no finite value matches nothing.
        if not math.isfinite(wrong) or accepted(wrong, expected, figures, part.tolerance):
            continue
        feedback = _html(variant, mistake.feedback, f"parts.{part.id}.mistakes")
        answers.append(NumericAnswer(wrong, half_width(wrong, figures, part.tolerance),
                                     mistake.credit, feedback, mistake.note))
    # Said in every numeric question: an LMS reads a decimal number, not 87/993 or 8.7%.
    precision = ("Answer with a decimal number (not a fraction or a percentage), right to "
                 f"{figures} significant figures.")
    if figures != DEFAULT_SIG_FIGS:
        precision = "Answer with a decimal number (not a fraction or a percentage)."
    return QuizPart(part.id, "numeric", part.points * scale, _prompt(variant, part, precision),
                    answers=tuple(answers))


def _choice(variant: Variant, part: Part, scale: float) -> QuizPart:
    right = str(views.expected_value(variant, part)).casefold()
    by_option: dict[str, tuple[float, str, str | None]] = {}
    for mistake in part.mistakes:
        if mistake.answer is None:
            continue
        option = (views.text(variant, mistake.answer, f"parts.{part.id}.mistakes")
                  if "{" in mistake.answer else mistake.answer).strip().casefold()
        if option != right and option not in by_option:
            feedback = _html(variant, mistake.feedback, f"parts.{part.id}.mistakes")
            by_option[option] = (mistake.credit, feedback, mistake.note)
    choices = []
    for option in views.options(variant, part):
        credit, feedback, note = by_option.get(option.casefold(), (0.0, "", None))
        if option.casefold() == right:
            credit, feedback, note = 1.0, "", None
        choices.append(Choice(render.markdown_to_tex_html(option, inline=True).strip(),
                              credit, feedback, note))
    return QuizPart(part.id, "choice", part.points * scale, _prompt(variant, part),
                    choices=tuple(choices))


def number(value: float) -> str:
    """A float as a quiz file writes it: exact enough to round-trip, no locale."""
    return repr(float(value))

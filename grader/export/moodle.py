"""Moodle XML: one question category per exercise, one question per variant.

A one-part exercise becomes a `numerical` or `multichoice` question; several parts one
`cloze` (embedded answers) question. Numeric answers carry the precision policy's
accepted interval as Moodle's absolute tolerance, and each listed mistake its own answer
with feedback and a fraction: Moodle's importer accepts only its fixed set of fractions,
so a mistake's credit goes to the nearest of them, with a notice when that changes it.
Math stays TeX between \\( \\) for Moodle's MathJax filter. A quiz then draws one
question per student with "a random question" from each category.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from fractions import Fraction

from .questions import Bank, Choice, NumericAnswer, Question, QuizPart, number

# question_bank::fraction_options_full() in Moodle, the positive half (the importer
# rejects any other fraction).
FRACTIONS = (1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333,
             0.3, 0.25, 0.2, 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0.0)
PENALTY = "0.3333333"         # Moodle's default: a third off for each retry


def moodle_fraction(credit: float) -> float:
    """The allowed fraction nearest to `credit` (ties: the smaller, never over-crediting)."""
    return min(FRACTIONS, key=lambda f: (abs(f - credit), f))


def percent(fraction: float) -> str:
    """100 × fraction as the XML writes it: `83.33333`, `50`, `0`."""
    return f"{100 * fraction:.5f}".rstrip("0").rstrip(".")


def write(bank: Bank, category: str) -> tuple[str, list[str]]:
    """The Moodle XML text of `bank` under `$course$/top/<category>/<exercise id>`, and
    the notices it adds (mistake credits moved to Moodle's fractions)."""
    notices: list[str] = []
    quiz = ET.Element("quiz")
    for spec, questions in bank.exercises:
        head = ET.SubElement(quiz, "question", type="category")
        _text(head, "category", f"$course$/top/{category}/{spec.id}")
        _text(head, "info", f"<p>{_escape(spec.title)}</p>", html=True)
        for question in questions:
            quiz.append(_question(question, notices))
    ET.indent(quiz, space="  ")
    body = ET.tostring(quiz, encoding="unicode")
    # Moodle's importer wants the declaration alone on the first line.
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n", sorted(set(notices))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text(parent: ET.Element, tag: str, value: str, *, html: bool = False) -> ET.Element:
    element = ET.SubElement(parent, tag, format="html") if html else ET.SubElement(parent, tag)
    ET.SubElement(element, "text").text = value
    return element


def _common(question: Question, kind: str, text: str, grade: float | None) -> ET.Element:
    element = ET.Element("question", type=kind)
    _text(element, "name", question.name)
    _text(element, "questiontext", text, html=True)
    _text(element, "generalfeedback", question.solution, html=True)
    if grade is not None:
        ET.SubElement(element, "defaultgrade").text = f"{grade:g}"
    ET.SubElement(element, "penalty").text = PENALTY
    ET.SubElement(element, "hidden").text = "0"
    # The variant's seed, so that `grader preview ID --seed N` shows it again.
    ET.SubElement(element, "idnumber").text = f"{question.exercise_id} seed {question.seed}"
    return element


def _question(question: Question, notices: list[str]) -> ET.Element:
    if len(question.parts) > 1:
        return _cloze(question, notices)
    part = question.parts[0]
    text = question.stem + "\n" + part.prompt
    if part.kind == "numeric":
        element = _common(question, "numerical", text, part.points)
        for answer in part.answers:
            fraction = _fraction(question, part, answer.credit, answer.note, notices)
            _answer(element, number(answer.value), fraction, answer.feedback,
                    tolerance=number(answer.tolerance))
        # Units: none asked, none graded (Moodle's defaults for a unitless question).
        for tag, value in (("unitgradingtype", "0"), ("unitpenalty", "0.1000000"),
                           ("showunits", "3"), ("unitsleft", "0")):
            ET.SubElement(element, tag).text = value
        return element
    element = _common(question, "multichoice", text, part.points)
    ET.SubElement(element, "single").text = "true"
    # The author's order: options such as "both" or "neither" read in sequence.
    ET.SubElement(element, "shuffleanswers").text = "false"
    ET.SubElement(element, "answernumbering").text = "abc"
    for tag, value in (("correctfeedback", "Correct."),
                       ("partiallycorrectfeedback", "Partly correct."),
                       ("incorrectfeedback", "Not the right choice.")):
        _text(element, tag, f"<p>{value}</p>", html=True)
    for choice in part.choices:
        fraction = _fraction(question, part, choice.credit, choice.note, notices)
        _answer(element, choice.text, fraction, choice.feedback, answer_format="html")
    return element


def _answer(parent: ET.Element, text: str, fraction: float, feedback: str, *,
            tolerance: str | None = None, answer_format: str = "moodle_auto_format") -> None:
    answer = ET.SubElement(parent, "answer", fraction=percent(fraction), format=answer_format)
    ET.SubElement(answer, "text").text = text
    if tolerance is not None:
        ET.SubElement(answer, "tolerance").text = tolerance
    _text(answer, "feedback", feedback, html=True)


def _fraction(question: Question, part: QuizPart, credit: float, note: str | None,
              notices: list[str]) -> float:
    fraction = moodle_fraction(credit)
    if not math.isclose(fraction, credit, abs_tol=1e-6):
        notices.append(f"{question.exercise_id} part {part.id}: mistake '{note}' gives "
                       f"credit {credit:g}, exported as {percent(fraction)}% (the nearest "
                       "fraction Moodle allows)")
    return fraction


# ---------------------------------------------------------------- cloze (several parts)

def cloze_escape(text: str) -> str:
    """Text inside an embedded answer: Moodle ends an answer at } # ~ and a feedback at
    } ~ unless escaped; it undoes \\} and \\# itself and decodes entities (~ → &#126;)."""
    return text.replace("}", "\\}").replace("#", "\\#").replace("~", "&#126;")


def _inline(feedback: str) -> str:
    return re.sub(r"\s*</?p>\s*", " ", feedback).strip()


def _weights(parts: tuple[QuizPart, ...]) -> list[int]:
    """Cloze weights are whole numbers: the parts' points scaled by the smallest factor
    that makes them whole (their ratios are what Moodle's marking uses)."""
    points = [Fraction(p.points).limit_denominator(1000) for p in parts]
    factor = math.lcm(*(x.denominator for x in points))
    return [max(1, int(x * factor)) for x in points]


def _cloze(question: Question, notices: list[str]) -> ET.Element:
    pieces = [question.stem]
    for part, weight in zip(question.parts, _weights(question.parts), strict=True):
        alternatives = []
        if part.kind == "numeric":
            for answer in part.answers:
                alternatives.append(_alternative(
                    question, part, answer, f"{number(answer.value)}:{number(answer.tolerance)}",
                    notices))
            field = f"{{{weight}:NUMERICAL:{'~'.join(alternatives)}}}"
        else:
            for choice in part.choices:
                alternatives.append(_alternative(question, part, choice,
                                                 cloze_escape(choice.text), notices))
            field = f"{{{weight}:MULTICHOICE_V:{'~'.join(alternatives)}}}"
        pieces.append(f"{part.prompt}\n<p>{field}</p>")
    return _common(question, "cloze", "\n".join(pieces), None)


def _alternative(question: Question, part: QuizPart, answer: NumericAnswer | Choice,
                 text: str, notices: list[str]) -> str:
    fraction = _fraction(question, part, answer.credit, answer.note, notices)
    mark = "=" if fraction == 1.0 else f"%{percent(fraction)}%"
    feedback = f"#{cloze_escape(_inline(answer.feedback))}" if answer.feedback else ""
    return f"{mark}{text}{feedback}"

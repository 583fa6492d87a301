"""`grader export`: Moodle XML read back by a reader written for this test (after Moodle's
importer: required elements, allowed fractions, cloze syntax) and QTI items scored by a
small interpreter of their own responseProcessing; both must grade each variant as the
grader's own checkers do."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import views
from grader.assignment import load_assignment
from grader.bank import Bank
from grader.checkers import check_answer
from grader.checkers.numeric import round_sig
from grader.cli import cli
from grader.export import export, from_assignment, from_ids
from grader.export.moodle import FRACTIONS, moodle_fraction
from grader.export.questions import export_seed
from grader.spec import Part, Spec
from grader.variants import Variant, as_float, make_variant

from .conftest import ROOT

# Both demo assignments (with their points scales), then the whole bundled bank.
SOURCES = ["assignment", "assignment-2", "bank"]
QTI = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"


# ------------------------------------------------------------------ a Moodle XML reader

@dataclass
class Answer:
    text: str
    fraction: float
    feedback: str
    tolerance: float | None = None


@dataclass
class Sub:
    kind: str                     # numerical | multichoice
    weight: float
    answers: list[Answer] = field(default_factory=list)


@dataclass
class MoodleQuestion:
    category: str
    type: str
    name: str
    idnumber: str
    text: str
    general_feedback: str
    subs: list[Sub]


def _required(element: ET.Element, path: str) -> str:
    found = element.find(path)
    assert found is not None, f"missing <{path}> in {ET.tostring(element)[:200]!r}"
    return found.text or ""


def _fraction(value: str) -> float:
    # Moodle's importer refuses ("matchgrades: error") any fraction not in its list.
    allowed = [f for f in FRACTIONS if abs(float(value) / 100 - f) < 1e-7]
    assert allowed, f"{value}% is not a fraction Moodle allows"
    return allowed[0]


# Moodle's qtype_multianswer regexes (question/type/multianswer/questiontype.php);
# Python's lookbehinds take one width each, so (?<!\\|&|&amp;) is three.
_ALT = (r"(=|%(-?[0-9]+(?:[.,][0-9]*)?)%)?"
        r"(.+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$))"
        r"(#(.*?(?<!\\)(?=[~}]|$)))?")
_FIELD = re.compile(r"\{([0-9]*):(NUMERICAL|NM|MULTICHOICE_V|MCV|MULTICHOICE|MC):"
                    rf"({_ALT}(~{_ALT})*)\}}", re.S)
_NUMBER = r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"


def _unescape(text: str) -> str:
    return text.replace("\\}", "}").replace("\\#", "#").replace("&#126;", "~")


def _cloze(text: str) -> list[Sub]:
    subs = []
    for match in _FIELD.finditer(text):
        kind = "numerical" if match.group(2) in ("NUMERICAL", "NM") else "multichoice"
        sub = Sub(kind, float(match.group(1) or 1))
        rest = match.group(3)
        while rest:
            alt = re.match("~?" + _ALT, rest, re.S)
            assert alt is not None, rest
            mark, percent, answer, feedback = alt.group(1), alt.group(2), alt.group(3), \
                alt.group(5) or ""
            fraction = 1.0 if mark == "=" else _fraction(percent) if percent else 0.0
            tolerance = None
            if kind == "numerical":
                number = re.fullmatch(f"({_NUMBER})(:({_NUMBER}))?", answer)
                assert number is not None, f"not a Moodle number: {answer}"
                answer, tolerance = number.group(1), float(number.group(6) or 0)
            sub.answers.append(Answer(_unescape(answer), fraction, _unescape(feedback),
                                      tolerance))
            rest = rest[alt.end():]
        subs.append(sub)
    assert subs, "a cloze question without embedded answers"
    return subs


def read_moodle(text: str) -> list[MoodleQuestion]:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')
    quiz = ET.fromstring(text)
    questions = []
    category = ""
    for q in quiz:
        assert q.tag == "question"
        kind = q.get("type")
        if kind == "category":
            category = _required(q, "category/text")
            assert category.startswith("$course$/top/")
            continue
        assert category, "a question before any category"
        assert kind in ("numerical", "multichoice", "cloze")
        for tag in ("questiontext", "generalfeedback"):
            assert q.find(tag).get("format") == "html"  # type: ignore[union-attr]
        text = _required(q, "questiontext/text")
        subs: list[Sub]
        if kind == "cloze":
            subs = _cloze(text)
        else:
            sub = Sub(kind, float(_required(q, "defaultgrade")))
            for a in q.findall("answer"):
                tolerance = float(_required(a, "tolerance")) if kind == "numerical" else None
                sub.answers.append(Answer(_required(a, "text"), _fraction(a.get("fraction", "")),
                                          _required(a, "feedback/text"), tolerance))
            if kind == "numerical":
                for a in sub.answers:
                    assert re.fullmatch(_NUMBER, a.text), a.text
            else:
                assert _required(q, "single") == "true"
                assert _required(q, "shuffleanswers") in ("true", "false")
                assert _required(q, "answernumbering") in ("abc", "ABC", "123", "none")
                for tag in ("correctfeedback", "partiallycorrectfeedback",
                            "incorrectfeedback"):
                    _required(q, f"{tag}/text")
            subs = [sub]
        for sub in subs:
            assert max(a.fraction for a in sub.answers) == 1.0, "no answer gets full marks"
            if sub.kind == "multichoice":
                assert len(sub.answers) >= 2
        float(_required(q, "penalty"))
        questions.append(MoodleQuestion(category, kind, _required(q, "name/text"),
                                        _required(q, "idnumber"), text,
                                        _required(q, "generalfeedback/text"), subs))
    return questions


def moodle_grade(sub: Sub, response: str) -> Answer | None:
    """What Moodle gives a response: the first answer it matches (numerical: within the
    answer's absolute tolerance)."""
    for answer in sub.answers:
        if sub.kind == "numerical":
            assert answer.tolerance is not None
            if abs(float(response) - float(answer.text)) <= answer.tolerance * (1 + 1e-12):
                return answer
        elif answer.text == response:
            return answer
    return None


# ------------------------------------------------------------------------ helpers

def _variant(bank_specs: dict[str, Spec], label: str) -> Variant:
    exercise_id, _, seed = label.partition(" seed ")
    return make_variant(bank_specs[exercise_id], int(seed))


def _quiz_parts(spec: Spec) -> list[Part]:
    return [p for p in spec.parts if p.kind in ("numeric", "choice")]


def _responses(variant: Variant, part: Part) -> list[str]:
    """What students answer: the right value rounded as asked, each mistake's value, a
    value far off; for a choice, every option."""
    from grader.checkers.numeric import mistake_value

    if part.kind == "choice":
        return views.options(variant, part)
    expected = as_float(views.expected_value(variant, part))
    values = [round_sig(expected, part.sig_figs), expected * 3 + 1]
    values += [mistake_value(variant, m) for m in part.mistakes if m.answer is not None]
    return [repr(v) for v in values if math.isfinite(v)]


def _grader_credit(variant: Variant, part: Part, response: str) -> float:
    return check_answer(variant, part, response).credit


def _source(kind: str) -> tuple[str, list[tuple[Spec, float]]]:
    if kind == "bank":
        bank = Bank(ROOT)
        return "bank", from_ids(bank, list(bank.ids))
    assignment = load_assignment(ROOT / "grader" / "demo" / f"{kind}.yaml")
    return assignment.name, from_assignment(assignment)


# ------------------------------------------------------------------------ Moodle

@pytest.mark.parametrize("kind", SOURCES)
def test_moodle_bank_grades_as_the_grader(kind: str, tmp_path: Path) -> None:
    name, sources = _source(kind)
    variants = 2 if kind == "bank" else 4
    out = tmp_path / "bank.xml"
    result = export(sources, "moodle", out, variants=variants, seed="s", name=name)
    questions = read_moodle(out.read_text(encoding="utf-8"))
    specs = {spec.id: spec for spec, _ in sources}
    exported = [i for i in specs if _quiz_parts(specs[i])]
    # every exercise with a numeric or choice part is a category of its variants
    categories = {q.category for q in questions}
    assert categories == {f"$course$/top/{name}/{i}" for i in exported}
    assert result.questions == len(questions) == variants * len(exported)
    checked = 0
    for question in questions:
        variant = _variant(specs, question.idnumber)
        parts = _quiz_parts(variant.spec)
        assert len(question.subs) == len(parts)
        assert question.type == ("cloze" if len(parts) > 1 else
                                 "numerical" if parts[0].kind == "numeric" else "multichoice")
        assert "\\(" in question.text + question.general_feedback     # math for MathJax
        assert "<math" not in question.text and "<img" not in question.text
        if variant.spec.solution:
            assert question.general_feedback.strip()
        for sub, part in zip(question.subs, parts, strict=True):
            for response in _responses(variant, part):
                credit = _grader_credit(variant, part, response)
                if part.kind == "choice":      # options are exported in the spec's order
                    response = sub.answers[views.options(variant, part).index(response)].text
                matched = moodle_grade(sub, response)
                given = matched.fraction if matched else 0.0
                assert given == moodle_fraction(credit), (question.name, part.id, response)
                checked += 1
    assert checked > 50
    # notices name each part left out, once
    for spec in specs.values():
        for part in spec.parts:
            if part.kind in ("symbolic", "function"):
                assert sum(f"{spec.id} part {part.id}: left out" in n
                           for n in result.notices) == 1


def test_mistake_feedback_and_credit_travel(tmp_path: Path) -> None:
    bank = Bank(ROOT)
    out = tmp_path / "b.xml"
    export(from_ids(bank, ["bayes/medical-test"]), "moodle", out, variants=2, seed="x",
           name="t")
    question = read_moodle(out.read_text(encoding="utf-8"))[0]
    spec = bank.spec("bayes/medical-test")
    evidence = next(s for s, p in zip(question.subs, _quiz_parts(spec), strict=True)
                    if p.id == "evidence")
    (mistake,) = evidence.answers[1:]
    assert mistake.fraction == moodle_fraction(spec.part("evidence").mistakes[0].credit)
    assert "That is \\(P(+ \\cap D)\\) only" in mistake.feedback


SPEC = """\
id: {id}
title: Rounded credit
topic: {topic}
params:
  p: {{uniform: [0.2, 0.8], digits: 2}}
prompt: "Heads has probability ${{{{ p }}}}$. Costs {{{{ '{{' }}}}a#b~c{{{{ '}}' }}}}."
parts:
  - id: tails
    kind: numeric
    points: 3
    answer: 1 - p
    mistakes:
      - note: heads
        answer: p
        credit: 0.35
        feedback: "That is heads {{{{ '{{' }}}}#1~2{{{{ '}}' }}}}; tails is $1 - p$."
  - id: formula
    kind: symbolic
    points: 1
    symbols: {{q: {{domain: [0, 1]}}}}
    answer: 1 - q
"""


def test_credit_rounded_to_moodle_fractions_with_a_notice(make_bank: Callable[..., Path],
                                                           tmp_path: Path) -> None:
    root = make_bank({"coins/tails": SPEC.format(id="coins/tails", topic="coins")})
    out = tmp_path / "q.xml"
    run = CliRunner().invoke(cli, ["export", "coins/tails", "--bank", str(root), "--format",
                                   "moodle", "--variants", "3", "--out", str(out)],
                             catch_exceptions=False)
    assert run.exit_code == 0, run.output
    assert "Exported 1 exercise (3 questions)" in run.output
    assert ("coins/tails part tails: mistake 'heads' gives credit 0.35, exported as "
            "33.33333%") in run.output
    assert "coins/tails part formula: left out" in run.output
    questions = read_moodle(out.read_text(encoding="utf-8"))
    assert [q.type for q in questions] == ["numerical"] * 3
    assert len({q.idnumber for q in questions}) == 3
    answers = questions[0].subs[0].answers
    assert [a.fraction for a in answers] == [1.0, 0.3333333]
    assert "{#1~2}" in answers[1].feedback and "\\(1 - p\\)" in answers[1].feedback
    # the same seed gives the same bank; another seed other numbers
    again = tmp_path / "again.xml"
    CliRunner().invoke(cli, ["export", "coins/tails", "--bank", str(root), "--format",
                             "moodle", "--variants", "3", "--out", str(again)])
    assert again.read_text() == out.read_text()
    other = tmp_path / "other.xml"
    CliRunner().invoke(cli, ["export", "coins/tails", "--bank", str(root), "--format",
                             "moodle", "--variants", "3", "--seed", "2", "--out", str(other)])
    assert other.read_text() != out.read_text()


def test_cloze_escapes_what_ends_an_embedded_answer(make_bank: Callable[..., Path],
                                                    tmp_path: Path) -> None:
    spec = SPEC.replace("  - id: formula\n    kind: symbolic\n    points: 1\n"
                        "    symbols: {{q: {{domain: [0, 1]}}}}\n    answer: 1 - q\n",
                        "  - id: side\n    kind: choice\n    points: 1\n"
                        "    options: ['heads {{{{ \"{{\" }}}}#~{{{{ \"}}\" }}}}', tails]\n"
                        "    answer: tails\n")
    root = make_bank({"coins/tails": spec.format(id="coins/tails", topic="coins")})
    out = tmp_path / "q.xml"
    export(from_ids(Bank(root), ["coins/tails"]), "moodle", out, variants=1, seed="1",
           name="t")
    (question,) = read_moodle(out.read_text(encoding="utf-8"))
    assert question.type == "cloze"
    numeric, choice = question.subs
    assert [a.fraction for a in numeric.answers] == [1.0, 0.3333333]
    assert "{#1~2}" in numeric.answers[1].feedback
    assert [a.text for a in choice.answers] == ["heads {#~}", "tails"]
    assert [a.fraction for a in choice.answers] == [0.0, 1.0]


@pytest.mark.parametrize("source", ["no/such", "missing.yaml"])
def test_export_errors_are_one_line(source: str, tmp_path: Path) -> None:
    run = CliRunner().invoke(cli, ["export", source, "--format", "qti", "--out",
                                   str(tmp_path / "x.zip")])
    assert run.exit_code == 1
    assert run.output.startswith("Error: ") and run.output.count("\n") == 1
    assert not (tmp_path / "x.zip").exists()


def test_export_seed_is_not_a_students_seed() -> None:
    from grader.variants import variant_seed

    assert export_seed("s", 1, "bayes/medical-test") != variant_seed("s", "1",
                                                                     "bayes/medical-test")


# ------------------------------------------------------------------------ QTI

@dataclass
class Scored:
    score: float
    max_score: float
    feedback: set[str]


def _qti_value(element: ET.Element, responses: dict[str, object],
               outcomes: dict[str, object]) -> object:
    """The QTI expressions these items use, with QTI's NULL as None."""
    tag = element.tag.removeprefix(QTI)
    children = list(element)
    if tag == "baseValue":
        text = element.text or ""
        return float(text) if element.get("baseType") == "float" else text
    if tag == "variable":
        name = element.get("identifier", "")
        return responses[name] if name in responses else outcomes[name]
    values = [_qti_value(c, responses, outcomes) for c in children]
    if tag == "sum":
        return None if None in values else sum(float(v) for v in values)  # type: ignore[arg-type]
    if None in values:
        return None
    if tag == "match":
        return values[0] == values[1]
    if tag in ("gte", "lte"):
        x, y = float(values[0]), float(values[1])  # type: ignore[arg-type]
        return x >= y if tag == "gte" else x <= y
    if tag == "and":
        return all(v is True for v in values)
    raise AssertionError(f"unexpected expression {tag}")


def score_qti(item: ET.Element, responses: dict[str, object]) -> Scored:
    """Run an item's responseProcessing on `responses`, as a QTI 2.1 delivery engine."""
    outcomes: dict[str, object] = {}
    for declaration in item.iter(f"{QTI}outcomeDeclaration"):
        value = declaration.find(f"{QTI}defaultValue/{QTI}value")
        outcomes[declaration.get("identifier", "")] = (
            float(value.text or 0) if value is not None else None)
    processing = item.find(f"{QTI}responseProcessing")
    assert processing is not None

    def run(rules: list[ET.Element]) -> None:
        for rule in rules:
            tag = rule.tag.removeprefix(QTI)
            if tag == "setOutcomeValue":
                (expression,) = list(rule)
                outcomes[rule.get("identifier", "")] = _qti_value(expression, responses,
                                                                  outcomes)
            elif tag == "responseCondition":
                for branch in rule:
                    kind = branch.tag.removeprefix(QTI)
                    if kind == "responseElse":
                        run(list(branch))
                        break
                    test, *body = list(branch)
                    if _qti_value(test, responses, outcomes) is True:
                        run(body)
                        break
            else:
                raise AssertionError(f"unexpected rule {tag}")

    run(list(processing))
    feedback = {str(v) for k, v in outcomes.items()
                if (k.startswith("FEEDBACK_") or k == "SHOW_SOLUTION") and v is not None}
    return Scored(float(outcomes["SCORE"]), float(outcomes["MAXSCORE"]),  # type: ignore[arg-type]
                  feedback)


@pytest.mark.parametrize("kind", SOURCES)
def test_qti_package_scores_as_the_grader(kind: str, tmp_path: Path) -> None:
    name, sources = _source(kind)
    variants = 2 if kind == "bank" else 3
    out = tmp_path / "bank.zip"
    result = export(sources, "qti", out, variants=variants, seed="s", name=name)
    specs = {spec.id: spec for spec, _ in sources}
    scales = {spec.id: scale for spec, scale in sources}
    with zipfile.ZipFile(out) as package:
        names = set(package.namelist())
        manifest = ET.fromstring(package.read("imsmanifest.xml"))
        resources = manifest.findall(f"{CP}resources/{CP}resource")
        items = [r for r in resources if r.get("type") == "imsqti_item_xmlv2p1"]
        tests = [r for r in resources if r.get("type") == "imsqti_test_xmlv2p1"]
        assert len(items) == result.questions and len(tests) == 1
        for resource in resources:
            assert resource.get("href") in names
            for file in resource.findall(f"{CP}file"):
                assert file.get("href") in names
        test = ET.fromstring(package.read(tests[0].get("href", "")))
        sections = test.findall(f".//{QTI}assessmentSection")
        assert len(sections) == result.exercises
        for section in sections:
            assert section.find(f"{QTI}selection").get("select") == "1"  # type: ignore[union-attr]
            assert len(section.findall(f"{QTI}assessmentItemRef")) == variants
        checked = 0
        for resource in items:
            item = ET.fromstring(package.read(resource.get("href", "")))
            assert item.get("identifier") == resource.get("identifier")
            variant = _variant(specs, item.get("label", ""))
            parts = _quiz_parts(variant.spec)
            scale = scales[variant.spec.id]
            modal = {m.get("identifier") for m in item.iter(f"{QTI}modalFeedback")}
            body = ET.tostring(item.find(f"{QTI}itemBody"), encoding="unicode")  # type: ignore[arg-type]
            assert "<img" not in body and "<math" not in body
            if "$" in variant.spec.prompt:
                assert "\\(" in body                  # math for the LMS's MathJax
            for part in parts:
                rid = f"RESPONSE_{part.id}"
                for response in _responses(variant, part):
                    credit = check_answer(variant, part, response)
                    if part.kind == "choice":
                        choices = item.findall(
                            f".//{QTI}choiceInteraction[@responseIdentifier='{rid}']/"
                            f"{QTI}simpleChoice")
                        index = views.options(variant, part).index(response)
                        given: object = choices[index].get("identifier")
                    else:
                        given = float(response)
                    scored = score_qti(item, {r: None for r in _response_ids(item)} |
                                       {rid: given})
                    assert scored.max_score == pytest.approx(
                        sum(p.points for p in parts) * scale)
                    assert scored.score == pytest.approx(credit.credit * part.points * scale), \
                        (item.get("identifier"), part.id, response)
                    assert scored.feedback <= modal
                    if credit.note is not None:
                        assert len(scored.feedback - {"SOLUTION"}) == 1
                    checked += 1
        assert checked > 30


def _response_ids(item: ET.Element) -> list[str]:
    return [d.get("identifier", "") for d in item.iter(f"{QTI}responseDeclaration")]


def test_qti_items_are_well_formed_for_the_schema(tmp_path: Path) -> None:
    """What the XSD's sequence asks of an assessmentItem, in order."""
    out = tmp_path / "b.zip"
    export(from_ids(Bank(ROOT), ["bayes/medical-test", "events/independence"]), "qti", out,
           variants=2, seed="1", name="quiz")
    order = ["responseDeclaration", "outcomeDeclaration", "itemBody", "responseProcessing",
             "modalFeedback"]
    with zipfile.ZipFile(out) as package:
        for name in package.namelist():
            if not name.startswith("items/"):
                continue
            item = ET.fromstring(package.read(name))
            tags = [c.tag.removeprefix(QTI) for c in item]
            assert tags == sorted(tags, key=order.index)
            for interaction in item.iter(f"{QTI}textEntryInteraction"):
                assert interaction.get("responseIdentifier") in _response_ids(item)

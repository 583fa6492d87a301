"""QTI 2.1: a content package (zip) with imsmanifest.xml, one assessmentItem per variant,
and an assessmentTest whose section per exercise selects one of its variants.

An item holds every exported part of its exercise (a composite item: one interaction per
part). Its own responseProcessing scores it: a numeric part tests the precision policy's
accepted interval, each listed mistake its own interval (or, for a choice, its option)
and gives its exact credit; the mistake's feedback (one outcome per part) and the worked
solution are modalFeedback. Math is TeX between \\( \\).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from .questions import Bank, Question, QuizPart, number

NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
SCHEMA = f"{NS} http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_SCHEMA = f"{CP} http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
SOLUTION = "SOLUTION"
SHOW_SOLUTION = "SHOW_SOLUTION"

ET.register_namespace("xsi", XSI)


def identifier(text: str) -> str:
    """An NCName for QTI's identifiers and file names, from an exercise or part id."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.")
    return name if re.match(r"[A-Za-z_]", name) else f"X{name}"


def item_id(question: Question) -> str:
    return f"{identifier(question.exercise_id)}-v{question.index:02d}"


def response_id(part: QuizPart) -> str:
    return f"RESPONSE_{identifier(part.id)}"


def feedback_id(part: QuizPart, index: int) -> str:
    return f"FB_{identifier(part.id)}_{index}"


def write(bank: Bank, name: str, out: Path) -> list[str]:
    """The package of `bank` at `out` (a .zip); no notices of its own (QTI scores any
    credit exactly)."""
    items: list[tuple[str, str]] = []
    sections: list[tuple[str, str, list[str]]] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for spec, questions in bank.exercises:
            refs = []
            for question in questions:
                ident = item_id(question)
                href = f"items/{ident}.xml"
                package.writestr(href, _serialize(item(question)))
                items.append((ident, href))
                refs.append(ident)
            sections.append((identifier(spec.id), spec.title, refs))
        test_href = f"{identifier(name)}-test.xml"
        package.writestr(test_href, _serialize(_test(name, sections)))
        package.writestr("imsmanifest.xml", _serialize(_manifest(name, items, test_href), CP))
    return []


def _serialize(element: ET.Element, namespace: str = NS) -> str:
    # Elements are built unqualified and the root declares the default namespace:
    # ElementTree's own default_namespace refuses unqualified attributes.
    element.set("xmlns", namespace)
    ET.indent(element, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="unicode")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _html(parent: ET.Element, fragment: str) -> None:
    """Append an HTML fragment (the XHTML markdown-it writes) as QTI body content."""
    wrapper = ET.fromstring(f"<div>{fragment}</div>")
    parent.extend(list(wrapper))
    if wrapper.text and wrapper.text.strip():
        _sub(parent, "p", wrapper.text.strip())


def item(question: Question) -> ET.Element:
    """One variant as an assessmentItem."""
    root = ET.Element("assessmentItem", {
        f"{{{XSI}}}schemaLocation": SCHEMA, "identifier": item_id(question),
        "title": f"{question.title} ({question.name})",
        # the variant's seed, so that `grader preview ID --seed N` shows it again
        "label": f"{question.exercise_id} seed {question.seed}", "adaptive": "false",
        "timeDependent": "false"})
    for part in question.parts:
        if part.kind == "numeric":
            declaration = _sub(root, "responseDeclaration", identifier=response_id(part),
                               cardinality="single", baseType="float")
            correct = number(part.correct.value)
        else:
            declaration = _sub(root, "responseDeclaration", identifier=response_id(part),
                               cardinality="single", baseType="identifier")
            correct = next(_choice_id(part, i) for i, c in enumerate(part.choices)
                           if c.credit == 1.0)
        _sub(_sub(declaration, "correctResponse"), "value", correct)
    for ident, base, default in (("SCORE", "float", "0"),
                                 ("MAXSCORE", "float", number(question.points))):
        outcome = _sub(root, "outcomeDeclaration", identifier=ident, cardinality="single",
                       baseType=base)
        _sub(_sub(outcome, "defaultValue"), "value", default)
    for feedback in [*(_feedback_outcome(p) for p in question.parts), SHOW_SOLUTION]:
        _sub(root, "outcomeDeclaration", identifier=feedback, cardinality="single",
             baseType="identifier")
    body = _sub(root, "itemBody")
    stem = _sub(body, "div", **{"class": "stem"})
    _html(stem, question.stem)
    for part in question.parts:
        block = _sub(body, "div", **{"class": "part"})
        _html(block, part.prompt)
        if part.kind == "numeric":
            _sub(_sub(block, "p"), "textEntryInteraction", responseIdentifier=response_id(part),
                 expectedLength="20")
        else:
            interaction = _sub(block, "choiceInteraction", responseIdentifier=response_id(part),
                               shuffle="false", maxChoices="1")
            for i, choice in enumerate(part.choices):
                simple = _sub(interaction, "simpleChoice", identifier=_choice_id(part, i))
                wrapper = ET.fromstring(f"<span>{choice.text}</span>")
                simple.text = wrapper.text
                simple.extend(list(wrapper))
    processing = _sub(root, "responseProcessing")
    for part in question.parts:
        _score(processing, part)
    _set(processing, SHOW_SOLUTION, SOLUTION)
    for part in question.parts:
        for index, (feedback, _) in enumerate(_mistakes(part)):
            modal = _sub(root, "modalFeedback", outcomeIdentifier=_feedback_outcome(part),
                         identifier=feedback_id(part, index), showHide="show")
            _html(_sub(modal, "div"), feedback)
    if question.solution:
        modal = _sub(root, "modalFeedback", outcomeIdentifier=SHOW_SOLUTION, identifier=SOLUTION,
                     showHide="show", title="Solution")
        _html(_sub(modal, "div"), question.solution)
    return root


def _choice_id(part: QuizPart, index: int) -> str:
    return f"C_{identifier(part.id)}_{index}"


def _mistakes(part: QuizPart) -> list[tuple[str, float]]:
    """(feedback, credit) of each listed mistake the part carries, in order."""
    if part.kind == "numeric":
        return [(a.feedback, a.credit) for a in part.answers[1:]]
    return [(c.feedback, c.credit) for c in part.choices if c.note is not None]


def _condition(parent: ET.Element, part: QuizPart, index: int) -> ET.Element:
    """The test that the response is the part's answer `index` (0: the right one).

    A numeric interval is `and(gte, lte)` rather than `equal` in absolute tolerance
    mode: the same test, and players that implement no tolerance modes (qti-components
    does not) still score it.
    """
    if part.kind == "numeric":
        answer = part.answers[index]
        test = _sub(parent, "and")
        for tag, bound in (("gte", answer.value - answer.tolerance),
                           ("lte", answer.value + answer.tolerance)):
            compare = _sub(test, tag)
            _sub(compare, "variable", identifier=response_id(part))
            _sub(compare, "baseValue", number(bound), baseType="float")
        return test
    chosen = ([i for i, c in enumerate(part.choices) if c.credit == 1.0] if index == 0 else
              [i for i, c in enumerate(part.choices) if c.note is not None][index - 1:index])
    test = _sub(parent, "match")
    _sub(test, "variable", identifier=response_id(part))
    _sub(test, "baseValue", _choice_id(part, chosen[0]), baseType="identifier")
    return test


def _add_score(parent: ET.Element, points: float) -> None:
    setter = _sub(parent, "setOutcomeValue", identifier="SCORE")
    total = _sub(setter, "sum")
    _sub(total, "variable", identifier="SCORE")
    _sub(total, "baseValue", repr(float(points)), baseType="float")


def _feedback_outcome(part: QuizPart) -> str:
    return f"FEEDBACK_{identifier(part.id)}"


def _set(parent: ET.Element, outcome: str, value: str) -> None:
    """One feedback outcome per part (single cardinality), not one `multiple` outcome
    for the item: players differ on `multiple` over a NULL variable."""
    _sub(_sub(parent, "setOutcomeValue", identifier=outcome), "baseValue", value,
         baseType="identifier")


def _score(processing: ET.Element, part: QuizPart) -> None:
    """Full points for the right answer, else the first listed mistake matched gives its
    credit and its feedback (the checker's order: right answer first)."""
    condition = _sub(processing, "responseCondition")
    branch = _sub(condition, "responseIf")
    _condition(branch, part, 0)
    _add_score(branch, part.points)
    for index, (_, credit) in enumerate(_mistakes(part)):
        branch = _sub(condition, "responseElseIf")
        _condition(branch, part, index + 1)
        if credit > 0:
            _add_score(branch, part.points * credit)
        _set(branch, _feedback_outcome(part), feedback_id(part, index))


def _test(name: str, sections: list[tuple[str, str, list[str]]]) -> ET.Element:
    """One section per exercise selecting one of its variants: the LMS's random pick."""
    root = ET.Element("assessmentTest", {
        f"{{{XSI}}}schemaLocation": SCHEMA, "identifier": f"TEST-{identifier(name)}",
        "title": name})
    outcome = _sub(root, "outcomeDeclaration", identifier="SCORE", cardinality="single",
                   baseType="float")
    _sub(_sub(outcome, "defaultValue"), "value", "0")
    part = _sub(root, "testPart", identifier=f"PART-{identifier(name)}",
                navigationMode="nonlinear", submissionMode="individual")
    for ident, title, refs in sections:
        section = _sub(part, "assessmentSection", identifier=f"S-{ident}", title=title,
                       visible="true")
        _sub(section, "selection", select="1")
        for ref in refs:
            _sub(section, "assessmentItemRef", identifier=ref, href=f"items/{ref}.xml")
    processing = _sub(root, "outcomeProcessing")
    setter = _sub(processing, "setOutcomeValue", identifier="SCORE")
    _sub(_sub(setter, "sum"), "testVariables", variableIdentifier="SCORE")
    return root


def _manifest(name: str, items: list[tuple[str, str]], test_href: str) -> ET.Element:
    root = ET.Element("manifest", {
        f"{{{XSI}}}schemaLocation": CP_SCHEMA, "identifier": f"MANIFEST-{identifier(name)}"})
    metadata = ET.SubElement(root, "metadata")
    ET.SubElement(metadata, "schema").text = "QTIv2.1 Package"
    ET.SubElement(metadata, "schemaversion").text = "1.0.0"
    ET.SubElement(root, "organizations")
    resources = ET.SubElement(root, "resources")
    test = ET.SubElement(resources, "resource", identifier="RES-TEST",
                         type="imsqti_test_xmlv2p1", href=test_href)
    ET.SubElement(test, "file", href=test_href)
    for ident, _ in items:
        ET.SubElement(test, "dependency", identifierref=ident)
    for ident, href in items:
        resource = ET.SubElement(resources, "resource", identifier=ident,
                                 type="imsqti_item_xmlv2p1", href=href)
        ET.SubElement(resource, "file", href=href)
    return root

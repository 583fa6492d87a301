"""JUnit XML: one <testcase> per part, so any CI that reads test reports shows the grading.

Mapping: a correct part passes; partial, incorrect and invalid answers are <failure>s
(the student's answer is wrong); error and timeout are <error>s (the student's code
did not finish); a missing answer is <skipped>. Each failure's `message` is the status,
its text the feedback with the answer given and expected. The suite's <properties> carry
score and max_score. Grading time is not part of a Result, so every `time` is 0.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..result import PartResult, Result
from .common import ERRORED, FAILED, SKIPPED, clip, points, xml_safe


def _detail(part: PartResult) -> str:
    lines = [clip(part.feedback, 4000)] if part.feedback else []
    if part.given is not None:
        lines.append(f"Given: {clip(part.given)}")
    if part.expected is not None:
        lines.append(f"Expected: {part.expected}")
    lines.append(f"Points: {points(part.score)} / {points(part.max_score)}")
    return "\n".join(lines)


def _element(parent: ET.Element, tag: str, **attrs: str) -> ET.Element:
    return ET.SubElement(parent, tag, {k: xml_safe(v) for k, v in attrs.items()})


def render_junit(result: Result) -> str:
    """The JUnit XML report of `result` (a <testsuites> root holding one <testsuite>)."""
    parts = result.parts()
    counts = {
        "tests": str(len(parts)),
        "failures": str(sum(p.status in FAILED for _, p in parts)),
        "errors": str(sum(p.status in ERRORED for _, p in parts)),
        "skipped": str(sum(p.status in SKIPPED for _, p in parts)),
        "time": "0",
    }
    name = f"{result.assignment} · {result.student}"
    root = ET.Element("testsuites", {"name": xml_safe(name), **counts})
    suite = _element(root, "testsuite", name=name, **counts)
    properties = _element(suite, "properties")
    for key, value in (("assignment", result.assignment), ("student", result.student),
                       ("score", repr(result.score)), ("max_score", repr(result.max_score)),
                       ("grader_version", result.grader_version)):
        _element(properties, "property", name=key, value=value)
    for exercise, part in parts:
        case = _element(suite, "testcase", classname=exercise.id, name=part.id, time="0")
        if part.status in FAILED:
            tag = "failure"
        elif part.status in ERRORED:
            tag = "error"
        elif part.status in SKIPPED:
            tag = "skipped"
        else:
            continue
        outcome = _element(case, tag, message=part.status, type=part.status)
        outcome.text = xml_safe(_detail(part))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"

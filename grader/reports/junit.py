"""JUnit XML: one <testcase> per part, so any CI that reads test reports shows the grading.

The layout is the Apache Ant / Jenkins one (the JUnit.xsd that Jenkins and most CI
readers follow): a <testsuites> root without attributes, one <testsuite> with its
package, id, timestamp and hostname, <properties>, the test cases, <system-out> and
<system-err>.

Mapping: a correct part passes; partial, incorrect, unreadable (invalid) and missing
answers are <failure>s, so an empty hand-in fails in CI rather than showing as skipped;
error and timeout are <error>s (the student's code did not finish). Each outcome's
`message` says the status in words and the points, its `type` is the status, its text the
feedback with the answer given and expected. The score, rounded as in every report, is in
the suite's name (what CI pages show), its <properties> and <system-out>. Grading time is
not part of a Result, so every `time` is 0.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from ..result import PartResult, Result
from .common import ERRORED, FAILED, STATUS_LABELS, clip, percent, points, xml_safe
from .text import plural


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


def render_junit(result: Result, *, timestamp: dt.datetime | None = None) -> str:
    """The JUnit XML report of `result` (a <testsuites> root holding one <testsuite>).

    `timestamp` (default: now) is when the grading ran, in UTC.
    """
    parts = result.parts()
    when = (timestamp or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    score = f"{points(result.score)} / {plural(result.max_score, 'point')}"
    headline = (f"{result.assignment} · {result.student}: {score} "
                f"({percent(result.score, result.max_score):.0f}%)")
    root = ET.Element("testsuites")
    suite = _element(
        root, "testsuite", name=headline, package=result.assignment or "grader", id="0",
        timestamp=when.strftime("%Y-%m-%dT%H:%M:%S"), hostname="localhost",
        tests=str(len(parts)),
        failures=str(sum(p.status in FAILED for _, p in parts)),
        errors=str(sum(p.status in ERRORED for _, p in parts)),
        skipped="0", time="0")
    properties = _element(suite, "properties")
    for key, value in (("assignment", result.assignment), ("student", result.student),
                       ("score", points(result.score)), ("max_score", points(result.max_score)),
                       ("grader_version", result.grader_version)):
        _element(properties, "property", name=key, value=value)
    for exercise, part in parts:
        case = _element(suite, "testcase", classname=exercise.id, name=part.id, time="0")
        if part.status in FAILED:
            tag = "failure"
        elif part.status in ERRORED:
            tag = "error"
        else:
            continue
        message = (f"{STATUS_LABELS[part.status]}: {points(part.score)} / "
                   f"{plural(part.max_score, 'point')}")
        outcome = _element(case, tag, message=message, type=part.status)
        outcome.text = xml_safe(_detail(part))
    _element(suite, "system-out").text = xml_safe(headline)
    _element(suite, "system-err")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"

"""Report formats, checked on results from the real grader and on hand-made ones with
known numbers: JUnit XML, Gradescope, GitHub Classroom, the student and class HTML."""

from __future__ import annotations

import base64
import json
import math
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import lxml.etree
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from grader.assignment import load_assignment
from grader.grading import grade
from grader.reports import FORMATS, render
from grader.reports.class_report import class_stats, render_class_report
from grader.reports.classroom import classroom_result, summary_markdown, write_classroom_outputs
from grader.reports.common import ERRORED, FAILED, float_sum, rounded, split_scores
from grader.reports.gradescope import gradescope_results
from grader.reports.html import render_html
from grader.reports.junit import render_junit
from grader.reports.text import points
from grader.result import ExerciseResult, PartResult, Result, Status
from grader.samples import write_submission

from .conftest import ROOT

STYLES = ["ada", "bayes", "mallory"]          # perfect, mistakes, hostile
HOSTILE = "<script>alert(1)</script>"


def part(pid: str, status: Status, score: float, max_score: float, *, note: str | None = None,
         feedback: str = "", given: str | None = None, expected: str | None = None
         ) -> PartResult:
    return PartResult(pid, "numeric", score, max_score, status, note, feedback, given, expected)


def one(*parts: PartResult, student: str = "s", exercise: str = "ex/one") -> Result:
    return Result("hw", student, (ExerciseResult(exercise, parts, "An exercise"),))


@pytest.fixture(scope="module")
def missing_answers(tmp_path_factory: pytest.TempPathFactory) -> Result:
    """A real hand-in whose answers.yaml is gone: every text part is `missing`."""
    assignment = load_assignment(ROOT / "grader" / "demo" / "assignment.yaml")
    folder = tmp_path_factory.mktemp("missing")
    write_submission(assignment, "carl", folder, "perfect")
    (folder / "answers.yaml").unlink()
    return grade(folder, assignment, "carl")


# ------------------------------------------------------------------ the dispatcher

def test_every_format_renders_a_real_result(demo_results: dict[str, Result]) -> None:
    assert set(FORMATS) >= {"text", "json", "html", "junit", "gradescope", "github-classroom"}
    for fmt in FORMATS:
        text = render(demo_results["bayes"], fmt, color=False)
        assert isinstance(text, str) and text.strip()
    with pytest.raises(ValueError, match="unknown report format"):
        render(demo_results["bayes"], "pdf")


# ------------------------------------------------------------------ JUnit

# The Apache Ant / Jenkins JUnit schema, as published at github.com/windyroad/JUnit-Schema.
JUNIT_XSD = lxml.etree.XMLSchema(lxml.etree.parse(str(ROOT / "tests" / "data" / "JUnit.xsd")))


def assert_valid_junit(xml: str) -> None:
    document = lxml.etree.fromstring(xml.encode("utf-8"))
    if not JUNIT_XSD.validate(document):
        raise AssertionError(str(JUNIT_XSD.error_log))


def test_the_xsd_rejects_what_the_old_output_had() -> None:
    # the check has teeth: attributes on <testsuites> and a suite without its required
    # attributes are refused
    with pytest.raises(AssertionError, match="testsuites"):
        assert_valid_junit('<testsuites tests="1" skipped="0"/>')
    with pytest.raises(AssertionError, match="timestamp"):
        assert_valid_junit('<testsuites><testsuite name="x" tests="0" failures="0" '
                           'errors="0" time="0" package="p" id="0" hostname="h">'
                           "<properties/><system-out/><system-err/></testsuite></testsuites>")


@pytest.mark.parametrize("student", STYLES)
def test_junit_has_one_testcase_per_part_and_the_right_outcomes(
        demo_results: dict[str, Result], student: str) -> None:
    result = demo_results[student]
    xml = render_junit(result)
    assert_valid_junit(xml)
    root = ET.fromstring(xml)
    assert root.attrib == {}
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == \
        [(e.id, p.id) for e, p in result.parts()]
    statuses = [p.status for _, p in result.parts()]
    failures = sum(s in FAILED for s in statuses)
    errors = sum(s in ERRORED for s in statuses)
    assert len(suite.findall("testcase/failure")) == failures
    assert len(suite.findall("testcase/error")) == errors
    assert suite.findall("testcase/skipped") == []
    assert suite.get("tests") == str(len(cases))
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == \
        (str(failures), str(errors), "0")
    assert suite.get("time") == "0"
    # the score where CI pages show it: the suite's name, and its output
    total = f"{points(result.score)} / {points(result.max_score)} points"
    assert f"{result.assignment} · {result.student}: {total}" in (suite.get("name") or "")
    assert total in (suite.findtext("system-out") or "")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["score"] == points(result.score)
    assert props["max_score"] == points(result.max_score)
    for case, (_, p) in zip(cases, result.parts(), strict=True):
        outcome = next(iter(case), None)
        if p.status == "correct":
            assert outcome is None
        else:
            assert outcome is not None and outcome.get("type") == p.status
            assert f"{points(p.score)} / {points(p.max_score)} point" in outcome.get("message", "")
            assert p.feedback.splitlines()[0] in (outcome.text or "")


def test_junit_counts_hostile_statuses(demo_results: dict[str, Result]) -> None:
    suite = ET.fromstring(render_junit(demo_results["mallory"])).find("testsuite")
    assert suite is not None
    assert suite.get("errors") == "4"      # os.system refused, timeout, memory, sys.exit
    assert suite.get("failures") == "13"   # every text answer unreadable


def test_junit_fails_missing_answers(missing_answers: Result) -> None:
    """An empty hand-in must not show green in CI: a missing answer is a failure."""
    xml = render_junit(missing_answers)
    assert_valid_junit(xml)
    suite = ET.fromstring(xml).find("testsuite")
    assert suite is not None
    text_parts = [p for _, p in missing_answers.parts() if p.kind != "function"]
    assert {p.status for p in text_parts} == {"missing"}
    missing = suite.findall(".//failure[@type='missing']")
    assert len(missing) == len(text_parts) and suite.get("skipped") == "0"
    assert all(f.get("message", "").startswith("No answer: 0 / ") for f in missing)


def test_junit_survives_characters_xml_cannot_carry() -> None:
    nasty = "\x00\x1b[31m" + HOSTILE + "]]>&\ud800"
    result = one(part("a", "invalid", 0, 1, feedback=nasty, given=nasty))
    xml = render_junit(result)
    assert_valid_junit(xml)
    failure = ET.fromstring(xml).find(".//failure")
    assert failure is not None and failure.text is not None
    assert HOSTILE + "]]>&" in failure.text and "\ufffd" in failure.text
    assert "<script>" not in xml


# ------------------------------------------------------------------ Gradescope

@pytest.mark.parametrize("student", STYLES)
def test_gradescope_fields_types_and_sums(demo_results: dict[str, Result], student: str) -> None:
    result = demo_results[student]
    data = json.loads(render(result, "gradescope"))
    assert isinstance(data["score"], float)
    assert isinstance(data["output"], str) and data["output"]
    assert data["visibility"] == "visible"
    assert data["stdout_visibility"] in {"hidden", "visible", "after_due_date", "after_published"}
    tests = data["tests"]
    assert len(tests) == len(result.parts())
    for test, (exercise, p) in zip(tests, result.parts(), strict=True):
        assert test["name"] == f"{exercise.id} · {p.id}"
        assert test["name_format"] == "text"
        assert isinstance(test["score"], float) and isinstance(test["max_score"], float)
        assert 0 <= test["score"] <= test["max_score"]
        assert test["max_score"] == pytest.approx(p.max_score, abs=0.01)
        assert test["status"] == ("passed" if p.status == "correct" else "failed")
        if p.status == "correct":
            assert test["score"] == test["max_score"]
        assert isinstance(test["output"], str) and test["visibility"] == "visible"
        if p.given is not None:
            assert p.given[:100] in test["output"]
        if p.expected is not None:
            assert p.expected in test["output"]
    assert math.fsum(t["score"] for t in tests) == pytest.approx(data["score"], abs=1e-9)
    assert data["score"] == pytest.approx(result.score, abs=0.01)


def test_gradescope_renders_author_math_and_quotes_student_text() -> None:
    result = one(
        part("a", "incorrect", 0, 2, feedback="That is $P(A \\mid B)$; see $$P(B)$$.",
             given="0.5", expected="0.25"),
        part("b", "invalid", 0, 1, feedback="'$x$ <script>' cannot be read\n  ^",
             given="`$x$` <script>"))
    data = gradescope_results(result)
    assert data["output_format"] == "md"
    first, second = data["tests"]
    assert first["output_format"] == second["output_format"] == "md"
    assert "That is $$P(A \\mid B)$$; see $$P(B)$$." in first["output"]
    assert "Your answer: ` 0.5 `" in first["output"] and "Expected: ` 0.25 `" in first["output"]
    # the student's text: a code block and a code span, never math or markup
    assert "    '$x$ <script>' cannot be read\n      ^" in second["output"]
    assert "Your answer: `` `$x$` <script> ``" in second["output"]
    assert "$$" not in second["output"]
    with pytest.raises(ValueError, match="visibility"):
        gradescope_results(result, visibility="public")


def test_gradescope_full_marks_are_exact(demo_results: dict[str, Result]) -> None:
    data = gradescope_results(demo_results["ada"])
    assert data["score"] == demo_results["ada"].max_score == 45.0
    assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(45.0, abs=1e-9)


# ------------------------------------------------------------------ GitHub Classroom

def decode_output(path: Path) -> dict[str, object]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and lines[0].startswith("result=")
    data: dict[str, object] = json.loads(base64.b64decode(lines[0][len("result="):],
                                                          validate=True).decode("utf-8"))
    return data


@pytest.mark.parametrize("student", STYLES)
def test_classroom_output_decodes_to_what_the_reporter_reads(
        demo_results: dict[str, Result], student: str, tmp_path: Path) -> None:
    result = demo_results[student]
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    write_classroom_outputs(result, {"GITHUB_OUTPUT": str(output),
                                     "GITHUB_STEP_SUMMARY": str(summary)})
    data = decode_output(output)
    assert data == json.loads(render(result, "github-classroom"))
    assert data["version"] == 1
    assert data["max_score"] == result.max_score
    assert data["status"] == ("pass" if student == "ada" else "fail")
    tests = data["tests"]
    assert isinstance(tests, list) and len(tests) == len(result.parts())
    total = 0.0
    for test, (exercise, p) in zip(tests, result.parts(), strict=True):
        assert test["name"] == f"{exercise.id} · {p.id}"
        assert test["status"] == ("pass" if p.status == "correct" else "fail")
        assert test["line_no"] == 0        # else the reporter prints " - line <n>"
        assert isinstance(test["message"], str)
        total += test["score"]             # the reporter's own left-to-right float sum
    assert total == pytest.approx(result.score, abs=0.01)
    if student == "ada":
        assert total == result.max_score  # exactly: full marks read 45/45, not 44.999...

    text = summary.read_text(encoding="utf-8")
    assert "| Exercise | Part | Status | Points |" in text
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == len(result.parts())
    assert f"**{result.score:g} / {result.max_score:g}**" in text or "**Total**" in text


def test_classroom_outputs_append_and_skip_unset_variables(
        demo_results: dict[str, Result], tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    write_classroom_outputs(demo_results["bayes"], {"GITHUB_STEP_SUMMARY": str(summary)})
    text = summary.read_text(encoding="utf-8")
    shown = f"{demo_results['bayes'].score:.2f}".rstrip("0").rstrip(".")
    assert text.startswith("earlier step\n") and f"{shown} / 45" in text
    write_classroom_outputs(demo_results["bayes"], {})   # outside Actions: nothing to do
    assert list(tmp_path.iterdir()) == [summary]


def test_classroom_summary_keeps_author_math_and_defuses_student_text() -> None:
    result = one(
        part("a", "incorrect", 0, 1, feedback="That is $P(A \\mid B)$, not $P(B \\mid A)$."),
        part("b", "invalid", 0, 1, feedback="'![x](http://e.example/p.png) $<img>$' is not an "
                                            "option | <b>"),
    )
    text = summary_markdown(result)
    assert "$P(A \\mid B)$" in text
    line = next(ln for ln in text.splitlines() if ln.startswith("- `ex/one` · `b`"))
    assert "![" not in line.replace("\\!\\[", "") and "<" not in line.replace("\\<", "")
    assert "\\$" in line and "\\|" in line


@settings(max_examples=300, deadline=None)
# a correct part whose points round up beside one scoring nothing: the rounding unit
# must go to the other part, or the total would read 36.37 where every report says 36.36
@example([(19, 0, 7), (20, 8, 5.5)])
@given(st.lists(st.tuples(st.integers(1, 40), st.integers(0, 8), st.sampled_from([4, 5.5, 7])),
                min_size=1, max_size=12))
def test_split_scores_add_up_exactly(specs: list[tuple[int, int, float]]) -> None:
    """Any mix of scaled parts: shares are hundredths whose sum is the rounded total, and
    the Classroom reporter's own float sum prints exactly that total."""
    parts = []
    for i, (points_, eighths, scale) in enumerate(specs):
        max_score = round(points_ * 10 / scale, 6)
        credit = min(eighths, 8) / 8
        status: Status = "correct" if credit == 1 else "partial" if credit else "incorrect"
        parts.append(part(f"p{i}", status, round(max_score * credit, 6), max_score))
    result = one(*parts)
    shares = split_scores(result)
    cents = [(round(s * 100), round(m * 100)) for s, m in shares]
    assert all(abs(s * 100 - c) < 1e-6 for (s, _), (c, _) in zip(shares, cents, strict=True))
    assert sum(m for _, m in cents) == round(rounded(result.max_score) * 100)
    assert sum(s for s, _ in cents) == round(rounded(result.score) * 100)
    for (s, m), p in zip(shares, parts, strict=True):
        assert 0 <= s <= m and abs(m - p.max_score) < 0.02
        if p.status == "correct":
            assert s == m
    reported = classroom_result(result)
    scores = [t["score"] for t in reported["tests"]]
    # as the reporter computes and prints it: `Points ${totalPoints}/${maxPoints}`
    assert repr(float_sum(scores)) == repr(rounded(result.score))
    assert reported["max_score"] == rounded(result.max_score)
    for score, (s, _) in zip(scores, shares, strict=True):
        assert abs(score - s) < 1e-9
    if all(p.status == "correct" for p in parts):
        assert reported["status"] == "pass"


def test_one_rounding_rule_in_every_output(tmp_path: Path) -> None:
    """A score of 3.171875 (and a half-hundredth) reads the same in every format."""
    result = one(part("a", "partial", 3.171875, 4), part("b", "partial", 0.125, 1),
                 part("c", "correct", 1.8181818, 1.8181818))
    assert (rounded(3.171875), rounded(0.125), rounded(2.675)) == (3.17, 0.13, 2.68)
    total = rounded(result.score)            # 5.1150568 -> 5.12
    assert points(result.score) == "5.12" == f"{total:g}"
    text = render(result, "text")
    assert "Score: 5.12 / 6.82" in text and "3.17/4" in text and "0.13/1" in text
    props = {p.get("name"): p.get("value")
             for p in ET.fromstring(render_junit(result)).iter("property")}
    assert (props["score"], props["max_score"]) == ("5.12", "6.82")
    gradescope = json.loads(render(result, "gradescope"))
    assert gradescope["score"] == 5.12
    assert [t["score"] for t in gradescope["tests"]] == [3.17, 0.13, 1.82]
    classroom = json.loads(render(result, "github-classroom"))
    assert repr(float_sum([t["score"] for t in classroom["tests"]])) == "5.12"
    assert classroom["max_score"] == 6.82
    html = render(result, "html")
    assert "5.12" in html and "3.171" not in html


# ------------------------------------------------------------------ class statistics

def hand_made_class() -> list[Result]:
    """Four students, four parts, numbers chosen so everything can be computed by hand.

    part a (1 pt): 1, 1, 0, 0         part b (2 pt): 2, 1, 2, 0
    part c (6 pt): 6, 5, 2, 2         part d (1 pt): everyone correct
    totals 10, 8, 5, 3 of 10; the rest of the test without part a: 8, 6, 4, 2.
    """
    rows = [("s1", ("correct", 1, None, "0.5"), ("correct", 2, None), ("correct", 6, None)),
            ("s2", ("correct", 1, None, "0.5"), ("partial", 1, "half"), ("partial", 5, "c-slip")),
            ("s3", ("incorrect", 0, "n1", "0.5 "), ("correct", 2, None), ("partial", 2, "c-slip")),
            ("s4", ("incorrect", 0, "n1", " 0 .5"), ("incorrect", 0, "n2"),
             ("partial", 2, None))]
    results = []
    for student, a, b, c in rows:
        first = ExerciseResult("ex/one", (
            part("a", a[0], a[1], 1, note=a[2], given=a[3]),
            part("b", b[0], b[1], 2, note=b[2], given=f"{student}-b"),
        ), "One")
        second = ExerciseResult("ex/two", (
            part("c", c[0], c[1], 6, note=c[2], given=f"{student}-c"),
            part("d", "correct", 1, 1, given="z"),
        ), "Two")
        results.append(Result("hw", student, (first, second)))
    return results


def test_class_stats_known_numbers() -> None:
    stats = class_stats(hand_made_class())
    assert stats["n"] == 4 and stats["max_score"] == 10
    assert stats["score"] == {"mean": 6.5, "median": 6.5, "min": 3, "max": 10}
    assert stats["percent"]["mean"] == pytest.approx(65)
    assert [b["count"] for b in stats["histogram"]] == [0, 0, 0, 1, 0, 1, 0, 0, 1, 1]
    parts = {(p["exercise"], p["part"]): p for p in stats["parts"]}
    a, b, d = parts["ex/one", "a"], parts["ex/one", "b"], parts["ex/two", "d"]
    assert (a["difficulty"], a["correct"]) == (0.5, 0.5)
    assert b["difficulty"] == pytest.approx((1 + 0.5 + 1 + 0) / 4)    # partial counts its share
    assert b["correct"] == 0.5
    # By hand: x = (1, 1, 0, 0), rest = (8, 6, 4, 2); deviations (±.5) and (3, 1, -1, -3):
    # sum xy = 4, sum xx = 1, sum yy = 20, r = 4 / sqrt(20).
    assert a["discrimination"] == pytest.approx(4 / math.sqrt(20))
    assert d["discrimination"] is None                  # everyone correct: no variance
    assert d["difficulty"] == 1.0 and d["statuses"] == {"correct": 4}
    assert stats["mistakes"][0] == {"exercise": "ex/one", "part": "a", "note": "n1", "count": 2}
    assert {"exercise": "ex/two", "part": "c", "note": "c-slip", "count": 2} in stats["mistakes"]
    assert stats["wrong_answers"][0] == {"exercise": "ex/one", "part": "a", "answer": "0.5",
                                         "count": 2}
    assert [s["student"] for s in stats["students"]] == ["s1", "s2", "s3", "s4"]
    assert [s["percent"] for s in stats["students"]] == [100, 80, 50, 30]


def test_class_stats_undefined_cases() -> None:
    stats = class_stats([one(part("a", "correct", 1, 1))])
    assert stats["parts"][0]["discrimination"] is None      # a single student
    empty = class_stats([])
    assert empty["n"] == 0 and empty["score"]["mean"] is None and empty["parts"] == []


def test_class_stats_on_real_results(demo_results: dict[str, Result]) -> None:
    stats = class_stats(list(demo_results.values()))
    assert stats["n"] == 5 and sum(b["count"] for b in stats["histogram"]) == 5
    top = stats["mistakes"][0]
    assert top["count"] == 2          # the two "mistakes" hand-ins share every mistake
    for p in stats["parts"]:
        assert 0 <= p["difficulty"] <= 1
        assert p["discrimination"] is None or -1 <= p["discrimination"] <= 1


# ------------------------------------------------------------------ HTML

class Outline(HTMLParser):
    """Headings, tables' captions and header scopes, and scripts, of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.tables = 0
        self.captions = 0
        self.th_without_scope = 0
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))
        self.tables += tag == "table"
        self.captions += tag == "caption"
        self.th_without_scope += tag == "th" and "scope" not in dict(attrs)
        self.scripts += tag == "script"


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


def assert_accessible(html: str) -> None:
    o = outline(html)
    assert o.headings[0] == 1 and o.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(o.headings, o.headings[1:], strict=False)), o.headings
    assert o.tables and o.captions == o.tables and o.th_without_scope == 0
    assert o.scripts == 0
    assert "http://" not in html.replace("http://www.w3.org/", "")
    assert "https://" not in html


def test_student_html_from_real_results(demo_results: dict[str, Result]) -> None:
    result = demo_results["bayes"]
    html = render_html(result)
    assert_accessible(html)
    assert "Content-Security-Policy" in html and "<math" in html
    assert html.count('<svg class="bar"') == 1 + len(result.exercises)
    for _, p in result.parts():
        assert f"Part <code>{p.id}</code>" in html
    assert "Partly correct" in html and "Incorrect" in html   # status in words
    assert "Worked solution" in html                           # the bank's solutions
    assert f"{result.score:.2f}".rstrip("0").rstrip(".") + " / 45" in html


def test_student_html_escapes_hostile_answers(demo_results: dict[str, Result]) -> None:
    result = one(part("a", "invalid", 0, 1, given=HOSTILE,
                      feedback=f"Could not read {HOSTILE}\n  {HOSTILE}\n  ^"),
                 part("b", "incorrect", 0, 1, given="1", expected="2",
                      feedback="That is $P(A \\mid B)$, not $P(B \\mid A)$."))
    html = render_html(result)
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<math" in html
    hostile = render_html(demo_results["mallory"])
    assert_accessible(hostile)
    assert "__import__(&#39;os&#39;)" in hostile
    assert "&#39;9**9**9**9&#39; is not one of the options" in hostile   # not made bold


def test_student_html_expected_hidden_and_solutions_given() -> None:
    result = one(part("a", "incorrect", 0, 1, given="0.3", expected=None, feedback="No."))
    html = render_html(result, solutions={"ex/one": "Use $\\frac{1}{2}$."})
    assert "<dt>Expected</dt>" not in html
    assert "Worked solution" in html and "<math" in html
    assert "Worked solution" not in render_html(result)


def test_class_report_html(demo_results: dict[str, Result]) -> None:
    html = render_class_report(list(demo_results.values()), title="Class <report>")
    assert_accessible(html)
    assert "<title>Class &lt;report&gt;</title>" in html
    assert html.count('<rect class="bin') == 10
    assert "assumed-independence" in html and "mallory" in html
    hostile = [one(part("a", "incorrect", 0, 1, given=HOSTILE, note="<b>n</b>"), student=s)
               for s in ("eve", "<i>mallet</i>")]
    html = render_class_report(hostile, title="t")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    assert "&lt;b&gt;n&lt;/b&gt;" in html and "&lt;i&gt;mallet&lt;/i&gt;" in html

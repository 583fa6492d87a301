"""Report formats: each module turns a Result into one output; nothing else changes for a new one.

text        the terminal table (text.py)
json        DESIGN's grader.result/1 (json_report.py)
html        the student's self-contained page (html.py); the class page is class_report.py
junit       JUnit XML for any CI (junit.py)
gradescope  Gradescope's results.json (gradescope.py)
github-classroom  the runner result JSON for GitHub Classroom's reporter (classroom.py)
"""

from __future__ import annotations

from ..result import Result

FORMATS = ("text", "json", "html", "junit", "gradescope", "github-classroom")


def render(result: Result, fmt: str, *, color: bool = False,
           solutions: dict[str, str] | None = None) -> str:
    """The report of `result` in format `fmt` (one of FORMATS).

    `color` applies to "text", `solutions` (exercise id → worked solution Markdown) to
    "html". For "github-classroom" this returns the runner result as JSON; inside
    GitHub Actions the caller should also call
    `classroom.write_classroom_outputs(result, os.environ)`, which writes the base64
    step output `result` and the job summary.
    """
    if fmt == "text":
        from .text import render_text

        return render_text(result, color=color)
    if fmt == "json":
        from .json_report import render_json

        return render_json(result)
    if fmt == "html":
        from .html import render_html

        return render_html(result, solutions=solutions)
    if fmt == "junit":
        from .junit import render_junit

        return render_junit(result)
    if fmt == "gradescope":
        from .gradescope import render_gradescope

        return render_gradescope(result)
    if fmt == "github-classroom":
        from .classroom import render_classroom

        return render_classroom(result)
    raise ValueError(f"unknown report format {fmt!r}")

"""GitHub Classroom: the runner result that `classroom-resources/autograding-grading-reporter`
decodes, and the job summary.

The reporter reads, for each runner id listed in its `runners` input, the environment
variable `<ID>_RESULTS` (upper-cased), base64-decodes it and parses JSON:

    {"version": 1, "status": "pass" | "fail" | "error", "max_score": 45,
     "tests": [{"name", "status": "pass" | "fail" | "error", "score", "message",
                "test_code", "filename", "line_no"}, ...]}

It reports to Classroom `sum(test.score)` out of `max_score`, prints each test with
" - line N" unless `line_no` is 0 and its `test_code` when set, and fails the job when
the top-level status is "fail" or "error". So a workflow step runs
`grader grade ... --format github-classroom` (id `grader`; the CLI calls
`write_classroom_outputs`, which sets the step output `result`), and the reporter step
gets `env: {GRADER_RESULTS: "${{ steps.grader.outputs.result }}"}` and
`with: {runners: grader}`.

Part scores are split into hundredths of a point that add up to the total every other
report shows (the one rounding rule, `common.rounded`). The reporter adds them in
JavaScript floating point, where 0.1 + 0.2 is 0.30000000000000004; so one share may be
nudged by a few units in its last place until that sum is exactly the total, and the
reporter prints "Points 3.17/45", not 3.1700000000000004/45. A part is "pass" only when
correct; partial credit still counts through its score.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..result import PartResult, Result
from .common import (
    AUTHORED,
    STATUS_LABELS,
    STATUS_MARKS,
    detail_lines,
    first_line,
    markdown_line,
    percent,
    points,
    rounded,
    split_scores,
    summing_to,
)


def _message(part: PartResult) -> str:
    head = f"{STATUS_LABELS[part.status]}: {points(part.score)} / {points(part.max_score)} points."
    return "\n".join([head, *detail_lines(part)])


def classroom_result(result: Result) -> dict[str, Any]:
    """The runner result as a dict (before JSON and base64)."""
    split = split_scores(result)
    partial = [i for i, (_, p) in enumerate(result.parts()) if 0 < p.score < p.max_score]
    scores = summing_to([s for s, _ in split], rounded(result.score), partial)
    tests = []
    for (exercise, part), score, (_, max_score) in zip(result.parts(), scores, split,
                                                       strict=True):
        tests.append({
            "name": f"{exercise.id} · {part.id}",
            "status": "pass" if part.status == "correct" else "fail",
            "score": score,
            "max_score": max_score,
            "message": _message(part),
            "test_code": "",
            "filename": "answers.yaml" if part.kind != "function" else "solution.py",
            "line_no": 0,
        })
    everything = all(p.status == "correct" for _, p in result.parts())
    return {"version": 1, "status": "pass" if everything else "fail",
            "max_score": rounded(result.max_score), "tests": tests}


def render_classroom(result: Result) -> str:
    """The runner result as JSON text (what `write_classroom_outputs` base64-encodes)."""
    return json.dumps(classroom_result(result), ensure_ascii=False) + "\n"


def encode_classroom(result: Result) -> str:
    """The base64 value of the step output `result`, as the reporter decodes it."""
    data = json.dumps(classroom_result(result), ensure_ascii=False).encode("utf-8")
    return base64.b64encode(data).decode("ascii")


def summary_markdown(result: Result) -> str:
    """The job summary: the total, a table of parts, and what went wrong in each."""
    pct = percent(result.score, result.max_score)
    lines = [f"### {markdown_line(result.assignment)} · {markdown_line(result.student)}: "
             f"{points(result.score)} / {points(result.max_score)} points ({pct:.0f}%)", "",
             "| Exercise | Part | Status | Points |", "|---|---|---|---:|"]
    for exercise, part in result.parts():
        status = f"{STATUS_MARKS[part.status]} {STATUS_LABELS[part.status]}"
        lines.append(f"| `{exercise.id}` | `{part.id}` | {status} | "
                     f"{points(part.score)} / {points(part.max_score)} |")
    lines.append(f"| **Total** | | | **{points(result.score)} / {points(result.max_score)}** |")
    notes = [(e, p) for e, p in result.parts() if p.status != "correct" and p.feedback]
    if notes:
        lines += ["", "**Feedback**", ""]
        lines += [f"- `{e.id}` · `{p.id}`: "
                  f"{markdown_line(first_line(p.feedback), math=p.status in AUTHORED)}"
                  for e, p in notes]
    return "\n".join(lines) + "\n"


def write_classroom_outputs(result: Result, env: Mapping[str, str]) -> None:
    """Inside GitHub Actions: append `result=<base64>` to $GITHUB_OUTPUT (the step output
    the reporter reads) and the Markdown summary to $GITHUB_STEP_SUMMARY. Each is skipped
    when its variable is unset, so the command also runs outside Actions."""
    output = env.get("GITHUB_OUTPUT")
    if output:
        with Path(output).open("a", encoding="utf-8") as f:
            f.write(f"result={encode_classroom(result)}\n")
    summary = env.get("GITHUB_STEP_SUMMARY")
    if summary:
        with Path(summary).open("a", encoding="utf-8") as f:
            f.write(summary_markdown(result) + "\n")

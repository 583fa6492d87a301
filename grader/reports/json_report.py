"""DESIGN's `grader.result/1` JSON."""

from __future__ import annotations

import json

from ..result import Result


def render_json(result: Result) -> str:
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"

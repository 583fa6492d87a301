"""Report formats: each module turns a Result into one output; nothing else changes for a new one."""

from __future__ import annotations

from ..result import Result

FORMATS = ("text", "json")


def render(result: Result, fmt: str, *, color: bool = False) -> str:
    """The report of `result` in format `fmt` (one of FORMATS)."""
    if fmt == "text":
        from .text import render_text

        return render_text(result, color=color)
    if fmt == "json":
        from .json_report import render_json

        return render_json(result)
    raise ValueError(f"unknown report format {fmt!r}")

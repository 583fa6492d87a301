"""A variant as people see it: prompts rendered with its values, options, expected answers.

Shared by `preview`, `generate` (assignment pages, READMEs, answer keys) and the reports, so
that every output shows the same text for the same variant.
"""

from __future__ import annotations

import re
from typing import Any

from . import expr, render
from .spec import DEFAULT_SIG_FIGS, Part
from .variants import Variant


def context(variant: Variant) -> dict[str, Any]:
    """What templates may use: every param and derived value."""
    return dict(variant.values)


def text(variant: Variant, template: str, key: str) -> str:
    return render.render_template(template, context(variant), file=_file(variant), key=key)


def _file(variant: Variant) -> str | None:
    return str(variant.spec.path) if variant.spec.path else None


def options(variant: Variant, part: Part) -> list[str]:
    return [text(variant, o, f"parts.{part.id}.options") if "{" in o else o
            for o in part.options]


def expected_value(variant: Variant, part: Part) -> Any:
    """numeric: the exact or float value; choice: the option text; symbolic: the Expr."""
    assert part.answer is not None
    if part.kind == "numeric":
        return expr.parse(part.answer, variant.spec.names).evaluate(variant.values)
    if part.kind == "choice":
        chosen = text(variant, part.answer, f"parts.{part.id}.answer").strip()
        for option in options(variant, part):
            if option.casefold() == chosen.casefold():
                return option
        return chosen
    return expr.parse(part.answer, [*variant.spec.names, *(s.name for s in part.symbols)])


def expected_text(variant: Variant, part: Part) -> str:
    """The expected answer as a short string for keys and reports."""
    if part.kind == "function":
        return f"the reference {part.function}() in solutions/{variant.spec.id}.py"
    value = expected_value(variant, part)
    if part.kind == "numeric":
        filters = render.template_env().filters
        # 6 significant figures, not decimals: a value of 2.9e-7 must not show as "0"
        shown = filters["num"](float(f"{value:.6g}")) if isinstance(value, float) \
            else filters["frac"](value)
        return str(shown)
    if part.kind == "symbolic":
        return substituted(variant, part, value)
    return str(value)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def substituted(variant: Variant, part: Part, value: expr.Expr) -> str:
    """A symbolic answer with the variant's parameter values written in.

    Names are replaced in the author's own text (no sympy: it costs half a second to
    import, and graders call this for every symbolic part).
    """
    names = set(variant.spec.names) - {s.name for s in part.symbols}

    def value_of(match: re.Match[str]) -> str:
        name = match.group(0)
        if name not in names or isinstance(variant.values[name], str):
            return name
        shown = _show(variant.values[name])
        return f"({shown})" if shown.startswith("-") or "/" in shown else shown

    return _NAME.sub(value_of, value.text)


def prompt(variant: Variant, part: Part) -> str:
    """A part's prompt; a numeric part that needs other than the default precision says
    so here, so that no output can show the question without it."""
    shown = text(variant, part.prompt, f"parts.{part.id}.prompt") if part.prompt else ""
    if part.kind == "numeric" and part.sig_figs != DEFAULT_SIG_FIGS:
        shown = f"{shown.rstrip()}\n\nGive {part.sig_figs} significant figures.\n"
    if part.kind == "symbolic" and part.coefficient_figures is not None:
        shown = (f"{shown.rstrip()}\n\nNumbers in your formula may be rounded to "
                 f"{part.coefficient_figures} significant figures.\n")
    return shown


def exercise(variant: Variant, *, points_scale: float = 1.0, key: bool = False) -> dict[str, Any]:
    """The context that the page templates and the Markdown README take for one exercise."""
    spec = variant.spec
    parts = []
    for part in spec.parts:
        item: dict[str, Any] = {
            "id": part.id, "kind": part.kind, "points": part.points * points_scale,
            "prompt": prompt(variant, part),
            "options": options(variant, part) if part.kind == "choice" else None,
            "signature": part.signature, "function": part.function,
            "symbols": [{"name": s.name, "meaning": s.meaning} for s in part.symbols] or None,
        }
        if key:
            item["answer"] = expected_text(variant, part)
        parts.append(item)
    view: dict[str, Any] = {
        "id": spec.id, "title": spec.title, "points": spec.points * points_scale,
        "prompt": text(variant, spec.prompt, "prompt"), "parts": parts,
    }
    if key:
        view["params"] = {k: _show(v) for k, v in variant.params.items()}
        view["solution"] = text(variant, spec.solution, "solution") if spec.solution else ""
        view["seed"] = variant.seed
    return view


def show_value(value: object) -> str:
    """A parameter's value as prompts show it."""
    return _show(value)


def _show(value: object) -> str:
    if isinstance(value, float):
        return str(render.template_env().filters["num"](value))
    return str(value)

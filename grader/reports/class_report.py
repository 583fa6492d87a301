"""The class report: how a whole class did, for the instructor.

`class_stats(results)` computes everything as plain data (tests check it, the page shows
it); `render_class_report(results, title=...)` turns it into one self-contained HTML page.

Definitions:

- **difficulty** of a part: the mean share of its points that students earned (a part
  scored 1.5 of 2 counts 0.75; the classical item "p value": higher means easier).
  `correct` is the plain share of students whose status is `correct`.
- **discrimination** of a part: the Pearson correlation between the part's score
  fraction and the student's rest-of-test score (total minus this part), across students;
  for a right/wrong part this is the point-biserial correlation. It is computed against
  the rest of the test so that a part does not correlate with itself. None when it is
  undefined: fewer than two students, or no variation in either quantity.
- **mistakes**: how many students' answers matched each listed mistake (`note`).
- **wrong answers**: incorrect or partly correct answers, compared with all whitespace
  removed, counted per part.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Any

from ..render import page
from ..result import PartResult, Result
from .common import percent, points

BINS = 10
WRONG = frozenset({"incorrect", "partial"})
SHOWN = 15              # rows of the mistakes and wrong-answers tables
ANSWER_CHARS = 80       # a wrong answer longer than this is shortened on the page


def _pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    n = len(xs)
    if n < 2:
        return None
    mx, my = math.fsum(xs) / n, math.fsum(ys) / n
    sxx = math.fsum((x - mx) ** 2 for x in xs)
    syy = math.fsum((y - my) ** 2 for y in ys)
    # Relative thresholds: scores like 1.818182 leave float dust in "constant" columns.
    if sxx <= 1e-12 * max(1.0, mx * mx) * n or syy <= 1e-12 * max(1.0, my * my) * n:
        return None
    sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def _summary(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"mean": None, "median": None, "min": None, "max": None}
    return {"mean": math.fsum(values) / len(values), "median": statistics.median(values),
            "min": min(values), "max": max(values)}


def class_stats(results: Sequence[Result]) -> dict[str, Any]:
    """Statistics of a class's results (see the module docstring for the definitions).

    Returns {"n", "max_score", "score": {mean, median, min, max} in points,
    "percent": the same in percent, "histogram": [{low, high, count}] over percent in
    ten bins (the last includes 100), "parts": [{exercise, part, max_score, n,
    difficulty, correct, discrimination, statuses}], "mistakes": [{exercise, part, note,
    count}], "wrong_answers": [{exercise, part, answer, count}] (both most common first),
    "students": [{student, score, max_score, percent}] in the order given}.
    """
    scores = [r.score for r in results]
    percents = [percent(r.score, r.max_score) for r in results]
    histogram = [{"low": 100 * i / BINS, "high": 100 * (i + 1) / BINS, "count": 0}
                 for i in range(BINS)]
    for p in percents:
        histogram[min(max(int(p * BINS // 100), 0), BINS - 1)]["count"] += 1

    # Parts in the order they first appear; a student without a part is left out of it.
    order: dict[tuple[str, str], int] = {}
    for result in results:
        for exercise, part in result.parts():
            order.setdefault((exercise.id, part.id), len(order))
    parts = []
    mistakes: Counter[tuple[str, str, str]] = Counter()
    wrong: Counter[tuple[str, str, str]] = Counter()
    # each result's parts by key (the first, should one repeat) and its score, once
    indexed: list[tuple[dict[tuple[str, str], PartResult], float]] = []
    for result, score in zip(results, scores, strict=True):
        by_key: dict[tuple[str, str], PartResult] = {}
        for exercise, each in result.parts():
            by_key.setdefault((exercise.id, each.id), each)
        indexed.append((by_key, score))
    for key in order:
        fractions: list[float] = []
        rests: list[float] = []
        maxima: list[float] = []
        statuses: Counter[str] = Counter()
        for by_key, score in indexed:
            if key not in by_key:
                continue
            part = by_key[key]
            fractions.append(part.score / part.max_score if part.max_score else 0.0)
            rests.append(score - part.score)
            statuses[part.status] += 1
            maxima.append(part.max_score)
            if part.note:
                mistakes[(*key, part.note)] += 1
            if part.status in WRONG and part.given is not None:
                wrong[(*key, "".join(part.given.split()))] += 1
        n = len(fractions)
        parts.append({
            "exercise": key[0], "part": key[1], "max_score": max(maxima), "n": n,
            "difficulty": math.fsum(fractions) / n,
            "correct": statuses["correct"] / n,
            "discrimination": _pearson(fractions, rests),
            "statuses": dict(statuses),
        })

    def ranked(counter: Counter[tuple[str, str, str]], field: str) -> list[dict[str, Any]]:
        items = sorted(counter.items(), key=lambda kv: (-kv[1], order[kv[0][:2]], kv[0][2]))
        return [{"exercise": e, "part": p, field: v, "count": c} for (e, p, v), c in items]

    return {
        "n": len(results),
        "max_score": max((r.max_score for r in results), default=0.0),
        "score": _summary(scores),
        "percent": _summary(percents),
        "histogram": histogram,
        "parts": parts,
        "mistakes": ranked(mistakes, "note"),
        "wrong_answers": ranked(wrong, "answer"),
        "students": [{"student": r.student, "score": r.score, "max_score": r.max_score,
                      "percent": percent(r.score, r.max_score)} for r in results],
    }


# Histogram geometry, in SVG user units (the SVG scales to the page width).
# The histogram is drawn without a viewBox, so that it is never scaled: its text stays at
# the size the stylesheet gives it (at least 12 px, on a phone too) however wide the
# chart is drawn. Across, positions are percentages of the width; down, CSS pixels.
HEIGHT, TOP, BOTTOM = 200, 20, 44
GAP = 0.6     # percent of the width on each side of a bar


def _histogram_svg(histogram: list[dict[str, Any]]) -> dict[str, Any]:
    """Bars and labels of the score histogram, positioned for class_report.html.j2."""
    top = max((b["count"] for b in histogram), default=0) or 1
    plot_h = HEIGHT - TOP - BOTTOM
    step = 100 / len(histogram)
    bars = []
    for i, b in enumerate(histogram):
        h = plot_h * b["count"] / top
        label = f"{b['low']:.0f}–{b['high']:.0f}"
        bars.append({"x": i * step + GAP, "y": TOP + plot_h - h, "width": step - 2 * GAP,
                     "height": h, "count": b["count"], "label": label,
                     "center": (i + 0.5) * step, "count_y": TOP + plot_h - h - 4,
                     "title": f"{label}%: {b['count']} student{'' if b['count'] == 1 else 's'}"})
    # The bands' edges are labelled (0, 10, ... 100), which fit a phone's width where
    # "10–20" under each band would not.
    bounds = [b["low"] for b in histogram] + [b["high"] for b in histogram[-1:]]
    edges = [{"x": 100 * k / len(histogram),
              "anchor": "start" if k == 0 else "end" if k == len(histogram) else "middle",
              "label": f"{bound:.0f}"} for k, bound in enumerate(bounds)]
    ticks = sorted({0, top // 2, top}) if top > 1 else [0, 1]
    return {"height": HEIGHT, "bars": bars, "edges": edges, "base": TOP + plot_h,
            "edge_y": TOP + plot_h + 16, "axis_label_y": HEIGHT - 6,
            "ticks": [{"value": t, "y": TOP + plot_h - plot_h * t / top} for t in ticks]}


def _groups(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Parts grouped by exercise (in order), with their numbers formatted for the page."""
    groups: list[dict[str, Any]] = []
    for p in parts:
        if not groups or groups[-1]["exercise"] != p["exercise"]:
            groups.append({"exercise": p["exercise"], "parts": []})
        groups[-1]["parts"].append({
            **p, "max_points": points(p["max_score"]), "difficulty_pct": 100 * p["difficulty"],
            "correct_pct": 100 * p["correct"], "discrimination_text": _fmt(p["discrimination"])})
    return groups


def _short(text: str) -> str:
    return text if len(text) <= ANSWER_CHARS else text[:ANSWER_CHARS - 1] + "…"


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def render_class_report(results: list[Result], *, title: str,
                        handed_in: dict[str, str] | None = None) -> str:
    """The class report as one HTML document: score distribution, per-part difficulty
    and discrimination, the most common mistakes and wrong answers, and every student
    (with `handed_in`: student id → when, and whether late)."""
    stats = class_stats(results)
    handed_in = handed_in or {}
    return page(
        "class_report.html.j2",
        title=title,
        stats=stats,
        assignments=sorted({r.assignment for r in results}),
        summary=[(name, _fmt(stats["score"][key]), _fmt(stats["percent"][key], 0))
                 for name, key in (("Mean", "mean"), ("Median", "median"),
                                   ("Lowest", "min"), ("Highest", "max"))],
        histogram=_histogram_svg(stats["histogram"]),
        part_groups=_groups(stats["parts"]),
        mistakes=stats["mistakes"][:SHOWN],
        wrong_answers=[{**w, "shown": _short(w["answer"])}
                       for w in stats["wrong_answers"][:SHOWN]],
        students=[{**s, "score_text": points(s["score"]), "max_text": points(s["max_score"]),
                   "handed_in": handed_in.get(s["student"], "")}
                  for s in sorted(stats["students"], key=lambda s: s["student"])],
        show_handed_in=bool(handed_in),
        max_points=points(stats["max_score"]),
    )

"""Sample hand-ins for the demo and the tests: full marks, typical mistakes, hostile.

They are written from the assignment itself (each student's own variant), so the demo
shows every status the grader can give without any hand-written data going stale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from . import expr, views
from .assignment import Assignment
from .bank import Bank
from .files import write_atomic
from .spec import Part
from .variants import Variant

Style = Literal["perfect", "mistakes", "hostile"]

HOSTILE_ANSWERS = [
    "__import__('os').system('touch /tmp/grader-pwned')",
    "().__class__.__bases__[0].__subclasses__()",
    "9**9**9**9",
    "lambda: 1",
    "(" * 300 + "1" + ")" * 300,
]

HOSTILE_SOLUTION = '''\
"""A hostile hand-in: every trick should cost its own part only, and change nothing."""

import os

import numpy as np

print('{"status": "ok", "value": 1.0}')       # a forged result on stdout


class Liar(float):
    """Claims to equal everything."""

    def __eq__(self, other):
        return True

    def __sub__(self, other):
        return Liar(0.0)

    def __abs__(self):
        return Liar(0.0)


def posterior_prob(prevalence, sensitivity, fpr):
    os.system("touch /tmp/grader-pwned")      # refused by the sandbox
    return Liar(0.5)


def bernoulli_mle(data):
    while True:                               # a timeout
        pass


def nll_loss(log_probs, target, weight=None, ignore_index=-100, reduction="mean"):
    return [1] * 10**9                        # a memory blow-up


def kl_divergence(p, q):
    raise SystemExit(3)                       # exits the process in the call
'''


def write_submission(assignment: Assignment, student: str, folder: Path, style: Style,
                     mistake: int = 0) -> None:
    """Write answers.yaml and solution.py of one sample hand-in; with style "mistakes",
    each part makes its `mistake`-th listed mistake (parts that list fewer are right)."""
    folder.mkdir(parents=True, exist_ok=True)
    variants = assignment.variants(student)
    lines = [f"# sample hand-in ({style}) of {student}"]
    for n, variant in enumerate(variants):
        parts = [p for p in variant.spec.parts if p.kind != "function"]
        if not parts:
            continue
        lines.append(f"{variant.id}:")
        for i, part in enumerate(parts):
            if style == "hostile":
                answer = HOSTILE_ANSWERS[(n + i) % len(HOSTILE_ANSWERS)]
            else:
                answer = _answer(variant, part, mistake if style == "mistakes" else None)
            lines.append(f"  {part.id}: {_quote(answer)}")
    write_atomic(folder / "answers.yaml", "\n".join(lines) + "\n")
    if style == "hostile":
        write_atomic(folder / "solution.py", HOSTILE_SOLUTION)
    else:
        source = _solution(assignment, variants, mistake if style == "mistakes" else None)
        write_atomic(folder / "solution.py", source)


def _answer(variant: Variant, part: Part, mistake: int | None) -> str:
    answer = part.answer or ""
    if mistake is not None and mistake < len(part.mistakes) and \
            part.mistakes[mistake].answer is not None:
        answer = part.mistakes[mistake].answer or answer
    if part.kind == "numeric":
        value = expr.parse(answer, variant.spec.names).evaluate(variant.values)
        return f"{float(value):.6g}"
    if part.kind == "choice":
        return views.text(variant, answer, part.id) if "{" in answer else answer
    return answer


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def solution_source(bank: Bank, picks: list[tuple[str, dict[str, str]]]) -> str:
    """A solution.py whose functions are taken from reference files.

    `picks` lists (exercise id, {student function name: name in the reference file}); each
    reference file is executed in a namespace of its own, so their helpers cannot clash.
    """
    lines = ['"""Sample hand-in: implementations taken from the reference solutions."""', "",
             "",
             "def _load(source):",
             "    namespace = {'__name__': 'reference'}",
             "    exec(compile(source, 'reference.py', 'exec'), namespace)",
             "    return namespace", ""]
    for n, (exercise_id, names) in enumerate(picks):
        source = bank.solution_path(exercise_id).read_text(encoding="utf-8")
        lines.append(f"_m{n} = _load({source!r})")
        lines += [f"{name} = _m{n}[{impl!r}]" for name, impl in names.items()]
        lines.append("")
    return "\n".join(lines) + "\n"


def _solution(assignment: Assignment, variants: list[Variant], mistake: int | None) -> str:
    """The reference implementations, or the `mistake`-th listed wrong ones."""
    picks = []
    for variant in variants:
        names = {}
        for part in variant.spec.parts:
            if part.kind != "function" or part.function is None:
                continue
            wrong = [m.function for m in part.mistakes if m.function]
            names[part.function] = wrong[mistake] if mistake is not None and \
                mistake < len(wrong) else part.function
        if names:
            picks.append((variant.id, names))
    return solution_source(assignment.bank, picks)

"""`grader validate`: prove that exercises work before students see them.

For each exercise: the spec parses; over many seeds every variant draws within its
constraints and renders; expected answers compute; reference functions exist, their
cases generate and the reference runs on them. Problems are collected, not raised, so one
run reports every broken exercise.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from . import views
from .bank import Bank, reference_cases
from .errors import GraderError
from .spec import Part, Spec
from .variants import Variant, make_variant, variant_seed


@dataclass
class Report:
    id: str
    seeds: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def validate(bank: Bank, ids: Iterable[str] | None = None, *, seeds: int = 30,
             progress: Callable[[Report], None] | None = None) -> list[Report]:
    reports = []
    for exercise_id in (list(ids) if ids else bank.ids):
        report = validate_one(bank, exercise_id, seeds=seeds)
        reports.append(report)
        if progress:
            progress(report)
    return reports


def validate_one(bank: Bank, exercise_id: str, *, seeds: int = 30,
                 code_seeds: int = 1) -> Report:
    report = Report(exercise_id)
    try:
        spec = bank.spec(exercise_id)
        _check_references(bank, spec)
    except GraderError as exc:
        report.problems.append(str(exc))
        return report
    seen: set[tuple[str, str]] = set()
    for i in range(seeds):
        seed = variant_seed("validate", f"seed-{i}", exercise_id)
        try:
            variant = make_variant(spec, seed)
            check_variant(bank, variant)
            prove_answers(variant, seen)
            if i < code_seeds:
                prove_functions(bank, variant)
        except GraderError as exc:
            report.problems.append(f"seed {seed}: {exc}")
            break
        report.seeds += 1
    if report.ok:
        for part in spec.parts:
            for m in part.mistakes:
                if m.answer is not None and part.kind != "function" and \
                        (part.id, m.note) not in seen:
                    report.problems.append(
                        f"part '{part.id}': mistake '{m.note}' never differs from the right "
                        f"answer in {seeds} variants, so it can never be recognised")
    return report


def _check_references(bank: Bank, spec: Spec) -> None:
    functions = [p for p in spec.parts if p.kind == "function"]
    if not functions:
        return
    module = bank.solution(spec.id)
    path = bank.solution_path(spec.id)
    for part in functions:
        assert part.function is not None
        for name in (part.function, f"cases_{part.function}",
                     *(m.function for m in part.mistakes if m.function)):
            if not callable(getattr(module, name, None)):
                raise GraderError(f"{path}: defines no function '{name}' "
                                  f"(needed by part '{part.id}')")


def variant_texts(variant: Variant) -> list[str]:
    """Every Markdown text a student of this variant may see: prompts, the worked
    solution, and each mistake's feedback."""
    view = views.exercise(variant, key=True)
    texts = [view["prompt"], view["solution"], *(p["prompt"] for p in view["parts"])]
    for part in variant.spec.parts:
        for m in part.mistakes:
            texts.append(views.text(variant, m.feedback, f"parts.{part.id}.mistakes.feedback"))
    return texts


def check_variant(bank: Bank, variant: Variant) -> None:
    """Render every text and compute every expected answer of one variant."""
    from .render import math_errors

    spec = variant.spec
    broken = [tex for text in variant_texts(variant) for tex in math_errors(text)]
    if broken:
        raise GraderError(f"{spec.id}: LaTeX that cannot be shown as math: ${broken[0]}$")
    for part in spec.parts:
        if part.kind == "numeric":
            value = views.expected_value(variant, part)
            if (not isinstance(value, (int, float)) and not hasattr(value, "denominator")) or \
                    (isinstance(value, float) and math.isnan(value)):
                raise GraderError(f"{spec.id}: part '{part.id}': the answer is not a number")
        elif part.kind == "choice":
            chosen = views.expected_value(variant, part)
            if chosen not in views.options(variant, part):
                raise GraderError(f"{spec.id}: part '{part.id}': answer '{chosen}' is not one "
                                  "of the options")
        elif part.kind == "function":
            _run_reference(bank, variant, part.function or "")


def prove_answers(variant: Variant, seen: set[tuple[str, str]] | None = None) -> None:
    """The reference answer earns full marks; each mistake earns exactly what it declares.

    `seen` collects (part, note) of the mistakes this variant could tell apart from the
    right answer, so the caller can flag a mistake that no variant ever exercises.
    """
    from .checkers import check_answer

    for part in variant.spec.parts:
        if part.kind == "function":
            continue
        where = f"{variant.spec.id}: part '{part.id}'"
        outcome = check_answer(variant, part, _answer_text(variant, part, part.answer or ""))
        if outcome.status != "correct":
            raise GraderError(f"{where}: the reference answer is graded {outcome.status} "
                              f"({outcome.feedback})")
        for mistake in part.mistakes:
            if mistake.answer is None:
                continue
            outcome = check_answer(variant, part, _answer_text(variant, part, mistake.answer))
            if outcome.status == "correct":
                continue   # this variant happens to make the mistake harmless
            if seen is not None:
                seen.add((part.id, mistake.note))
            if outcome.note != mistake.note or outcome.credit != mistake.credit:
                raise GraderError(
                    f"{where}: mistake '{mistake.note}' is graded as note={outcome.note!r}, "
                    f"credit={outcome.credit:g} instead of credit={mistake.credit:g} "
                    "(does an earlier mistake give the same answer?)")


def prove_functions(bank: Bank, variant: Variant) -> None:
    """Through the real sandbox: the reference function earns full marks, and each wrong
    implementation listed as a mistake earns exactly its note and credit."""
    import tempfile
    from pathlib import Path

    from .checkers.function import check_function
    from .samples import solution_source
    from .sandbox import Sandbox

    for part in variant.spec.parts:
        if part.kind != "function" or part.function is None:
            continue
        impls = [(part.function, None), *((m.function, m) for m in part.mistakes if m.function)]
        for impl, mistake in impls:
            with tempfile.TemporaryDirectory(prefix="grader-validate-") as tmp:
                path = Path(tmp) / "solution.py"
                path.write_text(solution_source(bank, [(variant.id, {part.function: impl})]),
                                encoding="utf-8")
                # the bank's own reference code: behind the boundary where the OS gives it
                with Sandbox(path, isolation="preferred") as box:
                    outcome = check_function(box, bank, variant, part)
            where = f"{variant.spec.id}: part '{part.id}'"
            if mistake is None and outcome.status != "correct":
                raise GraderError(f"{where}: the reference {impl}() is graded {outcome.status} "
                                  f"in the sandbox ({outcome.feedback})")
            if mistake is not None and (outcome.note, outcome.credit) != (mistake.note,
                                                                          mistake.credit):
                raise GraderError(f"{where}: the wrong implementation {impl}() is graded "
                                  f"note={outcome.note!r}, credit={outcome.credit:g} instead of "
                                  f"note={mistake.note!r}, credit={mistake.credit:g}")


def _answer_text(variant: Variant, part: Part, answer: str) -> str:
    """What a student would type for `answer`: a number, the formula, or the option."""
    if part.kind == "numeric":
        from . import expr

        value = expr.parse(answer, variant.spec.names).evaluate(variant.values)
        return repr(float(value))
    if part.kind == "choice" and "{" in answer:
        return views.text(variant, answer, f"parts.{part.id}.answer")
    return answer


def _run_reference(bank: Bank, variant: Variant, function: str) -> None:
    module = bank.solution(variant.spec.id)
    reference = getattr(module, function)
    signature = inspect.signature(reference)
    for case in reference_cases(bank, variant, function):
        try:
            signature.bind(**case)
            reference(**case)
        except Exception as exc:
            raise GraderError(f"{bank.solution_path(variant.spec.id)}: {function}({_short(case)}) "
                              f"failed: {exc!r}") from None


def _short(case: dict[str, object]) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in case.items())
    return text if len(text) < 120 else text[:117] + "..."

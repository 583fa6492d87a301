"""`grader validate`: prove that exercises work before students see them.

For each exercise: the spec parses; over many seeds every variant draws within its
constraints and renders; expected answers compute; reference functions exist, their
cases generate and the reference runs on them. Problems are collected, not raised, so one
run reports every broken exercise.
"""

from __future__ import annotations

import copy
import inspect
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from . import views
from .bank import Bank, reference_cases
from .errors import GraderError
from .spec import Part, Spec
from .variants import MAX_ATTEMPTS, Variant, draw, make_variant, variant_seed

# Enough variants to see an event of 1 in 1,000 with probability 1 - e^-5 (99.3%).
PRECISION_VARIANTS = 5000


@dataclass
class Report:
    id: str
    seeds: int = 0
    problems: list[str] = field(default_factory=list)
    variants: int = 0           # how many variants the precision proof covered

    @property
    def ok(self) -> bool:
        return not self.problems


def validate(bank: Bank, ids: Iterable[str] | None = None, *, seeds: int = 30,
             variants: int = PRECISION_VARIANTS,
             progress: Callable[[Report], None] | None = None) -> list[Report]:
    reports = []
    for exercise_id in (list(ids) if ids else bank.ids):
        report = validate_one(bank, exercise_id, seeds=seeds, variants=variants)
        reports.append(report)
        if progress:
            progress(report)
    return reports


def validate_one(bank: Bank, exercise_id: str, *, seeds: int = 30,
                 code_seeds: int = 1, variants: int = PRECISION_VARIANTS) -> Report:
    report = Report(exercise_id)
    try:
        spec = bank.spec(exercise_id)
        _check_references(bank, spec)
        report.problems += prove_precision(spec, variants)
        report.variants = variants
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
            prove_mutants(bank, variant)
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
                     *(m.function for m in part.mistakes if m.function),
                     *(m.function for m in part.mutants)):
            if not callable(getattr(module, name, None)):
                raise GraderError(f"{path}: defines no function '{name}' "
                                  f"(needed by part '{part.id}')")
        # public examples: the reference must run on each, and its output be writable
        from .examples import public_examples

        public_examples(bank, spec, part)


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
            if mistake is not None and (outcome.note != mistake.note or outcome.credit >= 1
                                        or outcome.credit < mistake.credit):
                raise GraderError(f"{where}: the wrong implementation {impl}() is graded "
                                  f"note={outcome.note!r}, credit={outcome.credit:g} instead of "
                                  f"note={mistake.note!r}, credit from {mistake.credit:g} "
                                  "(its floor) to less than 1")


def prove_mutants(bank: Bank, variant: Variant) -> None:
    """Each function part's cases fall into its checks, and each listed mutant (wrong
    code the author expects students to write) fails some check, or the one it names.
    Mutants are trusted reference code, so they run here, not in the sandbox."""
    from .bank import reference_checks
    from .checkers.function import failing_checks, plan_checks
    from .sandbox import CallResult

    for part in variant.spec.parts:
        if part.kind != "function" or part.function is None:
            continue
        module = bank.solution(variant.spec.id)
        where = f"{variant.spec.id}: part '{part.id}'"
        tagged = reference_checks(bank, variant, part.function)
        try:
            checks = plan_checks(part, tagged)
        except GraderError as exc:
            raise GraderError(f"{variant.spec.id}: {exc}") from None
        cases = [case for _, case in tagged]
        for mutant in part.mutants:
            results = {}
            for i, case in enumerate(cases):
                try:
                    value = getattr(module, mutant.function)(**copy.deepcopy(case))
                    results[i] = CallResult("ok", value)
                except Exception as exc:
                    results[i] = CallResult("error", message=f"{type(exc).__name__}: {exc}")
            reference = getattr(module, part.function)
            failed = [c.name for c, _, _ in failing_checks(part, checks, cases, results, reference)]
            if not failed:
                raise GraderError(f"{where}: mutant {mutant.function}() passes every check")
            if mutant.check is not None and mutant.check not in failed:
                raise GraderError(f"{where}: mutant {mutant.function}() is not caught by check "
                                  f"'{mutant.check}' (only by {', '.join(failed)})")


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


# --------------------------------------------------------------------------- precision

def _seed(exercise_id: str, i: int) -> int:
    return variant_seed("validate", f"seed-{i}", exercise_id)


def draw_many(spec: Spec, seeds: list[int]) -> dict[str, Any]:
    """The float values (params and derived) of the variants of `seeds`, as NumPy arrays:
    the same draws and redraws as `make_variant`, with derived values and constraints
    evaluated for all variants at once (a GraderError if some seed never meets them).

    A parameter is drawn only for the variants still alive when a constraint first needs
    it, and the constraints with the fewest parameters go first: draws are independent
    per (seed, attempt, name), so the values are the same as drawing everything, at a
    fraction of the hashing when constraints reject most draws."""
    import numpy as np

    from . import expr

    params = {p.name: p for p in spec.params}
    derived = {name: expr.parse(text, spec.names) for name, text in spec.derived}
    constraints = [expr.parse(c, spec.names, allow_compare=True) for c in spec.constraints]

    def roots(names: frozenset[str]) -> set[str]:
        return {r for n in names
                for r in (roots(derived[n].names) if n in derived else {n})}

    constraints.sort(key=lambda c: len(roots(c.names)))
    # How often each check has rejected: after the first attempt the most rejecting go
    # first, so that few parameters are hashed for draws that fail anyway.
    tested = [0] * len(constraints)
    rejected = [0] * len(constraints)
    values = {name: np.full(len(seeds), np.nan) for name in [*params, *derived]}
    pending = np.arange(len(seeds))
    for attempt in range(MAX_ATTEMPTS):
        draws = _Draws(params, derived, [seeds[i] for i in pending], attempt)
        order = sorted(range(len(constraints)),
                       key=lambda k: -rejected[k] / tested[k] if tested[k] else 0.0)
        for k in [*order, *range(len(constraints), len(constraints) + len(derived))]:
            if not draws.alive.any():
                break
            check = constraints[k] if k < len(constraints) else \
                list(derived.values())[k - len(constraints)]     # must be defined
            result = np.broadcast_to(draws.evaluate(check), (int(draws.alive.sum()),))
            ok = result if result.dtype == bool else ~np.isnan(result)
            if k < len(constraints):
                tested[k] += len(ok)
                rejected[k] += int((~ok).sum())
            draws.alive[draws.alive] = ok
        alive = draws.alive
        if alive.any():
            draws.need(frozenset(values))
            for name in values:
                values[name][pending[alive]] = draws.env[name][alive]
        pending = pending[~alive]
        if not len(pending):
            return values
    raise GraderError(f"constraints never met in {MAX_ATTEMPTS} draws (seed {seeds[pending[0]]})")


class _Draws:
    """One attempt's values for the variants still pending, drawn only when needed and
    only for the variants still `alive` (meeting every constraint tried so far)."""

    def __init__(self, params: dict[str, Any], derived: dict[str, Any], seeds: list[int],
                 attempt: int) -> None:
        import numpy as np

        self.params, self.derived, self.seeds, self.attempt = params, derived, seeds, attempt
        self.alive = np.ones(len(seeds), dtype=bool)
        self.env: dict[str, Any] = {}

    def need(self, names: frozenset[str]) -> None:
        import numpy as np

        from . import expr

        for name in names:
            if name in self.env:
                continue
            column = np.full(len(self.seeds), np.nan)
            if name in self.params:
                column[self.alive] = [
                    _number(draw(self.params[name], self.seeds[i], self.attempt))
                    for i in np.flatnonzero(self.alive)]
            else:
                column[self.alive] = expr.evaluate_many(
                    self.derived[name], self._alive_env(self.derived[name].names))
            self.env[name] = column

    def evaluate(self, expression: Any) -> Any:
        from . import expr

        return expr.evaluate_many(expression, self._alive_env(expression.names))

    def _alive_env(self, names: frozenset[str]) -> dict[str, Any]:
        self.need(names)
        return {n: self.env[n][self.alive] for n in names}


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan      # a text choice: no expression can use it


def prove_precision(spec: Spec, count: int = PRECISION_VARIANTS) -> list[str]:
    """Over `count` variants, for every numeric part: the right answer rounded to the
    part's significant figures is accepted, and no listed mistake comes near the accepted
    interval (the intervals around the right value and around the mistake's value do not
    meet, so a rounded mistake is never taken for the right answer, nor the reverse).
    One problem per broken part and mistake, with a seed that shows it."""
    from . import expr
    from .checkers.numeric import accepted, half_width, round_sig

    numeric = [p for p in spec.parts if p.kind == "numeric"]
    if not numeric or count <= 0:
        return []
    seeds = [_seed(spec.id, i) for i in range(count)]
    values = draw_many(spec, seeds)
    problems = []
    for part in numeric:
        assert part.answer is not None and part.tolerance is not None
        tol, figures = part.tolerance, part.sig_figs
        right = expr.evaluate_many(expr.parse(part.answer, spec.names), values)
        right = [float(v) for v in right.reshape(-1)] if right.ndim else [float(right)] * count
        refused = [i for i, e in enumerate(right)
                   if math.isfinite(e) and not accepted(round_sig(e, figures), e, figures, tol)]
        if refused:
            problems.append(_precision_problem(
                spec, part.id, seeds[refused[0]], len(refused), count,
                f"the right answer rounded to {figures} significant figures is refused"))
        for mistake in part.mistakes:
            if mistake.answer is None:
                continue
            wrong = expr.evaluate_many(expr.parse(mistake.answer, spec.names), values)
            wrong = [float(v) for v in wrong.reshape(-1)] if wrong.ndim else [float(wrong)] * count
            near = [i for i, (e, m) in enumerate(zip(right, wrong, strict=True))
                    if _too_close(e, m, figures, tol, half_width)]
            if near:
                problems.append(_precision_problem(
                    spec, part.id, seeds[near[0]], len(near), count,
                    f"mistake '{mistake.note}' is within reach of the accepted interval "
                    f"(two intervals of {figures} significant figures meet)"))
    return problems


def _too_close(right: float, wrong: float, figures: int, tol: Any,
               half_width: Callable[[float, int, Any], float]) -> bool:
    if math.isnan(wrong) or math.isnan(right):
        return False        # a mistake undefined here cannot be matched
    if math.isinf(wrong) or math.isinf(right):
        return wrong == right
    return abs(wrong - right) <= half_width(right, figures, tol) + half_width(wrong, figures, tol)


def _precision_problem(spec: Spec, part_id: str, seed: int, failures: int, count: int,
                       what: str) -> str:
    """One line for a broken part, with the exact values of its first failing variant."""
    shown = ""
    try:
        variant = make_variant(spec, seed)
        part = spec.part(part_id)
        shown = f"; there the right value is {float(views.expected_value(variant, part)):.6g}"
        if "mistake '" in what:
            from .checkers.numeric import mistake_value

            note = what.split("'")[1]
            mistake = next(m for m in part.mistakes if m.note == note)
            shown += f" and the mistake's {mistake_value(variant, mistake):.6g}"
    except GraderError:
        pass
    return (f"part '{part_id}': {what} in {failures} of {count} variants "
            f"(e.g. seed {seed}{shown})")

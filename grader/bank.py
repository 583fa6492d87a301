"""Banks: a folder holding exercises/<topic>/<name>.yaml and solutions/<topic>/<name>.py.

The bundled bank travels inside the wheel (grader/_bank); in a source checkout it is the
repository's own exercises/ and solutions/.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from .errors import BankError, SpecError
from .spec import Spec, load_spec

if TYPE_CHECKING:
    from .variants import Variant


def bundled_root() -> Path:
    package = Path(__file__).resolve().parent
    inside = package / "_bank"
    if (inside / "exercises").is_dir():
        return inside
    return package.parent


@dataclass(frozen=True)
class Summary:
    id: str
    title: str
    topic: str
    kinds: tuple[str, ...]
    points: float


class Bank:
    """The exercises and reference solutions under one root folder."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root).resolve() if root is not None else bundled_root()
        self.exercises_dir = self.root / "exercises"
        self.solutions_dir = self.root / "solutions"
        if not self.exercises_dir.is_dir():
            raise BankError("not a bank: it has no exercises/ folder", file=self.root)
        self._specs: dict[str, Spec] = {}
        self._modules: dict[str, ModuleType] = {}

    def __repr__(self) -> str:
        return f"Bank({str(self.root)!r})"

    @cached_property
    def ids(self) -> tuple[str, ...]:
        found = sorted(p.relative_to(self.exercises_dir).with_suffix("").as_posix()
                       for p in self.exercises_dir.glob("*/*.yaml"))
        return tuple(found)

    def spec_path(self, exercise_id: str) -> Path:
        return self.exercises_dir / f"{exercise_id}.yaml"

    def spec(self, exercise_id: str) -> Spec:
        """The checked spec of one exercise (loaded once per Bank)."""
        if exercise_id not in self._specs:
            path = self.spec_path(exercise_id)
            if exercise_id not in self.ids or not path.is_file():
                hint = _closest(exercise_id, self.ids)
                raise BankError(f"no exercise '{exercise_id}'{hint}", file=self.exercises_dir)
            self._specs[exercise_id] = load_spec(path, exercise_id)
        return self._specs[exercise_id]

    def summary(self, exercise_id: str) -> Summary:
        """What `grader list` shows, read without the full checks (templates, schema,
        expressions) that `spec()` and `grader validate` make: listing stays fast."""
        from . import yamlfile

        path = self.spec_path(exercise_id)
        data = yamlfile.load(path, SpecError).data
        try:
            parts = data["parts"]
            return Summary(
                id=exercise_id, title=str(data["title"]), topic=str(data["topic"]),
                kinds=tuple(sorted({str(p["kind"]) for p in parts})),
                points=float(sum(float(p["points"]) for p in parts)))
        except (KeyError, TypeError, ValueError) as exc:
            raise SpecError(f"malformed spec ({exc!r}); run `grader validate {exercise_id}`",
                            file=path) from None

    def solution_path(self, exercise_id: str) -> Path:
        return self.solutions_dir / f"{exercise_id}.py"

    def solution(self, exercise_id: str) -> ModuleType:
        """The reference module of an exercise's function parts (trusted instructor code)."""
        if exercise_id in self._modules:
            return self._modules[exercise_id]
        path = self.solution_path(exercise_id)
        if not path.is_file():
            raise BankError("missing reference solution for the function parts", file=path)
        name = "grader_reference_" + exercise_id.replace("/", "__").replace("-", "_")
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise BankError("cannot load the reference solution", file=path)
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        try:
            module_spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[name]
            raise BankError(f"the reference solution failed to import: {exc!r}",
                            file=path) from None
        self._modules[exercise_id] = module
        return module


def _closest(name: str, options: tuple[str, ...]) -> str:
    from .suggest import did_you_mean

    return did_you_mean(name, options)


def reference_cases(bank: Bank, variant: Variant, function: str) -> list[dict[str, object]]:
    """The inputs of a function part for this variant: fixed edge cases, then random ones,
    from the reference's `cases_<function>(rng, params)` with the variant's seed."""
    return [case for _, case in reference_checks(bank, variant, function)]


def reference_checks(bank: Bank, variant: Variant,
                     function: str) -> list[tuple[str | None, dict[str, object]]]:
    """The same inputs with the check each belongs to: `cases_<function>` yields a dict
    of keyword arguments, or a pair (check name, dict); a bare dict has no check (None)."""
    import numpy as np

    path = bank.solution_path(variant.spec.id)
    make_cases = getattr(bank.solution(variant.spec.id), f"cases_{function}")
    rng = np.random.default_rng(variant.seed)
    try:
        raw = list(make_cases(rng, dict(variant.params)))
    except Exception as exc:
        raise BankError(f"cases_{function} failed: {exc!r}", file=path) from None
    tagged: list[tuple[str | None, dict[str, object]]] = []
    for item in raw:
        if isinstance(item, dict):
            tagged.append((None, item))
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str) \
                and isinstance(item[1], dict):
            tagged.append((item[0], item[1]))
        else:
            raise BankError(f"cases_{function} must yield dicts of keyword arguments or "
                            f"(check name, dict) pairs, not {type(item).__name__}", file=path)
    if not tagged:
        raise BankError(f"cases_{function} must yield at least one case", file=path)
    return tagged

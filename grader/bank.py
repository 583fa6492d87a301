"""Banks: a folder holding exercises/<topic>/<name>.yaml and solutions/<topic>/<name>.py.

The bundled bank travels inside the wheel (grader/_bank); in a source checkout it is the
repository's own exercises/ and solutions/. An assignment may draw from several banks at
once (say the bundled one and the instructor's): a `Bank` then searches all their roots,
and an id found in two of them is refused rather than taken from either.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from .errors import BankError, SpecError
from .spec import Spec, load_spec

if TYPE_CHECKING:
    from .variants import Variant

# How an assignment file (and `--bank`) names the bank that ships with the package.
BUNDLED = "bundled"


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
    """The exercises and reference solutions under one root folder, or several.

    `Bank()` is the bundled bank, `Bank(root)` one folder, `Bank.combine([...])` several
    searched as one (None in the list stands for the bundled bank).
    """

    def __init__(self, root: Path | str | None = None) -> None:
        self.roots: tuple[Path, ...] = (_checked_root(root),)
        self._specs: dict[str, Spec] = {}
        self._modules: dict[str, ModuleType] = {}

    @classmethod
    def combine(cls, roots: Sequence[Path | str | None]) -> Bank:
        if not roots:
            raise BankError("no bank given")
        bank = cls(roots[0])
        checked = [_checked_root(r) for r in roots]
        if len(set(checked)) != len(checked):
            raise BankError("a bank is listed twice", file=checked[0])
        bank.roots = tuple(checked)
        return bank

    @property
    def root(self) -> Path:
        """The first root: where a single bank lives (what messages name)."""
        return self.roots[0]

    @property
    def is_bundled(self) -> bool:
        return self.roots == (bundled_root(),)

    def __repr__(self) -> str:
        inner = ", ".join(repr(str(r)) for r in self.roots)
        return f"Bank({inner})" if len(self.roots) == 1 else f"Bank.combine([{inner}])"

    def describe(self) -> str:
        """The roots for people: `the bundled bank`, a folder, or several."""
        return " + ".join("the bundled bank" if r == bundled_root() else str(r)
                          for r in self.roots)

    @cached_property
    def _owners(self) -> dict[str, tuple[Path, ...]]:
        """Each exercise id → the roots holding it (more than one: ambiguous)."""
        owners: dict[str, tuple[Path, ...]] = {}
        for root in self.roots:
            exercises = root / "exercises"
            for path in exercises.glob("*/*.yaml"):
                exercise_id = path.relative_to(exercises).with_suffix("").as_posix()
                owners[exercise_id] = (*owners.get(exercise_id, ()), root)
        return dict(sorted(owners.items()))

    @cached_property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._owners)

    def owner(self, exercise_id: str) -> Path:
        """The root holding `exercise_id`; an error if none or several do."""
        roots = self._owners.get(exercise_id, ())
        if len(roots) > 1:
            raise BankError(f"exercise '{exercise_id}' is in {len(roots)} banks ("
                            + ", ".join(str(r) for r in roots)
                            + "): rename one copy (its topic folder is yours to choose) or "
                            "list one bank", file=roots[0] / "exercises")
        if not roots:
            hint = _closest(exercise_id, self.ids)
            raise BankError(f"no exercise '{exercise_id}'{hint}",
                            file=" + ".join(str(r / "exercises") for r in self.roots))
        return roots[0]

    def spec_path(self, exercise_id: str) -> Path:
        root = self._owners.get(exercise_id, (self.root,))[0]
        return root / "exercises" / f"{exercise_id}.yaml"

    def spec(self, exercise_id: str) -> Spec:
        """The checked spec of one exercise (loaded once per Bank)."""
        if exercise_id not in self._specs:
            path = self.owner(exercise_id) / "exercises" / f"{exercise_id}.yaml"
            if not path.is_file():
                raise BankError(f"no exercise '{exercise_id}'", file=path)
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
        root = self._owners.get(exercise_id, (self.root,))[0]
        return root / "solutions" / f"{exercise_id}.py"

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


def _checked_root(root: Path | str | None) -> Path:
    path = Path(root).resolve() if root is not None else bundled_root()
    if not (path / "exercises").is_dir():
        raise BankError("not a bank: it has no exercises/ folder", file=path)
    return path


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

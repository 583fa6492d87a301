"""`grader new-exercise` and `grader schema`: a commented starting point for an author.

The new spec names its JSON Schema by a relative path to a copy kept at the top of the
bank (`exercise.schema.json`), so an editor's YAML language server finds it wherever the
bank lives, with no path of the package's installation written into the spec.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .errors import BankError
from .files import write_atomic
from .yamlfile import schema

SCHEMA_FILE = "exercise.schema.json"
ID = re.compile(r"^[a-z0-9][a-z0-9_-]*/[a-z0-9][a-z0-9_-]*$")

_SPEC = """\
# yaml-language-server: $schema=../../{schema_file}
# A new exercise, ready to edit: every key below is explained where it is used, and
# `grader schema` prints the whole format. Check it, from the folder holding the bank, with
#     grader validate {id} --bank {bank}
# which proves, over many students' variants, that the reference earns full marks and
# each listed mistake earns what it says.
id: {id}                  # the path under exercises/ without .yaml
title: {title}
topic: {topic}                  # the folder under exercises/: any name you choose
params:                         # drawn for each student, reproducibly
  p: {{uniform: [0.1, 0.9], digits: 2}}   # or {{int: [lo, hi]}}, {{choice: [a, b, c]}},
  n: {{int: [10, 50]}}                    # {{fraction: {{num: [lo, hi], den: [lo, hi]}}}}
derived:                        # expressions over the params (the answers' language)
  mean: n * p
constraints: ["mean > 2"]       # redrawn until every one holds
# The prompt is Markdown with $inline$ and $$display$$ LaTeX; {{{{ name }}}} puts a value in,
# with filters such as pct (0.0123 -> 1.23%), num, frac, tfrac, sci and odds.
prompt: |
  A generative model emits a $1$ with probability $p = {{{{ p }}}}$, independently, in each
  of $n = {{{{ n }}}}$ draws.
parts:
  - id: expected
    kind: numeric               # numeric | symbolic | choice | function
    points: 2
    prompt: What is the expected number of ones?
    answer: mean
    mistakes:                   # targeted feedback for a known wrong answer
      - note: one-draw          # names the misconception in reports
        answer: p
        feedback: That is the chance of a one in a single draw; there are $n$ draws.
        credit: 0
  - id: formula
    kind: symbolic
    points: 1
    prompt: >-
      Write the expected number of ones in $m$ draws as a formula in $m$ and $q$, where
      $q$ is the probability of a one.
    symbols:                    # compared for equivalence over these domains
      m: {{domain: [1, 100], meaning: number of draws, integer: true}}
      q: {{domain: [0, 1], meaning: probability of a one}}
    answer: m*q
  - id: independent
    kind: choice
    points: 1
    prompt: Are two different draws independent here?
    options: ["yes", "no"]
    answer: "yes"
  - id: code
    kind: function
    points: 2
    prompt: Return the expected number of ones for an array of per-draw probabilities.
    function: expected_ones     # solutions/{id}.py defines it and cases_expected_ones
    signature: "expected_ones(probs: np.ndarray) -> float"
    mistakes:
      - note: mean-not-sum
        function: mean_not_sum  # a wrong implementation, also in the solution file
        feedback: Your function averages the probabilities; the expectation adds them.
solution: |
  Each draw adds $p$ to the expectation, so $E = np = {{{{ mean | num }}}}$.
"""

_SOLUTION = '''\
"""Reference for {id}: the functions of its function parts, and their test cases."""

import numpy as np


def expected_ones(probs: np.ndarray) -> float:
    return float(np.sum(probs))


def cases_expected_ones(rng, params):
    """Keyword arguments for each call: fixed edge cases first, then random ones drawn
    with `rng` (seeded from the student's variant)."""
    yield {{"probs": np.full(int(params["n"]), float(params["p"]))}}
    yield {{"probs": np.array([0.0])}}
    yield {{"probs": np.array([1.0, 1.0, 0.5])}}
    for _ in range(10):
        yield {{"probs": rng.uniform(0, 1, size=int(rng.integers(1, 40)))}}


def mean_not_sum(probs: np.ndarray) -> float:
    """The mean-not-sum mistake, named by the spec: `grader validate` checks it is caught."""
    return float(np.mean(probs))
'''


def schema_text(name: str = "exercise") -> str:
    """The published JSON Schema of exercise specs (or "assignment" files)."""
    return json.dumps(schema(name), indent=2) + "\n"


def new_exercise(bank: Path, exercise_id: str, title: str | None = None) -> list[Path]:
    """Write a starting spec, its reference solution and the bank's schema copy; return
    the files written. Existing specs and solutions are never overwritten."""
    if not ID.match(exercise_id):
        raise BankError(f"{exercise_id!r} is not of the form topic/name (lower-case letters, "
                        "digits, - and _)")
    topic = exercise_id.split("/")[0]
    spec_path = bank / "exercises" / f"{exercise_id}.yaml"
    solution_path = bank / "solutions" / f"{exercise_id}.py"
    for path in (spec_path, solution_path):
        if path.exists():
            raise BankError("already exists; choose another id", file=path)
    title = title or exercise_id.split("/")[1].replace("-", " ").replace("_", " ").capitalize()
    fields = {"id": exercise_id, "topic": topic, "title": json.dumps(title),
              "bank": bank.resolve().name, "schema_file": SCHEMA_FILE}
    written = []
    schema_path = bank / SCHEMA_FILE
    try:
        # Refreshed each time, so that it follows the installed grader's format.
        write_atomic(schema_path, schema_text())
        write_atomic(spec_path, _SPEC.format(**fields))
        write_atomic(solution_path, _SOLUTION.format(**fields))
    except OSError as exc:
        raise BankError(f"cannot write the new exercise: {exc.strerror or exc}",
                        file=exc.filename or bank) from None
    written += [spec_path, solution_path, schema_path]
    return written

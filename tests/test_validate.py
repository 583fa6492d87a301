"""`grader validate` proves exercises, and catches each way an author can get one wrong."""

from __future__ import annotations

from grader.bank import Bank
from grader.validate import validate_one

from .conftest import minimal_spec

FUNCTION_SPEC = """\
id: mle/tiny
title: Tiny code
topic: mle
params:
  n: {int: [2, 5]}
prompt: Go.
parts:
  - id: code
    kind: function
    points: 2
    function: twice
    signature: "twice(x: float) -> float"
    mistakes:
      - note: %(note)s
        function: %(wrong)s
        feedback: Doubling, not adding.
        credit: 0.5
"""

FUNCTION_REF = """\
def twice(x):
    return 2 * x

def plus_two(x):
    return x + 2

def also_twice(x):
    return x * 2

def cases_twice(rng, params):
    yield {"x": 3.0}
    for _ in range(5):
        yield {"x": float(rng.uniform(-5, 5))}
"""


def test_reference_answer_must_earn_full_marks(make_bank) -> None:
    spec = minimal_spec("bayes/tiny") + (
        "    mistakes:\n      - note: halved\n        answer: p/2\n"
        "        feedback: Same as the answer.\n")
    root = make_bank({"bayes/tiny": spec})
    report = validate_one(Bank(root), "bayes/tiny", seeds=5)
    assert not report.ok
    assert "mistake 'halved' never differs from the right answer" in report.problems[0]


def test_two_mistakes_with_one_answer_are_caught(make_bank) -> None:
    spec = minimal_spec("bayes/tiny") + (
        "    mistakes:\n"
        "      - {note: first, answer: p, feedback: One., credit: 0.5}\n"
        "      - {note: second, answer: p*1, feedback: Two.}\n")
    root = make_bank({"bayes/tiny": spec})
    report = validate_one(Bank(root), "bayes/tiny", seeds=5)
    assert not report.ok
    assert "mistake 'second' is graded as note='first'" in report.problems[0]


def test_function_mistakes_are_proved_in_the_sandbox(make_bank) -> None:
    good = make_bank({"mle/tiny": FUNCTION_SPEC % {"note": "adds", "wrong": "plus_two"}},
                     {"mle/tiny": FUNCTION_REF})
    assert validate_one(Bank(good), "mle/tiny", seeds=3).ok


def test_a_function_mistake_equal_to_the_reference_is_caught(make_bank) -> None:
    root = make_bank({"mle/tiny": FUNCTION_SPEC % {"note": "same", "wrong": "also_twice"}},
                     {"mle/tiny": FUNCTION_REF})
    report = validate_one(Bank(root), "mle/tiny", seeds=3)
    assert not report.ok
    assert "also_twice() is graded note=None, credit=1" in report.problems[0]


def test_missing_reference_function_is_reported(make_bank) -> None:
    root = make_bank({"mle/tiny": FUNCTION_SPEC % {"note": "adds", "wrong": "plus_three"}},
                     {"mle/tiny": FUNCTION_REF})
    report = validate_one(Bank(root), "mle/tiny", seeds=3)
    assert not report.ok
    assert "defines no function 'plus_three'" in report.problems[0]


def test_broken_cases_generator_is_reported(make_bank) -> None:
    root = make_bank({"mle/tiny": FUNCTION_SPEC % {"note": "adds", "wrong": "plus_two"}},
                     {"mle/tiny": FUNCTION_REF.replace('yield {"x": 3.0}', 'yield {"y": 3.0}')})
    report = validate_one(Bank(root), "mle/tiny", seeds=3)
    assert not report.ok
    assert "twice(y=3.0) failed" in report.problems[0]


def test_latex_typo_is_reported(make_bank) -> None:
    spec = minimal_spec("bayes/tiny").replace("Let $p = {{ p }}$.", r"Let $\frca{p}{2}$.")
    report = validate_one(Bank(make_bank({"bayes/tiny": spec})), "bayes/tiny", seeds=2)
    assert not report.ok
    assert "LaTeX that cannot be shown as math" in report.problems[0]

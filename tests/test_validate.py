"""`grader validate` proves exercises, and catches each way an author can get one wrong."""

from __future__ import annotations

import math

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
    report = validate_one(Bank(root), "bayes/tiny", seeds=5, variants=200)
    assert not report.ok
    assert "mistake 'halved' is within reach of the accepted interval" in report.problems[0]
    assert "in 200 of 200 variants" in report.problems[0]


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


RARE_SPEC = """\
id: bayes/rare
title: Rare
topic: bayes
params:
  n: {int: [1, 1000]}
derived:
  share: n / 1000
prompt: Go.
parts:
  - id: share
    kind: numeric
    points: 1
    answer: share
    mistakes:
      - note: off-at-17
        # equal to the answer only when n = 17: an event of 1 in 1,000
        answer: share + (n - 17)^2
        feedback: Wrong.
"""


def test_the_precision_proof_finds_a_one_in_a_thousand_event_with_its_seed(make_bank) -> None:
    from grader.variants import make_variant

    bank = Bank(make_bank({"bayes/rare": RARE_SPEC}))
    report = validate_one(bank, "bayes/rare", seeds=3)
    assert not report.ok
    problem = report.problems[0]
    assert problem.startswith("part 'share': mistake 'off-at-17' is within reach of the "
                              "accepted interval")
    seed = int(problem.split("e.g. seed ")[1].split(";")[0])
    assert make_variant(bank.spec("bayes/rare"), seed).values["n"] == 17


def test_a_too_narrow_tolerance_is_not_possible_and_a_wide_one_is_caught(make_bank) -> None:
    """A `tolerance` only widens the 3-figure interval; widened onto a mistake, the proof
    says so."""
    wide = RARE_SPEC.replace("    answer: share\n", "    answer: share\n    tolerance: {rel: 0.5}\n"
                             ).replace("share + (n - 17)^2", "share*1.3")
    report = validate_one(Bank(make_bank({"bayes/rare": wide})), "bayes/rare", seeds=3,
                          variants=300)
    assert "mistake 'off-at-17' is within reach" in report.problems[0]
    assert "in 300 of 300 variants" in report.problems[0]


def test_many_at_once_draws_are_the_variants_draws() -> None:
    """The proof's vectorised draws reproduce make_variant's values, seed by seed, for
    every exercise of the bank (a value exactly on a constraint's boundary may come out
    differently in floating point: allowed for 1 variant in 200 at most)."""
    from grader.validate import _seed, draw_many
    from grader.variants import make_variant

    bank = Bank()
    for exercise_id in bank.ids:
        spec = bank.spec(exercise_id)
        seeds = [_seed(exercise_id, i) for i in range(200)]
        many = draw_many(spec, seeds)
        differ = 0
        for i, seed in enumerate(seeds):
            exact = make_variant(spec, seed).values
            numbers = {k: float(v) for k, v in exact.items() if not isinstance(v, str)}
            differ += any(not math.isclose(many[k][i], v, rel_tol=1e-9, abs_tol=1e-12)
                          and not (math.isinf(v) and many[k][i] == v)
                          for k, v in numbers.items())
        assert differ <= 1, exercise_id


CHECKED_SPEC = """\
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
    checks: {positive: 3, negative: 1}
    mutants: %(mutants)s
"""

CHECKED_REF = """\
def twice(x):
    return 2 * x

def abs_twice(x):
    return 2 * abs(x)

def also_twice(x):
    return x + x

def cases_twice(rng, params):
    yield "positive", {"x": 3.0}
    yield {"x": 1.5}                      # untagged: the first check
    yield "negative", {"x": -2.0}
"""


def test_a_mutant_must_be_caught_by_some_check_and_the_one_it_names(make_bank) -> None:
    def problems(mutants: str) -> list[str]:
        root = make_bank({"mle/tiny": CHECKED_SPEC % {"mutants": mutants}},
                         {"mle/tiny": CHECKED_REF})
        return validate_one(Bank(root), "mle/tiny", seeds=2).problems

    assert problems("[abs_twice]") == []
    assert problems("[{function: abs_twice, check: negative}]") == []
    assert "mutant also_twice() passes every check" in problems("[also_twice]")[0]
    assert "mutant abs_twice() is not caught by check 'positive' (only by negative)" in \
        problems("[{function: abs_twice, check: positive}]")[0]


def test_checks_must_match_the_cases(make_bank) -> None:
    root = make_bank({"mle/tiny": CHECKED_SPEC.replace("negative: 1", "zero: 1")
                      % {"mutants": "[]"}}, {"mle/tiny": CHECKED_REF})
    problems = validate_one(Bank(root), "mle/tiny", seeds=2).problems
    assert "a case belongs to check 'negative', which the spec's checks do not list " \
           "(positive, zero)" in problems[0]
    root = make_bank({"mle/tiny": CHECKED_SPEC.replace("negative: 1", "negative: 1, zero: 1")
                      % {"mutants": "[]"}}, {"mle/tiny": CHECKED_REF})
    assert "check 'zero' has no case" in validate_one(Bank(root), "mle/tiny", seeds=2).problems[0]


def test_the_bank_lists_mutants_that_its_checks_catch() -> None:
    """nll-loss and kl-divergence name the checks that catch the issue's wrong code."""
    bank = Bank()
    mutants = {(e, m.function): m.check for e in ("nll/nll-loss", "information/kl-divergence")
               for p in bank.spec(e).parts for m in p.mutants}
    assert mutants[("nll/nll-loss", "nll_kdim_broken")] == "K-dimensional"
    assert mutants[("information/kl-divergence", "kl_inf_where_both_zero")] == \
        "zeros in p and q"
    for exercise_id in ("nll/nll-loss", "information/kl-divergence"):
        assert validate_one(bank, exercise_id, seeds=10, variants=0).ok

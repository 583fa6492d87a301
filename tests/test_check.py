"""`grader check` on graded work: useful checks without the key."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.expr import parse
from grader.readback import readback

ASSIGNMENT = """\
name: hw1
salt: fall-2026
exercises:
  - bayes/medical-test
  - mle/bernoulli
"""


@pytest.mark.parametrize(("text", "shown"), [
    ("s*p/(s*p+f*(1-p))", "s·p / (s·p + f·(1 - p))"),
    ("a/b*c", "a·c / b"),                 # what a student who meant a/(b*c) needs to see
    ("a/(b*c)", "a / (b·c)"),
    ("a^b^c", "a^(b^c)"),
    ("2^-1", "2^(-1)"),
    ("-x^2", "-x^2"),
    ("a-(b-c)", "a - (b - c)"),
    ("binomial(n,k)*p^k*(1-p)^(n-k)", "binomial(n, k)·p^k·(1 - p)^(n - k)"),
])
def test_readback_writes_out_every_grouping(text: str, shown: str) -> None:
    names = ["s", "p", "f", "a", "b", "c", "x", "n", "k"]
    assert readback(parse(text, names)) == shown
    # and what it shows reads back as the same formula
    again = parse(shown.replace("·", "*"), names)
    env = {n: 0.3 + i / 10 for i, n in enumerate(names)} | {"n": 7, "k": 3}
    assert again.evaluate(env) == pytest.approx(parse(text, names).evaluate(env))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "hw1.yaml").write_text(ASSIGNMENT)
    (tmp_path / "roster.csv").write_text("id\nalice\n")
    result = CliRunner().invoke(cli, ["generate", str(tmp_path / "hw1.yaml"), "--roster",
                                      str(tmp_path / "roster.csv"), "--out",
                                      str(tmp_path / "out")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return tmp_path / "out" / "alice"


def check(folder: Path) -> dict[str, object]:
    result = CliRunner().invoke(cli, ["check", str(folder), "--format", "json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def parts(report: dict[str, object]) -> dict[str, dict[str, object]]:
    return {f"{e['id']}:{p['id']}": p for e in report["exercises"]  # type: ignore[attr-defined]
            for p in e["parts"]}


def test_a_fresh_folder_is_all_unanswered(folder: Path) -> None:
    report = check(folder)
    assert report["mode"] == "graded"
    assert report["answered"] == 0 and report["unanswered"] == 8
    assert report["problems"] == []


def test_answers_are_shown_as_understood_and_mistyped_keys_named(folder: Path) -> None:
    (folder / "answers.yaml").write_text(
        "bayes/medical-test:\n"
        "  posterior: 87/993\n"
        "  formula: s*p/(s*p+f*(1-p))\n"
        "  likely: '2'\n"
        "  evidnce: '0.1'\n"
        "  code: '1'\n"
        "mle/bernouli:\n"
        "  mle: '0.4'\n"
        "mle/bernoulli:\n"
        "  loglik: k*log(theta) + (n-k)*log(1-theta\n")
    report = check(folder)
    found = parts(report)
    assert found["bayes/medical-test:posterior"]["understood"] == "87 / 993 = 0.0876133"
    assert found["bayes/medical-test:formula"]["understood"] == "s·p / (s·p + f·(1 - p))"
    assert found["bayes/medical-test:likely"]["understood"] == "option 2: no"
    loglik = found["mle/bernoulli:loglik"]
    assert loglik["status"] == "unreadable" and "^" in str(loglik["message"])
    assert report["problems"] == [
        "answers.yaml: unknown part 'evidnce' under 'bayes/medical-test'; did you mean "
        "'evidence'?",
        "answers.yaml: 'bayes/medical-test' → 'code' is a function part: write it in "
        "solution.py",
        "answers.yaml: unknown exercise 'mle/bernouli'; did you mean 'mle/bernoulli'?",
    ]
    assert report["answered"] == 4 and report["unanswered"] == 4
    # nothing in the report says whether an answer is right
    assert "correct" not in json.dumps(report)


def test_function_parts_run_the_public_examples_only(folder: Path) -> None:
    (folder / "solution.py").write_text(
        "def posterior_prob(prevalence, sensitivity, fpr):\n"
        "    return sensitivity * prevalence / (sensitivity * prevalence"
        " + fpr * (1 - prevalence))\n\n"
        "def bernoulli_mle(data):\n"
        "    return 0.5\n")
    found = parts(check(folder))
    code = found["bayes/medical-test:code"]
    assert code["status"] == "examples-pass"
    assert code["examples"] == [{
        "call": "posterior_prob(prevalence=0.2, sensitivity=0.8, fpr=0.1)",
        "expected": "0.666667", "returned": "0.666667", "passed": True, "problem": ""}]
    wrong = found["mle/bernoulli:code"]
    assert wrong["status"] == "examples-fail"
    assert wrong["examples"][0]["returned"] == "0.5"            # type: ignore[index]
    assert wrong["examples"][0]["expected"] == "0.4"            # type: ignore[index]


def test_a_syntax_error_and_a_stub_are_told_apart(folder: Path) -> None:
    found = parts(check(folder))
    assert found["bayes/medical-test:code"]["message"] == "Not implemented yet."
    (folder / "solution.py").write_text("def posterior_prob(:\n")
    found = parts(check(folder))
    assert found["bayes/medical-test:code"]["status"] == "unreadable"
    assert "line 1" in str(found["bayes/medical-test:code"]["message"])


def test_text_output_counts_the_unanswered_and_has_no_score(folder: Path) -> None:
    (folder / "answers.yaml").write_text("bayes/medical-test:\n  posterior: 8.76%\n")
    result = CliRunner().invoke(cli, ["check", str(folder)], catch_exceptions=False)
    assert "read as 8.76 / 100 = 0.0876" in result.output
    assert "1 of 8 parts answered" in result.output
    assert "does not know the answers" in " ".join(result.output.split())
    assert "Score" not in result.output
    failed = CliRunner().invoke(cli, ["check", str(folder), "--fail-under", "50"])
    assert failed.exit_code == 1 and "has none" in failed.output


def test_validate_runs_the_reference_on_every_public_example(
        make_bank: Callable[..., Path]) -> None:
    from grader.bank import Bank
    from grader.validate import validate_one

    spec = """\
        id: mle/half
        title: Halves
        topic: mle
        prompt: Halve it.
        parts:
          - id: code
            kind: function
            points: 1
            function: half
            signature: "half(x: float) -> float"
            examples:
              - {x: 3.0}
              - {x: oops}
        """
    solution = """\
        def half(x):
            return x / 2

        def cases_half(rng, params):
            yield {"x": 1.0}
        """
    report = validate_one(Bank(make_bank({"mle/half": spec}, {"mle/half": solution})),
                          "mle/half", seeds=1)
    assert len(report.problems) == 1
    assert "example 2 of part 'code'" in report.problems[0]


@pytest.mark.parametrize("damage", [
    lambda m: m["exercises"][0]["parts"][0].pop("points"),
    lambda m: m["exercises"][0]["parts"][-1].pop("tolerance"),
    lambda m: m["exercises"][0].update(parts="none"),
    lambda m: m["exercises"][0]["parts"][0].update(kind="essay"),
    lambda m: m["exercises"][0]["parts"][-1]["examples"][0].pop("output"),
])
def test_a_hand_edited_grader_yaml_is_one_line_not_a_traceback(
        folder: Path, damage: Callable[[dict[str, Any]], object]) -> None:
    import yaml

    meta = yaml.safe_load((folder / ".grader.yaml").read_text())
    damage(meta)
    (folder / ".grader.yaml").write_text(yaml.safe_dump(meta))
    result = CliRunner().invoke(cli, ["check", str(folder)])
    assert result.exit_code == 1
    assert "damaged file" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1

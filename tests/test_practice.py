"""`grader practice`: the core (choosing, drawing, checking, the tally) and the dialogue
driven by scripted input; tests/test_practice_pty.py drives it through a real terminal."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import views
from grader.bank import Bank
from grader.cli import cli
from grader.errors import BankError
from grader.practice import Practice, choose_exercises, fresh_seed
from grader.practice_session import Session, command
from grader.variants import make_variant, variant_seed

MEDICAL = "bayes/medical-test"
RIGHT = '''\
def posterior_prob(prevalence, sensitivity, fpr):
    joint = sensitivity * prevalence
    return joint / (joint + fpr * (1 - prevalence))
'''
INVERSE = '''\
def posterior_prob(prevalence, sensitivity, fpr):
    return sensitivity
'''


def seeds(*values: int) -> Callable[[], int]:
    """A seed source for tests: the values given, then counting on from 1000."""
    it: Iterator[int] = itertools.chain(values, itertools.count(1000))
    return lambda: next(it)


# -- choosing exercises -------------------------------------------------------------------

def test_choose_one_exercise_a_topic_or_the_whole_bank(bank: Bank) -> None:
    assert choose_exercises(bank, MEDICAL) == [MEDICAL]
    mle = choose_exercises(bank, topic="mle")
    assert "mle/bernoulli" in mle and all(i.startswith("mle/") for i in mle)
    assert choose_exercises(bank) == list(bank.ids)


def test_choosing_what_is_not_there_says_what_is(bank: Bank) -> None:
    with pytest.raises(BankError, match=r"no exercise 'bayes/medical-tset'.*medical-test"):
        choose_exercises(bank, "bayes/medical-tset")
    with pytest.raises(BankError, match=r"no topic 'baye'; did you mean 'bayes'\? \(topics: .*mle"):
        choose_exercises(bank, topic="baye")
    with pytest.raises(BankError, match="not both"):
        choose_exercises(bank, MEDICAL, topic="bayes")


# -- drawing variants ---------------------------------------------------------------------

def test_fresh_seeds_come_from_the_os_not_from_a_salt() -> None:
    drawn = {fresh_seed() for _ in range(50)}
    assert len(drawn) == 50 and all(0 <= s < 2**64 for s in drawn)


def test_a_new_round_has_other_numbers_even_when_the_seed_repeats(bank: Bank) -> None:
    practice = Practice(bank, [MEDICAL], seeds=seeds(0, 42, 0, 42, 43))
    first = practice.new_round().variant
    second = practice.new_round().variant
    assert first.seed == 42
    # the second draw gave seed 42 again: redrawn until the numbers differ
    assert second.seed == 43 and second.params != first.params


def test_rounds_move_between_the_exercises_of_a_topic(bank: Bank) -> None:
    ids = choose_exercises(bank, topic="bayes")
    practice = Practice(bank, ids)
    shown = [practice.new_round().variant.id for _ in range(12)]
    assert all(a != b for a, b in itertools.pairwise(shown))
    assert len(set(shown)) > 1


# -- checking parts and the tally ---------------------------------------------------------

def medical_round(bank: Bank, solution: Path | None = None) -> Practice:
    practice = Practice(bank, [MEDICAL], solution=solution, seeds=seeds(0, 7))
    practice.new_round()
    return practice


def test_right_answer_listed_mistake_unreadable_and_skip(bank: Bank) -> None:
    practice = medical_round(bank)
    assert practice.round is not None
    variant = practice.round.variant
    evidence = variant.values["evidence"]

    right = practice.answer(f"{evidence:.6f}")
    assert right.status == "correct"
    assert practice.round.part is not None and practice.round.part.id == "posterior"

    unreadable = practice.answer("x+")
    assert unreadable.status == "invalid"           # the part stays open
    assert practice.round.part.id == "posterior"
    assert practice.tally.answered == 1

    mistake = practice.answer(str(variant.values["sensitivity"]))
    assert mistake.status == "incorrect" and mistake.note == "inverse-confusion"
    assert "Bayes' theorem turns it around" in mistake.feedback
    assert practice.expected(variant.spec.parts[1]) == views.expected_text(
        variant, variant.spec.parts[1])

    practice.skip()                                  # formula
    assert (practice.tally.answered, practice.tally.correct, practice.tally.skipped) == (2, 1, 1)
    assert practice.tally.points == 2.0 and practice.tally.max_points == 6.0
    assert practice.tally.summary() == "1 of 2 parts right, 2 / 6 points, 1 skipped; " \
                                       "0 rounds finished."


def test_a_round_ends_after_its_last_part_with_its_solution(bank: Bank) -> None:
    practice = medical_round(bank)
    assert practice.round is not None
    for _ in range(4):
        practice.skip()
    assert practice.round.part is not None and practice.round.part.kind == "function"
    assert practice.run_function() is None          # no solution.py: skipped
    assert practice.round.done and practice.tally.rounds == 1
    assert practice.tally.skipped == 5 and practice.round.score == (0, 0)
    assert "By Bayes' theorem" in practice.solution_text()


@pytest.mark.parametrize(("code", "status", "note"), [
    (RIGHT, "correct", None),
    (INVERSE, "incorrect", "inverse-confusion"),
])
def test_function_part_runs_the_students_solution(bank: Bank, tmp_path: Path, code: str,
                                                  status: str, note: str | None) -> None:
    solution = tmp_path / "solution.py"
    solution.write_text(code, encoding="utf-8")
    practice = medical_round(bank, solution)
    for _ in range(4):
        practice.skip()
    outcome = practice.run_function()
    assert outcome is not None
    assert (outcome.status, outcome.note) == (status, note)
    assert practice.tally.points == (4.0 if status == "correct" else 0.0)
    assert practice.tally.max_points == 4.0


def test_the_graded_variant_is_not_what_practice_draws(bank: Bank) -> None:
    # a practice seed is not the hash of any salt: with the same seed source as a graded
    # variant's seed, the numbers would be the same; fresh seeds give others
    graded = make_variant(bank.spec(MEDICAL), variant_seed("fall-2026", "alice", MEDICAL))
    drawn = [Practice(bank, [MEDICAL]).new_round().variant for _ in range(10)]
    assert all(v.seed != graded.seed for v in drawn)
    assert len({tuple(v.params.values()) for v in drawn}) > 1


# -- the dialogue -------------------------------------------------------------------------

def test_commands_and_answers_that_look_like_them(bank: Bank) -> None:
    parts = {p.id: p for p in bank.spec(MEDICAL).parts}
    numeric, formula, choice = parts["posterior"], parts["formula"], parts["likely"]
    assert command("n", numeric, []) == "new"
    assert command(" Q ", numeric, []) == "quit"
    assert command("?", numeric, []) == "help"
    assert command("0.5", numeric, []) is None
    # `s` is a symbol of the formula part: the answer; `:s` the command
    assert command("s", formula, []) is None
    assert command(":s", formula, []) == "skip"
    assert command("n", formula, []) == "new"
    options = ["yes", "no"]
    assert command("h", choice, options) == "help"
    many = [str(i) for i in range(10)]               # (h) is an option's letter here
    assert command("h", choice, many) is None and command(":h", choice, many) == "help"


def scripted(practice: Practice, lines: list[str], color: bool = False) -> tuple[str, int]:
    written: list[str] = []
    feed = iter(lines)

    def read(prompt: str) -> str:
        written.append(prompt)
        try:
            line = next(feed)
        except StopIteration:
            raise EOFError from None
        written.append(line + "\n")
        return line

    code = Session(practice, read, written.append, color=color).run()
    return "".join(written), code


def test_a_scripted_session_shows_feedback_solution_and_tally(bank: Bank) -> None:
    practice = Practice(bank, [MEDICAL], seeds=seeds(0, 7))
    variant = make_variant(bank.spec(MEDICAL), 7)
    answers = [str(variant.values["evidence"]), str(variant.values["sensitivity"]),
               "s*p/(s*p + f*(1-p))", "b", "", "q"]
    out, code = scripted(practice, answers)
    assert code == 0
    assert "✓ correct (2/2)" in out
    assert "✗ incorrect (0/4)" in out and "misconception: inverse-confusion" in out
    assert "No solution.py here" in out
    assert "Worked solution" in out and "By Bayes' theorem" in out
    assert "$" not in out and "\\frac" not in out
    assert "This round: 6 / 10 points" in out
    assert out.rstrip().endswith("Tally: 3 of 4 parts right, 6 / 10 points, 1 skipped; "
                                 "1 round finished.")
    assert "\033[" not in out


def test_colour_only_when_asked(bank: Bank) -> None:
    out, _ = scripted(Practice(bank, [MEDICAL]), ["0", "q"], color=True)
    assert "\033[31m✗ incorrect" in out


def test_new_numbers_mid_round_and_eof_leave_cleanly(bank: Bank) -> None:
    practice = Practice(bank, [MEDICAL], seeds=seeds(0, 7, 0, 8))
    out, code = scripted(practice, ["n"])           # then EOF (Ctrl-D)
    assert code == 0
    assert out.count("== A positive test") == 2
    assert out.rstrip().endswith("Tally: Nothing answered yet.")


def test_ctrl_c_shows_the_tally_and_exits_130(bank: Bank) -> None:
    def read(prompt: str) -> str:
        raise KeyboardInterrupt

    written: list[str] = []
    assert Session(Practice(bank, [MEDICAL]), read, written.append).run() == 130
    assert "Tally:" in written[-1]


def test_student_code_output_cannot_drive_the_terminal(bank: Bank, tmp_path: Path) -> None:
    solution = tmp_path / "solution.py"
    solution.write_text("def posterior_prob(prevalence, sensitivity, fpr):\n"
                        "    raise ValueError('\\x1b[2J\\x1b]0;owned\\x07')\n", encoding="utf-8")
    practice = Practice(bank, [MEDICAL], solution=solution)
    out, _ = scripted(practice, ["s", "s", "s", "s", "", "q"])
    assert "error (0/4)" in out and "\\x1b[2J" in out
    assert "\x1b" not in out and "\x07" not in out


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["practice", "--topic", "nope"], catch_exceptions=False)
    assert result.exit_code == 1 and result.output.startswith("Error: no topic 'nope'")
    result = runner.invoke(cli, ["practice", MEDICAL, "--solution", str(tmp_path / "x.py")],
                           catch_exceptions=False)
    assert result.exit_code == 1 and "no such file" in result.output
    assert "Traceback" not in result.output


def test_cli_session_through_a_pipe_has_no_colour() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["practice", MEDICAL], input="s\nq\n",
                           env={"NO_COLOR": ""}, catch_exceptions=False)
    assert result.exit_code == 0
    assert "Skipped. The answer:" in result.output and "Tally:" in result.output
    assert "\033[" not in result.output


def test_a_wrong_formula_is_shown_as_it_was_read(bank: Bank) -> None:
    # `s/s+f` is read as (s/s) + f, not the s/(s+f) its writer may have meant
    out, _ = scripted(Practice(bank, [MEDICAL]), ["s", "s", "s/s+f", "q"])
    assert "✗ incorrect (0/3)" in out and "Your answer, as read: s / s + f" in out
    out, _ = scripted(Practice(bank, [MEDICAL]), ["s", "s", "s*p/(s*p+f*(1-p))", "q"])
    assert "✓ correct (3/3)" in out and "as read" not in out


def test_a_failing_function_can_be_fixed_and_checked_again(bank: Bank, tmp_path: Path) -> None:
    solution = tmp_path / "solution.py"
    solution.write_text(INVERSE, encoding="utf-8")
    answers = iter(["s", "s", ":s", "s", "", "", "", "q"])
    written: list[str] = []
    checks = 0

    def read(prompt: str) -> str:
        nonlocal checks
        written.append(prompt)
        if prompt.startswith("Edit solution.py"):
            checks += 1
            if checks == 2:              # the student fixes the code before the 2nd retry
                solution.write_text(RIGHT, encoding="utf-8")
        return next(answers)

    practice = Practice(bank, [MEDICAL], solution=solution)
    assert Session(practice, read, written.append).run() == 0
    out = "".join(written)
    assert out.count("misconception: inverse-confusion") == 2   # first try and first retry
    assert "✓ correct (4/4)" in out and checks == 2
    assert "Fixed; the tally keeps your first attempt." in out
    # the tally keeps the first attempt
    assert out.rstrip().endswith("Tally: 0 of 1 part right, 0 / 4 points, 4 skipped; "
                                 "1 round finished.")

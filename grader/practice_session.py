"""The `grader practice` dialogue: plain input() and print, so that it works alike in
Linux, macOS and Windows terminals (no curses), and through a pipe.

Everything shown passes through `terminal_safe` (a bank's text and a student's code
output could carry control characters); colour only when asked for, which the CLI does
for a terminal without NO_COLOR.
"""

from __future__ import annotations

from collections.abc import Callable

from . import views
from .checkers import Outcome
from .checkers.choice import letter, read_choice
from .errors import GraderError
from .plaintext import markdown_to_text
from .practice import Practice, Round
from .reports.text import COLORS, MARKS, RESET, plural, points, terminal_safe
from .spec import Part

HELP = """\
Type your answer and press Enter. Numbers as on paper (0.0876, 8.76%, 87/993,
0.95*0.01/(0.95*0.01+0.05*0.99)); formulas with * and ^ (s*p/(s*p + f*(1-p)));
a choice by its letter or its text.
  n   new numbers: leave this exercise for a fresh one
  s   skip this part (its answer is shown)
  q   quit (the tally is shown)
  ?   this help (h too)
When an answer could itself be one of these letters (a formula in n, say), write the
command with a colon: :n, :s, :q, :h."""

_COMMANDS = {"n": "new", "new": "new", "s": "skip", "skip": "skip", "q": "quit",
             "quit": "quit", "exit": "quit", "h": "help", "help": "help", "?": "help"}


def command(line: str, part: Part | None, options: list[str]) -> str | None:
    """The command a line means ('new', 'skip', 'quit', 'help'), or None for an answer.
    A bare word that is also an answer to `part` (a symbol's name, a choice's letter) is
    the answer; with a colon in front it is always the command."""
    word = line.strip().casefold()
    if word.startswith(":") and word[1:] in _COMMANDS:
        return _COMMANDS[word[1:]]
    if word not in _COMMANDS:
        return None
    if part is not None and word != "?":
        if any(s.name.casefold() == word for s in part.symbols):
            return None
        if part.kind == "choice" and read_choice(word, options) is not None:
            return None
    return _COMMANDS[word]


class Session:
    """One practice dialogue over `read` (input) and `write` (print without newline)."""

    def __init__(self, practice: Practice, read: Callable[[str], str],
                 write: Callable[[str], None], *, color: bool = False, width: int = 88) -> None:
        self.practice = practice
        self.read = read
        self._write = write
        self.color = color
        self.width = width

    # -- output ---------------------------------------------------------------------

    def say(self, text: str = "", style: str | None = None) -> None:
        text = terminal_safe(text)
        if self.color and style is not None:
            text = f"{_STYLES.get(style) or COLORS[style]}{text}{RESET}"
        self._write(text + "\n")

    def markdown(self, text: str, indent: str = "") -> None:
        shown = markdown_to_text(text, self.width - len(indent))
        self.say("\n".join(indent + line if line else line for line in shown.splitlines()))

    # -- the dialogue -----------------------------------------------------------------

    def run(self) -> int:
        """The whole session; the exit code (0, or 130 after Ctrl-C)."""
        count = len(self.practice.exercise_ids)
        self.say(f"Practice with fresh numbers: {plural(count, 'exercise')}. "
                 "Type ? for help, n for new numbers, q to quit.")
        try:
            while self.play(self.practice.new_round()):
                pass
        except KeyboardInterrupt:
            self.say()
            self.goodbye()
            return 130
        except EOFError:
            self.say()
        self.goodbye()
        return 0

    def goodbye(self) -> None:
        self.say("Tally: " + self.practice.tally.summary(), "bold")

    def play(self, round_: Round) -> bool:
        """One round; False when the student quits."""
        variant = round_.variant
        spec = variant.spec
        self.say()
        self.say(f"== {spec.title}  [{spec.id}] ==", "bold")
        self.markdown(views.text(variant, spec.prompt, "prompt"))
        while (part := round_.part) is not None:
            action = self.ask(round_, part)
            if action == "quit":
                return False
            if action == "new":
                return True
        self.finish(round_)
        while True:
            line = self.read("Enter for new numbers, q to quit: ")
            action = command(line, None, [])
            if action == "help":
                self.say(HELP)
                continue
            return action != "quit"

    def ask(self, round_: Round, part: Part) -> str | None:
        """Show one part and take answers until it is done; a command that ends the
        round ('new', 'quit') is returned."""
        parts = round_.variant.spec.parts
        self.say()
        self.say(f"Part {round_.index + 1} of {len(parts)}: {part.id} ({part.kind}, "
                 f"{plural(part.points, 'point')})    tally: {self._short_tally()}", "bold")
        prompt = views.prompt(round_.variant, part)
        if prompt.strip():
            self.markdown(prompt)
        options = views.options(round_.variant, part) if part.kind == "choice" else []
        for i, option in enumerate(options):
            self.say(f"  ({letter(i)}) {markdown_to_text(option, self.width)}")
        for symbol in part.symbols:
            self.say(f"  {symbol.name}: {symbol.meaning}" if symbol.meaning else f"  {symbol.name}")
        if part.kind == "function":
            return self.ask_function(part)
        while True:
            line = self.read("answer> ")
            action = command(line, part, options)
            if action == "help":
                self.say(HELP)
                continue
            if action == "skip":
                self.say(f"Skipped. The answer: {self.practice.expected(part)}", "missing")
                self.practice.skip()
                return None
            if action is not None:
                return action
            try:
                outcome = self.practice.answer(line)
            except GraderError as exc:
                self.say(f"Could not check this part: {exc}; skipped.", "error")
                self.practice.skip()
                return None
            self.feedback(part, outcome, given=line)
            if outcome.status not in ("invalid", "missing"):
                return None

    def ask_function(self, part: Part) -> str | None:
        if part.signature:
            self.say(f"  def {part.signature}")
        if self.practice.solution is None:
            self.say(f"No solution.py here: write {part.function}() in solution.py (or give "
                     "--solution FILE) to have it checked. Skipped.", "missing")
            self.practice.skip()
            return None
        while True:
            line = self.read(f"Enter to check {part.function}() in "
                             f"{self.practice.solution.name}, s to skip: ")
            action = command(line, part, [])
            if action == "help":
                self.say(HELP)
                continue
            if action == "skip":
                self.say("Skipped.", "missing")
                self.practice.skip()
                return None
            if action is not None:
                return action
            try:
                outcome = self.practice.run_function()
            except GraderError as exc:
                self.say(f"Could not check this part: {exc}; skipped.", "error")
                self.practice.skip()
                return None
            if outcome is None:  # the file went away since the session started
                self.say(f"{self.practice.solution} is gone; skipped.", "missing")
                return None
            self.feedback(part, outcome, expected=False)
            return self.check_again(part, outcome)

    def check_again(self, part: Part, outcome: Outcome | None) -> str | None:
        """After a failing function, as often as the student likes: edit, check again
        (not counted: the tally keeps the first attempt)."""
        assert self.practice.solution is not None
        while outcome is not None and outcome.status != "correct":
            line = self.read(f"Edit {self.practice.solution.name} and press Enter to check "
                             "again (not counted), or s to go on: ")
            action = command(line, part, [])
            if action == "help":
                self.say(HELP)
                continue
            if action == "skip":
                return None
            if action is not None:
                return action
            try:
                outcome = self.practice.check_function(part)
            except GraderError as exc:
                self.say(f"Could not check this part: {exc}", "error")
                return None
            if outcome is None:
                self.say(f"{self.practice.solution} is gone.", "missing")
            else:
                self.feedback(part, outcome, expected=False)
                if outcome.status == "correct":
                    self.say("  Fixed; the tally keeps your first attempt.")
        return None

    def feedback(self, part: Part, outcome: Outcome, *, expected: bool = True,
                 given: str = "") -> None:
        status = outcome.status
        if status in ("invalid", "missing"):
            self.say(f"{MARKS[status]} {outcome.feedback}", status)
            self.say("Try again, or s to skip.")
            return
        earned = f"{points(outcome.credit * part.points)}/{points(part.points)}"
        self.say(f"{MARKS[status]} {status} ({earned})", status)
        if outcome.feedback and outcome.feedback != "Correct.":
            self.markdown(outcome.feedback, "  ")
        if outcome.note:
            self.say(f"  misconception: {outcome.note}")
        read = self.practice.read_back(part, given) if status != "correct" else None
        if read is not None:
            self.say(f"  Your answer, as read: {read}")
        if status != "correct" and expected:
            self.say(f"  The answer: {self.practice.expected(part)}")

    def finish(self, round_: Round) -> None:
        solution = self.practice.solution_text()
        if solution.strip():
            self.say()
            self.say("Worked solution", "bold")
            self.markdown(solution, "  ")
        earned, possible = round_.score
        self.say()
        self.say(f"This round: {points(earned)} / {plural(possible, 'point')}. "
                 f"Tally: {self.practice.tally.summary()}", "bold")

    def _short_tally(self) -> str:
        tally = self.practice.tally
        return (f"{tally.correct}/{tally.answered} right, "
                f"{points(tally.points)}/{points(tally.max_points)} points")


_STYLES = {"bold": "\033[1m"}

"""`grader practice` as a student meets it: `python -m grader practice` in a real
pseudo-terminal (its own session, the terminal as its controlling tty, so that Ctrl-C
is the terminal's own interrupt), typed at and read back."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from .conftest import ROOT
from .test_practice import RIGHT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pseudo-terminals")

# The child takes the terminal as its controlling tty, then becomes the grader.
TAKE_TTY = ("import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
            "os.execv(sys.executable, [sys.executable, '-m', 'grader', *sys.argv[1:]])")


class Terminal:
    """A process on the slave side of a pty; `expect` reads until a pattern shows."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-c", TAKE_TTY, *args], stdin=slave, stdout=slave,
            stderr=slave, cwd=cwd, env=env, start_new_session=True, close_fds=True)
        os.close(slave)
        self.seen = ""
        self.at = 0          # what expect() has consumed

    def expect(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern, re.S)
        while True:
            match = regex.search(self.seen, self.at)
            if match:
                self.at = match.end()
                return match
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"never saw {pattern!r}; the terminal showed:\n"
                                     + self.seen[-3000:])
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:       # EIO: the child closed the terminal
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"the terminal closed before {pattern!r}:\n"
                                         + self.seen[-3000:])
                self.seen += chunk.decode("utf-8", "replace").replace("\r\n", "\n")

    def type(self, line: str, end: str = "\r") -> None:
        os.write(self.master, (line + end).encode())

    def finish(self, timeout: float = 30.0) -> int:
        code = self.process.wait(timeout)
        with_rest = self.seen
        while select.select([self.master], [], [], 0.2)[0]:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                break
            if not chunk:
                break
            with_rest += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        self.seen = with_rest
        os.close(self.master)
        return code


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    (tmp_path / "solution.py").write_text(RIGHT, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
    env.update(PYTHONPATH=str(ROOT), TERM="xterm", COLUMNS="100", LINES="40",
               NO_COLOR="1", PYTHONIOENCODING="utf-8")
    term = Terminal(["practice", "bayes/medical-test"], tmp_path, env)
    yield term
    if term.process.poll() is None:
        term.process.kill()
        term.process.wait()


NUMBERS = (r"affects ([\d.]+)% of people\. A test detects it in ([\d.]+)% of people who "
           r"have it \(its sensitivity\), and wrongly reports it in ([\d.]+)%")


def numbers(term: Terminal) -> tuple[Decimal, Decimal, Decimal]:
    """Prevalence, sensitivity and false positive rate as the round's prompt shows them."""
    term.expect(r"== A positive test for a rare disease  \[bayes/medical-test\] ==\n")
    prompt = term.expect(r"(.*?)Part 1 of 5").group(1)
    flat = " ".join(prompt.split())
    match = re.search(NUMBERS, flat)
    assert match, flat
    p, s, f = (Decimal(x) / 100 for x in match.groups())
    return p, s, f


def test_two_rounds_feedback_new_numbers_a_function_part_and_the_tally(
        terminal: Terminal) -> None:
    term = terminal
    term.expect(r"Type \? for help")
    first = numbers(term)
    p, s, f = first

    term.expect("answer> ")
    term.type("?")
    term.expect(r"n   new numbers.*answer> ")

    # a right answer, worked out from the numbers on the screen
    term.type(f"{s * p + f * (1 - p):.6f}")
    term.expect(r"✓ correct \(2/2\)")

    # a listed mistake: the sensitivity for P(D|+)
    term.expect(r"Part 2 of 5: posterior.*tally: 1/1 right, 2/2 points.*answer> ")
    term.type(str(s))
    feedback = term.expect(r"✗ incorrect \(0/4\)(.*?)The answer: ").group(1)
    assert "the test's sensitivity. Bayes' theorem turns it around" in " ".join(
        feedback.split())
    assert "misconception: inverse-confusion" in feedback

    # new numbers in the middle of a round
    term.expect(r"Part 3 of 5: formula.*answer> ")
    term.type("n")
    second = numbers(term)
    assert second != first, "a new round must show new numbers"

    # skip to the function part (`s` is a symbol of the formula part: `:s` skips it)
    for skip in ("s", "s", ":s", "s"):
        term.expect("answer> ")
        term.type(skip)
        term.expect("Skipped. The answer: ")
    term.expect(r"def posterior_prob\(prevalence: float, sensitivity: float, fpr: float\)")
    term.expect(r"Enter to check posterior_prob\(\) in solution\.py, s to skip: ")
    term.type("")
    term.expect(r"✓ correct \(4/4\)")
    term.expect(r"Worked solution.*By Bayes' theorem")
    term.expect(r"This round: 4 / 4 points\.")
    term.expect("Enter for new numbers, q to quit: ")
    term.type("q")
    term.expect(r"Tally: 2 of 3 parts right, 6 / 10 points, 4 skipped; 1 round finished\.")
    assert term.finish() == 0
    assert "Traceback" not in term.seen
    assert "\x1b[" not in term.seen                 # NO_COLOR


def test_ctrl_c_leaves_cleanly_with_the_tally(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(PYTHONPATH=str(ROOT), TERM="xterm", PYTHONIOENCODING="utf-8")
    term = Terminal(["practice", "--topic", "mle"], tmp_path, env)
    try:
        term.expect("answer> ")
        # Python's input() loses a SIGINT that lands between writing its prompt and
        # starting to read (the read then waits on); a person is never that quick
        time.sleep(0.5)
        os.write(term.master, b"\x03")              # the terminal's interrupt character
        term.expect(r"Tally: Nothing answered yet\.")
        assert term.finish() == 130
        assert "Traceback" not in term.seen and "KeyboardInterrupt" not in term.seen
        assert "\x1b[1m" in term.seen               # a terminal without NO_COLOR: colour
    finally:
        if term.process.poll() is None:
            term.process.kill()
            term.process.wait()

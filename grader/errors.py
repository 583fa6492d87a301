"""The package's one exception tree; the CLI turns any of these into a one-line message.

    GraderError                 anything the user can fix; exit code 1, never a traceback
    ├── SpecError               an exercise spec is malformed (file, key, line)
    ├── AssignmentError         an assignment file is malformed or names unknown exercises
    ├── RosterError             the roster CSV is unusable (missing column, duplicate id)
    ├── BankError               a bank folder or a reference solution is missing or broken
    ├── SubmissionError         a submission folder cannot be read at all
    ├── ExpressionError         an expression cannot be read safely (text, position)
    ├── SandboxError            the sandbox itself could not run (not the student's fault)
    │   └── BoundaryUnavailable the OS cannot isolate untrusted code here (says the fix)
    ├── GradebookError          the gradebook file is unusable (not SQLite, newer schema)
    ├── ClassroomError          a Classroom template or repository cannot be made or read
    │   └── SourceError         the grader cannot be installed from the source given
    └── VariantsChangedError    a spec change alters variants already handed out
"""

from __future__ import annotations

from pathlib import Path


class GraderError(Exception):
    """Base of every error the package raises on purpose."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class _Located(GraderError):
    """An error in a file, optionally at a key path and a line."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        key: str | None = None,
        line: int | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.key = key
        self.line = line
        self.detail = message
        where = ""
        if self.file:
            where = self.file + (f":{line}" if line else "")
        if key:
            where = f"{where}: {key}" if where else key
        super().__init__(f"{where}: {message}" if where else message)


class SpecError(_Located):
    """An exercise spec does not follow the format."""


class AssignmentError(_Located):
    """An assignment file does not follow the format."""


class RosterError(_Located):
    """The roster CSV cannot be used."""


class BankError(_Located):
    """A bank (exercises/ + solutions/) is missing a file or a reference is broken."""


class SubmissionError(_Located):
    """A submission folder cannot be read at all."""


class SandboxError(GraderError):
    """The sandbox could not start or talk to its child (an environment problem)."""


class BoundaryUnavailable(SandboxError):
    """Untrusted code was to run, and this system cannot give the sandbox its boundary."""


class GradebookError(GraderError):
    """The gradebook file cannot be used."""


class ClassroomError(GraderError):
    """A GitHub Classroom template or repository cannot be made or read."""


class VariantsChangedError(GraderError):
    """A spec change alters variants already handed out to students (see handout.py)."""


class SourceError(ClassroomError):
    """The grader cannot be installed from the source given for a template or autograder
    (a ClassroomError too: a Classroom template is where it was first checked)."""


class ExpressionError(GraderError):
    """An expression could not be read safely.

    `position` is the 0-based character offset into `text` where the problem is, when
    known; `pretty()` draws a caret under it for students.
    """

    def __init__(self, message: str, text: str = "", position: int | None = None) -> None:
        super().__init__(message)
        self.text = text
        self.position = position

    def pretty(self) -> str:
        if self.position is None or not self.text or len(self.text) > 200:
            return self.message
        caret = " " * max(0, min(self.position, len(self.text))) + "^"
        return f"{self.message}\n  {self.text}\n  {caret}"

"""`python -m grader`: the same command as `grader`, for when the script is not on PATH."""

from __future__ import annotations

from .cli import main

main()

"""Randomized, auto-graded exercises on the probability behind generative machine learning."""

from __future__ import annotations

__version__ = "0.1.0"
# The name on the package index (`pip install probgrader`); the import package and the
# command are `grader`.
DISTRIBUTION = "probgrader"

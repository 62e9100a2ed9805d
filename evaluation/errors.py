"""Evaluation domain errors: one-line messages with ids, paths and counts — never report text."""

from __future__ import annotations

from radforge.errors import RadforgeError


class EvaluationError(RadforgeError):
    """An evaluation cannot run (missing snapshot, split, run or model); the message says which."""

"""`radforge` commands of the warehouse package. Heavy imports stay inside the commands."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this package's commands to the root CLI."""

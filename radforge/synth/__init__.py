"""Synthetic hospital corpus with gold PHI spans (placeholder: being written)."""

from __future__ import annotations

from pathlib import Path


def write_corpus(out: Path, *, reports: int, seed: int, formats: tuple[str, ...] = ("jsonl", "csv", "hl7"),
                 workers: int = 1, progress: bool = False) -> dict:
    raise NotImplementedError

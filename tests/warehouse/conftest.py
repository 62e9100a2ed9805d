"""Warehouse fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A small real synth corpus (jsonl, csv, hl7 of the same 60 reports)."""
    from sources.synth import write_corpus

    out = tmp_path / "corpus"
    write_corpus(out, reports=60, seed=5, formats=("jsonl", "csv", "hl7"), workers=1, progress=False)
    return out

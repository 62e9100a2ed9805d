"""Warehouse fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# With `.venv/bin/pytest` the repository root is not on sys.path while `tests/` is, so the empty
# `tests/deid/` folder would be imported as a namespace package named `deid` instead of the real one.
_REPO = str(Path(__file__).resolve().parents[2])
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A small real synth corpus (jsonl, csv, hl7 of the same 60 reports)."""
    from radforge.synth import write_corpus

    out = tmp_path / "corpus"
    write_corpus(out, reports=60, seed=5, formats=("jsonl", "csv", "hl7"), workers=1, progress=False)
    return out

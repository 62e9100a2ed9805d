"""Synthetic hospital corpus with gold PHI spans: the test and demo data of radforge.

`write_corpus(out, reports=N, seed=S)` writes reports.jsonl, gold.jsonl, reports.csv and
reports.hl7 (see README.md in this folder for the formats and the gold policy).
"""

from __future__ import annotations

from sources.synth.builder import PHI_TYPES
from sources.synth.corpus import BLOCK, SynthError, generate_block, iter_reports, write_corpus

__all__ = ["BLOCK", "PHI_TYPES", "SynthError", "generate_block", "iter_reports", "write_corpus"]

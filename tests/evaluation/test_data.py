"""Evaluation reads its snapshot split through the warehouse's one reader: the same zone guard as training,
its own EvaluationError for a missing snapshot, split or column (what the CLI prints), the same rows."""

from __future__ import annotations

import os

import polars as pl
import pytest

from evaluation.data import load_manifest, load_split
from evaluation.errors import EvaluationError
from radforge.errors import ZoneViolation


def test_a_split_sorted_by_report_key_with_limit(site, tiny_snapshot) -> None:
    frame = load_split(site, "tiny", "train", 5)
    stored = pl.read_parquet(tiny_snapshot / "train.parquet").sort("report_key")
    assert frame["report_key"].to_list() == stored["report_key"].to_list()[:5]
    assert load_manifest(site, "tiny")["splits"]["train"] == stored.height


def test_missing_snapshot_or_split_is_an_evaluation_error(site, tiny_snapshot) -> None:
    with pytest.raises(EvaluationError, match="'nope' not found"):
        load_manifest(site, "nope")
    with pytest.raises(EvaluationError, match="has no dev split"):
        load_split(site, "tiny", "dev")


def test_a_split_linked_into_the_raw_zone_is_refused(site, tiny_snapshot) -> None:
    raw_file = site.zone("raw") / "part-0.parquet"
    (tiny_snapshot / "test.parquet").rename(raw_file)
    os.symlink(raw_file, tiny_snapshot / "test.parquet")
    with pytest.raises(ZoneViolation, match="evaluation refuses to read the raw zone"):
        load_split(site, "tiny", "test")

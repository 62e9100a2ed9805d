"""The one snapshot reader (warehouse.snapshot_read): zone guard, hash pin and column check for training and
evaluation alike, on a real snapshot folder (tests/shared_data.py's `write_snapshot`, `add_retrieval`)."""

from __future__ import annotations

import os

import polars as pl
import pytest
from shared_data import add_retrieval

from radforge.errors import ZoneViolation
from warehouse.errors import SnapshotError
from warehouse.retrieval import load_examples
from warehouse.snapshot_read import read_examples, read_manifest, read_split


def test_a_split_by_name_or_folder_with_its_manifest(site, tiny_snapshot) -> None:
    frame, manifest = read_split("tiny", "train", site)
    assert frame.height == manifest["splits"]["train"] == 36
    assert frame.equals(pl.read_parquet(tiny_snapshot / "train.parquet"))  # every column, in file order
    by_folder, same = read_split(tiny_snapshot, "train", site, pin=manifest["hash"])
    assert by_folder.equals(frame) and same == manifest
    assert read_manifest("tiny", site) == (tiny_snapshot.resolve(), manifest)


def test_the_reader_answers_by_the_name_the_design_gave_it(site, tiny_snapshot) -> None:
    import warehouse.snapshot

    frame, manifest = warehouse.snapshot.read_split("tiny", "test", site)
    assert warehouse.snapshot.read_split is read_split and frame.height == manifest["splits"]["test"]


def test_the_hash_pin_refuses_another_snapshot(site, tiny_snapshot) -> None:
    with pytest.raises(SnapshotError, match="config pins 000000000000"):
        read_split("tiny", "test", site, pin="0" * 64)


@pytest.mark.parametrize("reader", ["training", "evaluation"])
def test_the_zone_guard_holds_for_every_reader(site, tiny_snapshot, tmp_path, reader) -> None:
    raw_file = site.zone("raw") / "part-0.parquet"
    (tiny_snapshot / "test.parquet").rename(raw_file)
    os.symlink(raw_file, tiny_snapshot / "test.parquet")  # a split file linked into the raw zone
    with pytest.raises(ZoneViolation, match=f"{reader} refuses to read the raw zone"):
        read_split("tiny", "test", site, reader=reader)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    with pytest.raises(ZoneViolation, match=f"{reader} reads dataset snapshots only"):
        read_split(outside, "train", site, reader=reader)
    with pytest.raises(ZoneViolation, match="snapshots only"):
        read_split("../pairs", "train", site, reader=reader)


def test_missing_snapshot_split_and_columns_are_named(site, tiny_snapshot) -> None:
    with pytest.raises(SnapshotError, match="'nope' not found"):
        read_split("nope", "train", site)
    with pytest.raises(SnapshotError, match="has no dev split"):
        read_split("tiny", "dev", site)
    pl.read_parquet(tiny_snapshot / "test.parquet").drop("impression").write_parquet(tiny_snapshot / "test.parquet")
    with pytest.raises(SnapshotError, match=r"test split lacks columns \['impression'\]"):
        read_split("tiny", "test", site)


def test_stored_neighbours_are_read_through_the_guard(site, tiny_snapshot) -> None:
    add_retrieval(tiny_snapshot, k=3)
    keys = read_split("tiny", "test", site)[0]["report_key"].to_list()
    examples = read_examples("tiny", "test", 2, "findings-to-impression", keys, site, reader="evaluation")
    assert examples == load_examples(tiny_snapshot, "test", 2, "findings-to-impression", keys)
    assert set(examples) == set(keys) and all(len(v) == 2 for v in examples.values())
    neighbours = tiny_snapshot / "retrieval" / "neighbours.parquet"
    raw_file = site.zone("raw") / "neighbours.parquet"
    neighbours.rename(raw_file)
    os.symlink(raw_file, neighbours)
    with pytest.raises(ZoneViolation, match="evaluation refuses to read the raw zone"):
        read_examples("tiny", "test", 2, "findings-to-impression", keys, site, reader="evaluation")

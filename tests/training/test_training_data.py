"""Snapshot -> examples: loss on the impression only, over-length counted (not truncated), packing, zone guard."""

from __future__ import annotations

import os

import pytest

from radforge.errors import ConfigError, ZoneViolation
from training.config import load_config
from training.data import SnapshotError, build_dataset, load_split, resolve_snapshot, tokenize_pairs
from training.prompts import build_prompt
from warehouse.snapshot_read import check_snapshot_path


@pytest.fixture
def tokenizer(tiny_llama_path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_llama_path)


def _cfg(**over):
    return load_config({"dataset": {"snapshot": "tiny"}, **over})


def test_labels_cover_exactly_the_impression_and_eos(site, tiny_snapshot, tokenizer) -> None:
    snap = resolve_snapshot(_cfg(), site)
    rows = load_split(snap, "train")
    examples, stats = tokenize_pairs(rows, tokenizer, _cfg())
    assert stats.examples_kept == len(rows) == 36 and stats.overlength_dropped == 0
    for ex, row in zip(examples[:10], rows[:10], strict=True):
        labelled = [t for t in ex["labels"] if t != -100]
        assert labelled[-1] == tokenizer.eos_token_id
        assert tokenizer.decode(labelled[:-1]) == row["impression"]
        first = ex["labels"].index(labelled[0])
        assert tokenizer.decode(ex["input_ids"][:first]) == build_prompt(row["findings"], "instruction")
        assert all(t == -100 for t in ex["labels"][:first])


def test_over_length_examples_are_counted_and_dropped_not_truncated(site, tiny_snapshot, tokenizer) -> None:
    rows = load_split(resolve_snapshot(_cfg(), site), "train")
    lengths = sorted(len(e["input_ids"]) for e in tokenize_pairs(rows, tokenizer, _cfg())[0])
    cut = lengths[len(lengths) // 2]
    examples, stats = tokenize_pairs(rows, tokenizer, _cfg(max_seq_len=cut))
    assert stats.overlength_dropped == sum(n > cut for n in lengths) > 0
    assert stats.examples_kept + stats.overlength_dropped == stats.examples_in
    assert all(len(e["input_ids"]) <= cut and e["labels"][-1] == tokenizer.eos_token_id for e in examples)


def test_packing_fills_packs_and_keeps_every_example_once(site, tiny_snapshot, tokenizer) -> None:
    from training.data import PackedCollator

    cfg = _cfg(max_seq_len=512)
    examples, _ = tokenize_pairs(load_split(resolve_snapshot(cfg, site), "train"), tokenizer, cfg)
    packed, stats = build_dataset(examples, cfg)
    assert stats.packs < len(examples) / 4
    assert stats.nonpad_fraction > 0.85 > 0.2 > stats.padded_nonpad_fraction  # 36 examples: last pack part-full
    record: list[list[int]] = []
    collate = PackedCollator(record)
    batch = collate([packed[i] for i in range(len(packed))])
    assert sorted(i for b in record for i in b) == list(range(len(examples)))
    assert batch["input_ids"].shape[0] == 1 and "attention_mask" not in batch
    assert int((batch["position_ids"] == 0).sum()) == len(examples)  # positions restart per example
    assert batch["input_ids"].shape[1] == sum(len(e["input_ids"]) for e in examples)


def test_training_refuses_raw_and_quarantine_zones(site) -> None:
    raw_file = site.zone("raw") / "batch=1" / "part-0.parquet"
    raw_file.parent.mkdir(parents=True)
    raw_file.write_bytes(b"PAR1")
    for target in (raw_file, site.zone("quarantine") / "x.parquet"):
        with pytest.raises(ZoneViolation, match="refuses to read the (raw|quarantine) zone"):
            check_snapshot_path(target, site)
    link = site.zone("snapshots") / "sneaky"
    os.symlink(raw_file.parent, link)
    with pytest.raises(ZoneViolation, match="raw zone"):
        check_snapshot_path(link / "train.parquet", site)
    with pytest.raises(ZoneViolation, match="raw zone"):
        resolve_snapshot(load_config({"dataset": {"path": str(link)}}), site)
    with pytest.raises(ZoneViolation, match="snapshots only"):
        check_snapshot_path(site.root / "deid", site)


def test_a_split_file_linked_into_the_raw_zone_is_refused(site, tiny_snapshot) -> None:
    raw_file = site.zone("raw") / "part-0.parquet"
    (tiny_snapshot / "train.parquet").rename(raw_file)
    os.symlink(raw_file, tiny_snapshot / "train.parquet")
    snap = resolve_snapshot(_cfg(), site)
    with pytest.raises(ZoneViolation, match="raw zone"):
        load_split(snap, "train")


def test_snapshot_pin_and_missing_snapshot(site, tiny_snapshot) -> None:
    with pytest.raises(SnapshotError, match="config pins"):
        resolve_snapshot(load_config({"dataset": {"snapshot": "tiny", "hash": "0" * 64}}), site)
    with pytest.raises(SnapshotError, match="not found"):
        resolve_snapshot(load_config({"dataset": {"snapshot": "nope"}}), site)
    with pytest.raises(ConfigError, match="--snapshot"):
        resolve_snapshot(load_config({}), site)


def test_impression_to_report_task_reverses_the_pair(site, tiny_snapshot, tokenizer) -> None:
    cfg = _cfg(task="impression-to-report")
    rows = load_split(resolve_snapshot(_cfg(), site), "train", 5)  # the f2i snapshot's rows, tokenised the other way
    examples, _ = tokenize_pairs(rows, tokenizer, cfg)
    for ex, row in zip(examples, rows, strict=True):
        labelled = [t for t in ex["labels"] if t != -100]
        assert tokenizer.decode(labelled[:-1]) == row["findings"]
        prompt = build_prompt(row["impression"], "instruction", task="impression-to-report")
        assert tokenizer.decode(ex["input_ids"][: len(ex["input_ids"]) - len(labelled)]) == prompt
        assert prompt.endswith("### Findings:\n")

"""Splits, snapshot format (the contract training reads), hash, immutability and exports."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import polars as pl
import pytest
from wh_helpers import commit_deid, deid_row, pair_text

from warehouse.errors import SnapshotExists
from warehouse.pairs import build_pairs
from warehouse.snapshot import create_snapshot, list_snapshots, verify_snapshot
from warehouse.splits import patient_split, temporal_split
from warehouse.tasks import get_task

FINDINGS = "The lungs are clear. There is no effusion. The heart size is normal. Finding number {i} is noted."


def _rows(n: int = 120) -> list[dict]:
    return [deid_row(i, pair_text(FINDINGS.format(i=i), f"Finding {i}."), patient=f"p{i % 40:03d}",
                     year=2015 + i % 6) for i in range(n)]


@pytest.fixture
def pairs_site(site):
    commit_deid(site, _rows())
    build_pairs(site)
    return site


def test_patient_split_is_disjoint_and_deterministic():
    pairs = pl.DataFrame(_rows(400)).with_columns(pl.col("exam_year").cast(pl.Int32))
    a = patient_split(pairs, b"k" * 32, 0.2, 0.1)
    b = patient_split(pairs.sample(fraction=1.0, shuffle=True, seed=3), b"k" * 32, 0.2, 0.1)
    assert a.sort("report_key")["split"].to_list() == b.sort("report_key")["split"].to_list()
    per_patient = a.group_by("patient_key").agg(pl.col("split").n_unique())
    assert per_patient["split"].max() == 1
    assert set(a["split"]) == {"train", "validation", "test"}
    other_key = patient_split(pairs, b"j" * 32, 0.2, 0.1)  # the assignment depends on the site secret
    assert other_key.sort("report_key")["split"].to_list() != a.sort("report_key")["split"].to_list()


def test_temporal_split_trains_on_earlier_years():
    pairs = pl.DataFrame(_rows(300))
    t = temporal_split(pairs, b"k" * 32, test_year=2019, validation_fraction=0.1)
    assert set(t.filter(pl.col("split") == "test")["exam_year"]) == {2019}
    assert t.filter(pl.col("split") != "test")["exam_year"].max() == 2018
    assert 2020 not in set(t["exam_year"])


def test_snapshot_matches_the_contract(pairs_site):
    info = create_snapshot("s1", pairs_site)
    folder = pairs_site.zone("snapshots") / "s1"
    manifest = json.loads((folder / "manifest.json").read_text())
    for key in ("name", "hash", "task", "splits", "filters", "funnel", "source_partitions", "code_version"):
        assert key in manifest, key
    assert manifest["task"] == "findings-to-impression" and manifest["name"] == "s1"
    digest = hashlib.sha256(b"".join((folder / f"{s}.parquet").read_bytes()
                                     for s in ("train", "validation", "test"))).hexdigest()
    assert manifest["hash"] == digest == info.hash and verify_snapshot(folder)
    frames = {s: pl.read_parquet(folder / f"{s}.parquet") for s in ("train", "validation", "test")}
    for df in frames.values():
        assert {"report_key": pl.String, "patient_key": pl.String, "exam_year": pl.Int32, "modality": pl.String,
                "body_part": pl.String, "findings": pl.String, "impression": pl.String}.items() <= df.schema.items()
    assert {s: df.height for s, df in frames.items()} == manifest["splits"]
    assert sum(manifest["splits"].values()) == 120
    patients = [set(df["patient_key"]) for df in frames.values()]
    assert not (patients[0] & patients[1] or patients[0] & patients[2] or patients[1] & patients[2])
    assert manifest["funnel"][-1]["remaining"] == 120
    for fmt in ("instruction", "alpaca", "chat"):
        lines = (folder / "exports" / fmt / "train.jsonl").read_text().splitlines()
        assert len(lines) == manifest["splits"]["train"]
    first = frames["train"].row(0, named=True)
    alpaca = json.loads((folder / "exports" / "alpaca" / "train.jsonl").read_text().splitlines()[0])
    assert set(alpaca) == {"instruction", "input", "output", "text"}
    assert (alpaca["input"], alpaca["output"]) == (first["findings"], first["impression"])
    assert alpaca["text"].endswith("### Response:\n" + first["impression"])
    chat = json.loads((folder / "exports" / "chat" / "train.jsonl").read_text().splitlines()[0])
    assert [m["role"] for m in chat["messages"]] == ["system", "user", "assistant"]
    assert chat["messages"][2]["content"] == first["impression"]
    # the messages training's chat-template prompt has (before #19: the instruction as system, the bare findings)
    assert chat["messages"][:2] == get_task("findings-to-impression").chat_messages(first["findings"])


@pytest.mark.parametrize(("task", "retrieval"), [("findings-to-impression", None),
                                                 ("impression-to-report", {"k": 2, "index": "tfidf"})])
def test_chat_export_is_what_training_builds_for_the_same_pair(pairs_site, tiny_llama_path, task, retrieval):
    """A site fine-tuning elsewhere on exports/chat gets the prompt radforge trains and generates with."""
    from transformers import AutoTokenizer

    from training.prompts import build_prompt
    from warehouse.retrieval import load_examples
    from warehouse.tasks import CHATML_PROMPT

    folder = Path(create_snapshot("chat", pairs_site, task=task, retrieval=retrieval).path)
    t, tokenizer = get_task(task), AutoTokenizer.from_pretrained(tiny_llama_path)
    for split in ("train", "test"):
        rows = pl.read_parquet(folder / f"{split}.parquet").to_dicts()
        shown = load_examples(folder, split, 2, task) if retrieval else {}
        lines = (folder / "exports" / "chat" / f"{split}.jsonl").read_text().splitlines()
        for line, row in zip(lines, rows, strict=True):
            system, user, answer = json.loads(line)["messages"]
            source, examples = t.source_text(row), shown.get(row["report_key"])
            assert tokenizer.apply_chat_template([system, user], tokenize=False, add_generation_prompt=True) == \
                build_prompt(source, "chat-template", tokenizer, task, examples)
            assert CHATML_PROMPT.format(system=system["content"], user=user["content"]) == \
                build_prompt(source, "chat-template", None, task, examples)
            assert answer == {"role": "assistant", "content": t.target_text(row)}
        assert not retrieval or all(f"{t.source_label}:" in json.loads(x)["messages"][1]["content"] for x in lines)


def test_snapshot_is_immutable(pairs_site):
    first = create_snapshot("frozen", pairs_site)
    folder = pairs_site.zone("snapshots") / "frozen"
    with pytest.raises(SnapshotExists):
        create_snapshot("frozen", pairs_site)
    assert not os.access(folder / "train.parquet", os.W_OK) or os.geteuid() == 0
    assert oct(os.stat(folder / "train.parquet").st_mode & 0o777) == "0o444"
    assert oct(os.stat(folder).st_mode & 0o777) == "0o555"
    commit_deid(pairs_site, _rows(130)[120:], partition_id="more-00000")  # new data arrives
    build_pairs(pairs_site)
    second = create_snapshot("frozen-2", pairs_site)
    assert verify_snapshot(folder) and json.loads((folder / "manifest.json").read_text())["hash"] == first.hash
    assert second.hash != first.hash and sum(second.splits.values()) == 130
    assert [s["name"] for s in list_snapshots(pairs_site)] == ["frozen-2", "frozen"]


def test_hash_detects_a_changed_split_file(pairs_site):
    create_snapshot("tamper", pairs_site)
    path = pairs_site.zone("snapshots") / "tamper" / "train.parquet"  # train is never empty (test may be)
    os.chmod(path, 0o644)
    df = pl.read_parquet(path)
    assert df.height > 1
    df.head(df.height - 1).write_parquet(path)
    assert not verify_snapshot(path.parent)


def test_temporal_snapshot_and_years(pairs_site):
    info = create_snapshot("t2019", pairs_site, years="2015-2019", split="temporal", test_year=2019)
    folder = pairs_site.zone("snapshots") / "t2019"
    test = pl.read_parquet(folder / "test.parquet")
    train = pl.read_parquet(folder / "train.parquet")
    assert set(test["exam_year"]) == {2019} and train["exam_year"].max() <= 2018
    stages = [f["stage"] for f in info.manifest["funnel"]]
    assert stages[-2:] == ["outside_years", "after_test_year"]
    assert info.manifest["funnel"][-2]["removed"] == 20  # the 2020 rows


def test_auto_snapshots_for_the_dags(pairs_site):
    from warehouse.snapshot import snapshot_if_changed, temporal_snapshot

    a = snapshot_if_changed(pairs_site)
    b = snapshot_if_changed(pairs_site)
    assert a["created"] and not b["created"] and a["snapshot"] == b["snapshot"] and a["hash"] == b["hash"]
    t = temporal_snapshot(pairs_site, test_year=2018, task="impression-to-report")
    manifest = json.loads((pairs_site.zone("snapshots") / t["snapshot"] / "manifest.json").read_text())
    assert manifest["task"] == "impression-to-report"
    rec = json.loads((pairs_site.zone("snapshots") / t["snapshot"] / "exports/instruction/test.jsonl")
                     .read_text().splitlines()[0])
    assert rec["input"].startswith("Finding ") and rec["output"].startswith("The lungs are clear.")


def test_dedup_drops_cross_split_duplicates(site):
    """`--dedup`: validation/test lose what (near-)duplicates an earlier split; funnel and manifest say how many."""
    from warehouse.leakage import deduplicate_across_splits, normalise_findings

    # each findings text 8 times, one patient per report: with the site's random secret and a 10 % test
    # share, 40 patients left the test split empty in 1.5 % of runs (0.9**40); 120 make that 3e-6
    rows = [deid_row(i, pair_text(FINDINGS.format(i=i % 15), f"Finding {i}."), patient=f"p{i:03d}",
                     year=2015 + i % 6) for i in range(120)]
    commit_deid(site, rows)
    build_pairs(site)
    pairs_site = site
    plain = create_snapshot("plain", pairs_site)
    frames = {s: pl.read_parquet(f"{plain.path}/{s}.parquet") for s in ("train", "validation", "test")}
    _, expected = deduplicate_across_splits(frames)
    assert expected["test"]["near"] + expected["test"]["exact"] > 0  # the findings differ only by a number
    assert plain.manifest["leakage"] is None

    info = create_snapshot("deduped", pairs_site, dedup=True)
    assert info.manifest["leakage"]["removed"] == expected
    assert info.splits["test"] == expected["test"]["kept"] < plain.splits["test"]
    assert info.splits["train"] == plain.splits["train"]
    assert [f["stage"] for f in info.manifest["funnel"][-2:]] == ["leaked_into_validation", "leaked_into_test"]
    assert info.manifest["funnel"][-1]["remaining"] == sum(info.splits.values())
    assert verify_snapshot(Path(info.path))
    train = {normalise_findings(f) for f in pl.read_parquet(f"{info.path}/train.parquet")["findings"]}
    assert not any(normalise_findings(f) in train for f in pl.read_parquet(f"{info.path}/test.parquet")["findings"])

"""Leakage between splits, on a hand-made split with known duplicates and on the real corpus."""

from __future__ import annotations

import json
import random

import polars as pl
import pytest
from shared_data import make_pairs, write_snapshot

from warehouse.leakage import (
    deduplicate_across_splits,
    drop_leaked,
    find_leakage,
    normalise_findings,
    split_leakage,
)
from warehouse.snapshot import deduplicate_snapshot

LONG = ("The heart is normal in size. The mediastinum is unremarkable. The lungs are clear without focal "
        "consolidation, pneumothorax or pleural effusion. The osseous structures are intact.")
TRAIN = [
    "The lungs are clear. No pleural effusion.",
    LONG,
    "Stable cardiomegaly with mild pulmonary vascular congestion.",
    "Right lower lobe airspace disease consistent with pneumonia.",
]
# Known answer for each test row: exact (normalisation only), near (one word changed in a long text), or none.
TEST = [
    ("  the LUNGS are clear;  no pleural effusion ", "exact"),      # case, spacing, punctuation
    ("Stable cardiomegaly with mild pulmonary vascular congestion.", "exact"),
    (LONG.replace("intact", "unremarkable"), "near"),                  # only the last trigram differs: Jaccard 25/27
    ("Left upper lobe mass measuring 3 cm, suspicious for malignancy.", None),
    ("The lungs are clear.", None),                                   # a prefix is not a duplicate
    ("", None),                                                       # empty findings never leak
    ("Right lower lobe airspace disease consistent with aspiration.", None),  # Jaccard 5/7 < 0.8
]


def test_hand_made_split_counts_exactly():
    report = find_leakage(TRAIN, [t for t, _ in TEST], threshold=0.8)
    expected = {i: kind for i, (_, kind) in enumerate(TEST) if kind}
    assert report.kinds == expected
    assert (report.exact, report.near, report.leaked) == (2, 1, 3)
    assert report.leaked_rows == [0, 1, 2]
    assert report.to_dict()["fraction"] == pytest.approx(3 / 7, abs=1e-6)
    exact_only = find_leakage(TRAIN, [t for t, _ in TEST], near=False)
    assert (exact_only.exact, exact_only.near) == (2, 0)


def test_threshold_moves_the_near_count():
    probe = ["Right lower lobe airspace disease consistent with aspiration."]
    assert find_leakage(TRAIN, probe, threshold=0.8).near == 0
    assert find_leakage(TRAIN, probe, threshold=0.5).near == 1  # Jaccard 5/7 of the trigram sets
    with pytest.raises(ValueError):
        find_leakage(TRAIN, probe, threshold=0)


def test_drop_and_deduplicate_across_splits():
    def frame(texts: list[str], prefix: str) -> pl.DataFrame:
        return pl.DataFrame({"report_key": [f"{prefix}{i}" for i in range(len(texts))], "findings": texts})

    train = frame(TRAIN, "tr")
    test = frame([t for t, _ in TEST], "te")
    report = split_leakage(train, test)
    assert drop_leaked(test, report)["report_key"].to_list() == ["te3", "te4", "te5", "te6"]
    validation = frame(["Left upper lobe mass measuring 3 cm, suspicious for malignancy.", TRAIN[0]], "va")
    splits, stats = deduplicate_across_splits({"train": train, "validation": validation, "test": test})
    assert splits["train"].height == 4
    assert splits["validation"]["report_key"].to_list() == ["va0"]
    # test loses the 3 train leaks and the row that duplicates validation's surviving row
    assert splits["test"]["report_key"].to_list() == ["te4", "te5", "te6"]
    assert stats == {"train": {"exact": 0, "near": 0, "kept": 4}, "validation": {"exact": 1, "near": 0, "kept": 1},
                     "test": {"exact": 3, "near": 1, "kept": 3}}


def test_normalisation():
    assert normalise_findings(" No  acute\nDISEASE. ") == "no acute disease"
    assert normalise_findings(None) == ""


def test_real_corpus_a_quarter_of_test_findings_are_in_train(iu_export):
    """The issue's figure: on a random 80/20 split of IU X-ray ~25% of test findings occur verbatim in train."""
    out, _ = iu_export
    rows = [json.loads(line) for line in (out / "sections.jsonl").read_text().splitlines()]
    both = [r for r in rows if r["findings"] and r["impression"]]
    random.Random(0).shuffle(both)
    cut = int(len(both) * 0.8)
    report = find_leakage([r["findings"] for r in both[:cut]], [r["findings"] for r in both[cut:]])
    assert report.n_test == 684
    # direct count, independent of the module: normalised set membership
    seen = {normalise_findings(r["findings"]) for r in both[:cut]}
    assert report.exact == sum(normalise_findings(r["findings"]) in seen for r in both[cut:])
    assert 0.2 < report.exact / report.n_test < 0.3
    assert report.near > 0


def test_deduplicated_snapshot_is_a_valid_new_snapshot(site):
    from warehouse.snapshot import verify_snapshot

    root = site.zone("snapshots")
    write_snapshot(root, "src", make_pairs(60))  # templated synthetic findings: many repeats across splits
    frames = {s: pl.read_parquet(root / "src" / f"{s}.parquet") for s in ("train", "validation", "test")}
    _, expected = deduplicate_across_splits(frames)
    result = deduplicate_snapshot("src", "src-dedup", site)
    assert result["removed"] == expected
    assert expected["test"]["exact"] + expected["test"]["near"] > 0
    folder = root / "src-dedup"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert verify_snapshot(folder) and manifest["hash"] != json.loads((root / "src" / "manifest.json").read_text())[
        "hash"]
    assert manifest["splits"]["test"] == expected["test"]["kept"] == pl.read_parquet(folder / "test.parquet").height
    assert manifest["leakage"]["source"] == "src" and manifest["funnel"][-1]["stage"] == "leaked_into_test"
    train_norm = {normalise_findings(f) for f in pl.read_parquet(folder / "train.parquet")["findings"]}
    assert not any(normalise_findings(f) in train_norm for f in pl.read_parquet(folder / "test.parquet")["findings"])
    assert len((folder / "exports" / "chat" / "test.jsonl").read_text().splitlines()) == manifest["splits"]["test"]
    with pytest.raises(Exception, match="already exists"):
        deduplicate_snapshot("src", "src-dedup", site)

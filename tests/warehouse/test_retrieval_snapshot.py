"""Retrieval-augmented snapshots (issue #18, item 1): a train-only index, stored and hashed, no self-retrieval.

Real pipeline: de-identified rows -> pairs -> `create_snapshot(retrieval=...)` on real Parquet/DuckDB.
"""

from __future__ import annotations

import json
import re

import numpy as np
import polars as pl
import pytest
from wh_helpers import commit_deid, deid_row, pair_text

from radforge.errors import ConfigError
from warehouse.pairs import build_pairs
from warehouse.retrieval import INDEX_DIR, LexicalIndex, RetrievalSpec, load_examples
from warehouse.snapshot import create_snapshot, verify_snapshot

TOPICS = [("The lungs are clear. No pleural effusion. Heart size normal.", "No acute cardiopulmonary disease."),
          ("Right lower lobe airspace opacity. Heart size normal.", "Right lower lobe pneumonia."),
          ("Small left pleural effusion with basilar atelectasis.", "Small left pleural effusion."),
          ("The heart is enlarged. Pulmonary vascular congestion.", "Cardiomegaly with vascular congestion.")]


def _rows(n: int = 160) -> list[dict]:
    rows = []
    for i in range(n):
        findings, impression = TOPICS[i % 4]
        rows.append(deid_row(i, pair_text(f"{findings} Marker word{i} seen.", impression), patient=f"p{i:03d}",
                             year=2015 + i % 5))
    return rows


@pytest.fixture
def rag_site(site):
    commit_deid(site, _rows())
    build_pairs(site)
    return site


@pytest.mark.parametrize("kind", ["tfidf", "bm25"])
def test_index_is_fitted_on_train_only_stored_and_hashed(rag_site, kind):
    info = create_snapshot(f"rag-{kind}", rag_site, retrieval={"k": 3, "index": kind})
    folder = rag_site.zone("snapshots") / f"rag-{kind}"
    block = info.manifest["retrieval"]
    assert block["k"] == 3 and block["index"] == kind and block["fitted_on"] == "train" and len(block["hash"]) == 64
    assert verify_snapshot(folder)
    frames = {s: pl.read_parquet(folder / f"{s}.parquet") for s in ("train", "validation", "test")}
    index = json.loads((folder / INDEX_DIR / "index.json").read_text())
    # every term of the stored vocabulary comes from train findings: validation/test never shape the index
    train_words = {w for t in frames["train"]["findings"] for w in re.findall(r"\b\w\w+\b", t.lower())}
    held_out = {w for s in ("validation", "test") for t in frames[s]["findings"]
                for w in re.findall(r"\b\w\w+\b", t.lower())} - train_words
    assert held_out and set(index["vocabulary"]) == train_words and not held_out & set(index["vocabulary"])
    neighbours = pl.read_parquet(folder / INDEX_DIR / "neighbours.parquet")
    train_keys = set(frames["train"]["report_key"])
    assert set(neighbours["neighbour_key"]) <= train_keys  # only train pairs are ever shown
    for split, frame in frames.items():
        part = neighbours.filter(pl.col("split") == split)
        assert part.height == 3 * frame.height and set(part["report_key"]) == set(frame["report_key"])
    own = neighbours.filter(pl.col("split") == "train")
    assert (own["report_key"] != own["neighbour_key"]).all()  # a train example never retrieves itself
    # ranked by score, and the nearest neighbours share the query's topic
    for _key, group in own.group_by(["report_key"]):
        assert group.sort("rank")["score"].to_list() == sorted(group["score"].to_list(), reverse=True)
    examples = load_examples(folder, "test", 3, "findings-to-impression")
    test = frames["test"].to_dicts()
    same_topic = [ex[0][1] == row["impression"] for row in test for ex in [examples[row["report_key"]]]]
    assert np.mean(same_topic) == 1.0


def test_tfidf_index_equals_scikit_learn_cosine():
    from sklearn.feature_extraction.text import TfidfVectorizer

    train = [t for t, _ in TOPICS] + ["Lungs clear, heart normal.", "Effusion on the left, small."]
    queries = ["small effusion left side", "clear lungs normal heart size", "enlarged heart"]
    rows, scores = LexicalIndex.fit(train, "tfidf").search(queries, 2)
    vec = TfidfVectorizer(sublinear_tf=True).fit(train)
    sims = (vec.transform(queries) @ vec.transform(train).T).toarray()
    assert rows[:, 0].tolist() == sims.argmax(axis=1).tolist()
    assert scores[:, 0] == pytest.approx(sims.max(axis=1))


def test_exports_show_the_same_similar_reports_as_the_prompts(rag_site):
    from training.prompts import build_prompt
    from warehouse.tasks import get_task

    create_snapshot("rag-exp", rag_site, retrieval={"k": 2, "index": "tfidf"})
    folder = rag_site.zone("snapshots") / "rag-exp"
    test = pl.read_parquet(folder / "test.parquet").to_dicts()
    examples = load_examples(folder, "test", 2, "findings-to-impression")
    alpaca = [json.loads(x) for x in (folder / "exports/alpaca/test.jsonl").read_text().splitlines()]
    for row, rec in zip(test, alpaca, strict=True):
        shown = examples[row["report_key"]]
        assert rec["input"] == get_task("findings-to-impression").context_text(row["findings"], shown)
        assert rec["input"].startswith("Similar reports:") and shown[0][1] in rec["input"]
        assert build_prompt(row["findings"], "alpaca", examples=shown) == rec["text"][: -len(rec["output"])]


def test_dedup_then_index_and_the_other_direction(rag_site):
    info = create_snapshot("rag-i2r", rag_site, task="impression-to-report", dedup=True,
                           retrieval={"k": 3, "index": "bm25"})
    folder = rag_site.zone("snapshots") / "rag-i2r"
    assert info.manifest["retrieval"]["source"] == "impression"  # the other direction retrieves by impression
    ex = load_examples(folder, "train", 3, "impression-to-report")
    train = pl.read_parquet(folder / "train.parquet")
    row = train.row(0, named=True)
    # identical impressions are excluded for train queries (never its own answer); neighbours are train findings
    assert all(tgt in set(train["findings"]) for pairs in ex.values() for _, tgt in pairs)
    assert all(src != row["impression"] for src, _ in ex[row["report_key"]])


def test_bad_retrieval_options_are_refused(rag_site):
    with pytest.raises(ConfigError, match="index must be"):
        create_snapshot("bad1", rag_site, retrieval={"k": 3, "index": "dense"})
    with pytest.raises(ConfigError, match="between 1"):
        RetrievalSpec(0, "tfidf")
    assert RetrievalSpec.parse({"k": 0}) is None and RetrievalSpec.parse(None) is None
    info = create_snapshot("plain", rag_site)
    assert info.manifest["retrieval"] is None and not (rag_site.zone("snapshots") / "plain" / INDEX_DIR).exists()


def test_deduplicating_an_indexed_snapshot_rebuilds_its_index(rag_site):
    from warehouse.snapshot import deduplicate_snapshot

    create_snapshot("rag-src", rag_site, retrieval={"k": 2, "index": "tfidf"})
    out = deduplicate_snapshot("rag-src", "rag-dd", rag_site)
    folder = rag_site.zone("snapshots") / "rag-dd"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["retrieval"]["k"] == 2 and verify_snapshot(folder)
    neighbours = pl.read_parquet(folder / INDEX_DIR / "neighbours.parquet")
    assert neighbours.filter(pl.col("split") == "test").height == 2 * out["splits"]["test"]

"""bench/bench_summarization.py: the by-similarity rows split the test reports by their stored rank-1 neighbour."""

from __future__ import annotations

from types import SimpleNamespace

import bench_summarization as bench  # bench/bench_summarization.py
import numpy as np
import polars as pl
import pytest

from warehouse.retrieval import INDEX_DIR, NEIGHBOURS_FILE


def _store(folder, scores: dict[str, float]) -> None:
    rows = [{"split": "test", "report_key": k, "rank": 1, "neighbour_key": f"t{k}", "score": s}
            for k, s in scores.items()]
    rows += [{"split": "test", "report_key": k, "rank": 2, "neighbour_key": f"u{k}", "score": 0.99} for k in scores]
    rows.append({"split": "validation", "report_key": "a", "rank": 1, "neighbour_key": "tz", "score": 0.99})
    (folder / INDEX_DIR).mkdir(parents=True)
    pl.DataFrame(rows).write_parquet(folder / INDEX_DIR / NEIGHBOURS_FILE)


def test_bins_use_the_rank_one_test_neighbour_and_give_the_paired_margin(tmp_path):
    _store(tmp_path, {"a": 0.2, "b": 0.4, "c": 0.6, "d": 0.95})
    keys = ["a", "b", "c", "d"]
    scores = {"model": SimpleNamespace(rougeL=np.array([0.5, 0.7, 0.4, 0.2])),
              "retrieval": SimpleNamespace(rougeL=np.array([0.1, 0.3, 0.4, 0.9])),
              "knn_vote": SimpleNamespace(rougeL=np.array([0.2, 0.2, 0.5, 0.8]))}
    rows = bench.by_neighbour_similarity(bench.top_similarity(tmp_path, keys), scores, samples=200)
    assert [(r["similarity"], r["n"]) for r in rows] == [([0.0, 0.5], 2), ([0.5, 0.7], 1), ([0.7, 1.0], 1)]
    low, _mid, high = rows
    assert low["rougeL_model"] == pytest.approx(0.6) and low["rougeL_retrieval"] == pytest.approx(0.2)
    assert low["model_vs_retrieval"][0] == pytest.approx(0.4)  # paired: the same two reports
    assert high["rougeL_knn_vote"] == pytest.approx(0.8) and high["model_vs_retrieval"][0] == pytest.approx(-0.7)


def test_an_empty_bin_is_kept_with_its_count(tmp_path):
    _store(tmp_path, {"a": 0.1})
    scores = {s: SimpleNamespace(rougeL=np.array([0.3])) for s in ("model", "retrieval", "knn_vote")}
    rows = bench.by_neighbour_similarity(bench.top_similarity(tmp_path, ["a"]), scores, samples=50)
    assert [r["n"] for r in rows] == [1, 0, 0] and "rougeL_model" not in rows[2]


def test_copy_gate_takes_retrieval_at_and_above_the_threshold():
    s1 = np.array([0.2, 0.7, 0.9, 0.69])
    scores = {"model": SimpleNamespace(rougeL=np.array([0.6, 0.1, 0.1, 0.5])),
              "retrieval": SimpleNamespace(rougeL=np.array([0.2, 0.8, 0.9, 0.4])),
              "knn_vote": SimpleNamespace(rougeL=np.array([0.3, 0.8, 0.7, 0.4]))}
    masks = {"all": np.ones(4, bool), "abnormal": np.array([True, False, False, True])}
    gate = bench.copy_gate(s1, scores, masks, "retrieval", samples=200, threshold=0.7)
    assert gate["copied"] == 2 and gate["rougeL"] == pytest.approx((0.6 + 0.8 + 0.9 + 0.5) / 4)
    assert gate["vs_best"][0] == pytest.approx(((0.6 - 0.2) + (0.5 - 0.4)) / 4)  # copied reports tie retrieval
    assert gate["rougeL_abnormal"] == pytest.approx(0.55)

"""Retrieval-augmented evaluation (issue #18): generation, judge context and report use the training prompt;
the promotion gate also asks for a significant win over the best simple baseline.

Real tiny Llama trained for a few steps with `retrieval: {k: 2}`, a real snapshot folder with a stored index.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from shared_data import add_retrieval, fresh_site, make_pairs, write_snapshot


@pytest.fixture(scope="module")
def rag_eval(tmp_path_factory, tiny_llama_path):
    from training.registry import get_run
    from training.run import train

    home = tmp_path_factory.mktemp("ragsite")
    with fresh_site(home) as settings:
        folder = write_snapshot(settings.zone("snapshots"), "tiny", make_pairs(60))
        add_retrieval(folder, k=3)
        cfg = {"name": "rag", "base_model": str(tiny_llama_path), "method": "lora",
               "lora": {"r": 8, "alpha": 16, "dropout": 0.0, "target_modules": "all-linear"},
               "max_seq_len": 512, "micro_batch_size": 1, "lr": 5e-3, "warmup_ratio": 0.0, "max_steps": 3,
               "checkpoint_every": 3, "logging_steps": 1, "retrieval": {"k": 2, "index": "tfidf"},
               "dataset": {"snapshot": "tiny", "eval_split": None}}
        run = get_run(train(cfg, settings, disable_tqdm=True))
        from evaluation.config import EvalConfig, JudgeConfig
        from evaluation.run import evaluate

        summary = evaluate(EvalConfig(snapshot="tiny", run_id=run["run_id"], limit=6, max_new_tokens=4, batch_size=3,
                                      bootstrap_samples=200,
                                      judge=JudgeConfig(enabled=True, rubric="mgh-0-10", model_path=tiny_llama_path,
                                                        limit=2)), settings)
        yield settings, run, summary


def test_generation_uses_the_training_prompt_with_the_stored_neighbours(rag_eval, tiny_llama_path) -> None:
    from warehouse.retrieval import load_examples
    from warehouse.tasks import get_task

    settings, run, s = rag_eval
    assert s["retrieval"] == {"k": 2, "index": "tfidf"} and s["model"]["retrieval"] == run["retrieval"]
    folder = settings.zone("snapshots") / "tiny"
    stored = load_examples(folder, "test", 2, "findings-to-impression")
    preds = pl.read_parquet(s["paths"]["predictions"])
    assert preds.height == 6
    for row in preds.to_dicts():
        assert row["context"] == get_task("findings-to-impression").context_text(row["findings"],
                                                                                stored[row["report_key"]])
        assert row["context"].startswith("Similar reports:")
    html = Path(s["paths"]["report"]).read_text()
    assert "retrieval-augmented: 2 nearest train pairs" in html and "Similar reports:" in html
    assert "k-NN vote" in html and "knn_vote" in s["systems"]
    # the judge was told what the model read (the same context), through the rubric's source section
    verdicts = pl.read_parquet(Path(s["paths"]["dir"]) / "verdicts.parquet")
    assert verdicts.height == 2 and all("Similar reports:" in p for p in verdicts["prompt"])


def test_a_bare_folder_evaluated_with_retrieval_needs_the_index(rag_eval, tiny_llama_path) -> None:
    from evaluation.config import EvalConfig
    from evaluation.errors import EvaluationError
    from evaluation.run import evaluate

    settings, _, _ = rag_eval
    with pytest.raises(EvaluationError, match="stores 3 tfidf"):
        evaluate(EvalConfig(snapshot="tiny", model_path=tiny_llama_path, limit=2,
                            retrieval={"k": 5, "index": "tfidf"}), settings)


def _eval_folder(settings, eval_id: str, systems: dict[str, np.ndarray]) -> None:
    from evaluation.metrics import BLEU_STATS, METRICS

    folder = settings.zone("evals") / eval_id
    folder.mkdir(parents=True)
    n = len(next(iter(systems.values())))
    keys = [f"r{i:03d}" for i in range(n)]
    frames = [pl.DataFrame({"report_key": keys, "system": [name] * n, "prediction": [""] * n,
                            **{m: values for m in METRICS}, **{f"bleu_s{j}": [0] * n for j in range(BLEU_STATS)}})
              for name, values in systems.items()]
    pl.concat(frames).write_parquet(folder / "scores.parquet")
    (folder / "summary.json").write_text(json.dumps({"eval_id": eval_id, "model": {}, "split": "test",
                                                     "snapshot": {"hash": "h"}}))


def test_promotion_gate_also_compares_with_the_best_baseline(rag_eval) -> None:
    from evaluation.promotion import decide_and_promote

    settings, _, _ = rag_eval
    rng = np.random.default_rng(0)
    better = 0.5 + 0.05 * rng.random(60)
    base = {"constant": 0.2 + 0.05 * rng.random(60), "retrieval": 0.6 + 0.05 * rng.random(60),
            "knn_vote": 0.7 + 0.05 * rng.random(60), "copy_findings": 0.05 * rng.random(60)}
    _eval_folder(settings, "cand", {"model": better, **base})
    _eval_folder(settings, "prod", {"model": better - 0.3, **base})
    refused = decide_and_promote(settings, {"run_id": "r1", "candidate_eval": "cand", "production_eval": "prod",
                                            "task": "findings-to-impression", "year": 2024})
    assert not refused["promoted"] and refused["best_baseline"] == "knn_vote" and not refused["beats_best_baseline"]
    assert "not significantly better than the best baseline" in refused["reason"] and refused["delta"] > 0.25
    weak = {k: v - 0.6 for k, v in base.items()}
    _eval_folder(settings, "cand2", {"model": better, **weak})
    _eval_folder(settings, "prod2", {"model": better, **weak})  # no gain on production: kept, baselines beaten
    kept = decide_and_promote(settings, {"run_id": "r2", "candidate_eval": "cand2", "production_eval": "prod2",
                                         "task": "findings-to-impression", "year": 2025})
    assert not kept["promoted"] and kept["beats_best_baseline"] and "improvement not above margin" in kept["reason"]

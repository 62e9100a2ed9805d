"""Retrieval-augmented training (issue #18, item 1): the prompt shows the snapshot's k nearest train pairs.

Real tiny Llama, real tokenizer, real snapshot folder with a stored index (tests/shared_data.add_retrieval).
"""

from __future__ import annotations

import pytest
from shared_data import add_retrieval

from radforge.errors import ConfigError
from training.config import load_config
from training.data import load_split, resolve_snapshot, tokenize_pairs
from training.prompts import build_prompt
from warehouse.retrieval import load_examples


def _cfg(**over):
    return load_config({"dataset": {"snapshot": "tiny"}, **over})


def test_train_prompts_show_the_k_nearest_train_pairs_never_their_own(site, tiny_snapshot, tiny_llama_path) -> None:
    from transformers import AutoTokenizer

    add_retrieval(tiny_snapshot, k=3, index="tfidf")
    tok = AutoTokenizer.from_pretrained(tiny_llama_path)
    cfg = _cfg(retrieval={"k": 2, "index": "tfidf"})
    snap = resolve_snapshot(cfg, site)
    rows = load_split(snap, "train", retrieval_k=2)
    stored = load_examples(tiny_snapshot, "train", 2, "findings-to-impression")
    assert all(len(r["examples"]) == 2 and r["examples"] == stored[r["report_key"]] for r in rows)
    assert all((r["findings"], r["impression"]) not in r["examples"] for r in rows)  # never itself
    examples, stats = tokenize_pairs(rows, tok, cfg)
    assert stats.examples_kept == len(rows)
    for ex, row in zip(examples[:5], rows[:5], strict=True):
        first = next(i for i, t in enumerate(ex["labels"]) if t != -100)
        prompt = tok.decode(ex["input_ids"][:first])
        assert prompt == build_prompt(row["findings"], "instruction", examples=row["examples"])
        assert "### Similar reports:" in prompt and row["examples"][0][1] in prompt
        assert tok.decode([t for t in ex["labels"] if t != -100][:-1]) == row["impression"]  # loss: target only


def test_a_run_asking_for_retrieval_needs_a_matching_index(site, tiny_snapshot) -> None:
    with pytest.raises(ConfigError, match="no retrieval index"):
        resolve_snapshot(_cfg(retrieval={"k": 2}), site)
    add_retrieval(tiny_snapshot, k=2, index="bm25")
    with pytest.raises(ConfigError, match="stores 2 bm25"):
        resolve_snapshot(_cfg(retrieval={"k": 3, "index": "bm25"}), site)
    with pytest.raises(ConfigError, match="stores 2 bm25"):
        resolve_snapshot(_cfg(retrieval={"k": 2, "index": "tfidf"}), site)
    assert resolve_snapshot(_cfg(retrieval={"k": 1, "index": "bm25"}), site).has_retrieval


def test_retrieval_run_records_its_k_and_learns(site, tiny_snapshot, run_config) -> None:
    from training.registry import get_run
    from training.run import train

    add_retrieval(tiny_snapshot, k=3)
    cfg = run_config(retrieval={"k": 2, "index": "tfidf"}, max_seq_len=512, max_steps=6, checkpoint_every=6)
    record = get_run(train(cfg, site, disable_tqdm=True))
    assert record["status"] == "completed" and record["retrieval"] == {"k": 2, "index": "tfidf"}
    history = record["metrics"]["loss_history"]
    assert history[-1]["loss"] < history[0]["loss"], history

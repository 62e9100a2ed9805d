"""Packing without cross-contamination, proved numerically on CPU.

A packed (flattened, padding-free) batch must give the same per-token logits and the same loss as
the examples run separately. transformers builds the block-diagonal mask from restarting position
ids only when no KV cache is in play; a Llama in train mode with the stock `use_cache=True` builds a
cache and silently lets examples attend to each other. The engine sets `use_cache=False`; the last
test keeps that trap visible (and proves this test can fail).
"""

from __future__ import annotations

import pytest
import torch

from training.config import load_config
from training.data import PackedCollator, PaddedCollator, load_split, resolve_snapshot, tokenize_pairs


def _batches(site, tokenizer, n=8):
    cfg = load_config({"dataset": {"snapshot": "tiny"}})
    examples, _ = tokenize_pairs(load_split(resolve_snapshot(cfg, site), "train", n), tokenizer, cfg)
    pack = {key: [t for e in examples for t in e[key]] for key in ("input_ids", "labels", "example")}
    pack["seq_lengths"] = [len(e["input_ids"]) for e in examples]
    return examples, PackedCollator()([pack]), PaddedCollator(tokenizer.pad_token_id)(examples)


def _model(path, attn: str):
    from training.engine import build_model

    cfg = load_config({"base_model": str(path), "method": "full", "attn_implementation": attn})
    torch.manual_seed(0)
    return build_model(cfg, path)


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_packed_loss_and_logits_equal_unpacked(site, tiny_snapshot, tiny_llama_path, attn: str) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_llama_path)
    examples, packed, padded = _batches(site, tok)
    model = _model(tiny_llama_path, attn).train()  # train mode, as under the Trainer (dropout is 0)
    with torch.no_grad():
        packed_out = model(**packed)
        padded_loss = model(**padded).loss
        logits = packed_out.logits[0]
        start = 0
        for ex in examples:
            n = len(ex["input_ids"])
            alone = model(input_ids=torch.tensor([ex["input_ids"]])).logits[0]
            assert torch.allclose(alone, logits[start:start + n], atol=1e-4), "tokens attended across examples"
            start += n
    assert abs(packed_out.loss.item() - padded_loss.item()) < 1e-4


def test_stock_use_cache_default_cross_contaminates_packed_batches(site, tiny_snapshot, tiny_llama_path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_llama_path)
    examples, packed, _ = _batches(site, tok, n=2)
    model = _model(tiny_llama_path, "sdpa").train()
    n0 = len(examples[0]["input_ids"])
    with torch.no_grad():
        second_alone = model(input_ids=torch.tensor([examples[1]["input_ids"]])).logits[0]
        model.config.use_cache = True  # what a model loaded with from_pretrained has by default
        contaminated = model(**packed).logits[0, n0:]
        model.config.use_cache = False
        clean = model(**packed).logits[0, n0:]
    assert torch.allclose(clean, second_alone, atol=1e-4)
    assert (contaminated - second_alone).abs().max() > 1e-2


def test_one_row_per_pack_batches_are_not_contaminated(site, tiny_snapshot, tiny_llama_path) -> None:
    """sdpa/eager layout: several packs as rows, the short row topped up with a dummy block."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_llama_path)
    examples, _, _ = _batches(site, tok, n=5)
    packs = []
    for group in (examples[:3], examples[3:]):
        pack = {key: [t for e in group for t in e[key]] for key in ("input_ids", "labels", "example")}
        pack["seq_lengths"] = [len(e["input_ids"]) for e in group]
        packs.append(pack)
    batch = PackedCollator(per_row=True, pad_token_id=tok.pad_token_id)(packs)
    assert batch["input_ids"].shape[0] == 2 and "attention_mask" not in batch
    model = _model(tiny_llama_path, "sdpa").train()
    with torch.no_grad():
        logits = model(**batch).logits
        for row, group in enumerate((examples[:3], examples[3:])):
            start = 0
            for ex in group:
                n = len(ex["input_ids"])
                alone = model(input_ids=torch.tensor([ex["input_ids"]])).logits[0]
                assert torch.allclose(alone, logits[row, start:start + n], atol=1e-4)
                start += n

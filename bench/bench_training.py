"""Padded vs packed (padding-free) training batches: useful tokens per second, same model, data and process.

Both modes train the same LoRA model (fresh copy, same seed) on the same tokenised snapshot-style
pairs with the same token budget per optimiser step (micro-batch of 4 x max_seq_len slots):
  padded   4 examples per step, right-padded to max_seq_len (fixed shapes, the common SFT default)
  dynamic  4 examples per step, padded to the longest in the batch (reported for reference)
  packed   4 best-fit-decreasing packs per step, one row per pack, position ids restarting per example (radforge)
"Useful" tokens are real (non-pad) tokens. The timed loop is forward + backward + AdamW step,
after one warm-up step. Last line: one JSON object with `ratio` (packed / padded useful tokens/s)
and `nonpad_fraction` (real tokens / pack capacity over the whole packed dataset).

    .venv/bin/python bench/bench_training.py [--model PATH] [--pairs 600] [--steps 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
REPO = Path(__file__).resolve().parents[1]

ORGANS = [("lungs", "clear"), ("heart", "normal in size"), ("liver", "normal in attenuation"),
          ("kidneys", "without hydronephrosis"), ("spleen", "normal in size"), ("pancreas", "unremarkable"),
          ("gallbladder", "without stones"), ("aorta", "normal in caliber"), ("bones", "without lytic lesions"),
          ("adrenal glands", "unremarkable"), ("bladder", "decompressed"), ("mediastinum", "within normal limits")]
FINDINGS = [("right lower lobe opacity", "Right lower lobe pneumonia."),
            ("small left pleural effusion", "Small left pleural effusion."),
            ("3 mm nonobstructing left renal stone", "Nonobstructing left nephrolithiasis."),
            ("cardiomegaly with pulmonary vascular congestion", "Cardiomegaly with mild pulmonary edema."),
            ("L4-L5 disc bulge with mild canal narrowing", "Degenerative disc disease at L4-L5.")]


def make_pairs(n: int, seed: int = 0) -> list[dict]:
    """Synthetic FINDINGS -> IMPRESSION pairs with realistic length spread (2 to 12 organ sentences)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        organs = rng.sample(ORGANS, rng.randint(2, 12))
        parts = [f"The {o} {'are' if o.endswith('s') else 'is'} {s}." for o, s in organs]
        impressions = []
        for finding, impression in rng.sample(FINDINGS, rng.randint(0, 3)):
            parts.insert(rng.randrange(len(parts) + 1), f"There is {finding}.")
            impressions.append(impression)
        rows.append({"report_key": f"b{i}", "findings": " ".join(parts),
                     "impression": " ".join(impressions) or "No acute abnormality."})
    return rows


def tiny_llama(dest: Path) -> Path:
    """The tests' tiny Llama (2 layers, 64 wide, SmolLM2 tokenizer), built if missing."""
    from radforge.models import prepare_tiny_llama

    return prepare_tiny_llama(dest)


def run_mode(name: str, batches: list, model_path: Path, cfg, warmup: int = 1) -> dict:
    import torch

    from training.engine import build_model

    torch.manual_seed(0)
    model = build_model(cfg, model_path).train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg.lr)
    tokens, slots, elapsed, losses = 0, 0, 0.0, []
    for i, (batch, real, capacity) in enumerate(batches):
        t0 = time.perf_counter()
        loss = model(**batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        dt = time.perf_counter() - t0
        losses.append(round(loss.item(), 4))
        if i >= warmup:
            elapsed += dt
            tokens += real
            slots += capacity
    return {"mode": name, "steps": len(batches) - warmup, "useful_tokens": tokens, "seconds": round(elapsed, 3),
            "useful_tokens_per_s": round(tokens / elapsed, 1), "step_nonpad_fraction": round(tokens / slots, 4),
            "first_losses": losses[:3]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="HF model folder (default: the tests' tiny Llama).")
    parser.add_argument("--pairs", type=int, default=600)
    parser.add_argument("--steps", type=int, default=5, help="Timed steps per mode (plus 1 warm-up).")
    parser.add_argument("--max-seq-len", type=int, default=512)
    parser.add_argument("--micro-batch", type=int, default=4)
    args = parser.parse_args()
    from radforge.process import configure_threads

    configure_threads()  # before torch loads: PASSIVE waits, threads = the CPUs available (or [process].threads)
    import torch
    from transformers import AutoTokenizer

    from training.config import load_config
    from training.data import PackedCollator, PaddedCollator, build_dataset, tokenize_pairs

    model_path = args.model or tiny_llama(Path(os.environ.get("RADFORGE_TEST_CACHE", REPO / ".venv" / ".test-cache"))
                                          / "tiny-llama")
    cfg = load_config({"base_model": str(model_path), "method": "lora", "max_seq_len": args.max_seq_len,
                       "lora": {"target_modules": "all-linear", "dropout": 0.0}, "lr": 1e-3})
    tok = AutoTokenizer.from_pretrained(model_path)
    examples, tstats = tokenize_pairs(make_pairs(args.pairs), tok, cfg)
    packed_ds, pstats = build_dataset(examples, cfg)
    n_steps = args.steps + 1
    B, L = args.micro_batch, args.max_seq_len
    rng = random.Random(0)
    order = list(range(len(examples)))
    rng.shuffle(order)

    padded_fixed = PaddedCollator(tok.pad_token_id, pad_to=L)
    padded_dyn = PaddedCollator(tok.pad_token_id)
    packed = PackedCollator(per_row=True, pad_token_id=tok.pad_token_id)  # sdpa: one row per pack
    fixed_batches, dyn_batches, packed_batches = [], [], []
    for s in range(n_steps):
        feats = [examples[order[(s * B + j) % len(order)]] for j in range(B)]
        real = sum(len(f["input_ids"]) for f in feats)
        fixed_batches.append((padded_fixed(feats), real, B * L))
        dyn = padded_dyn(feats)
        dyn_batches.append((dyn, real, dyn["input_ids"].numel()))
        packs = [packed_ds[(s * B + j) % len(packed_ds)] for j in range(B)]
        pb = packed(packs)
        packed_batches.append((pb, sum(len(p["input_ids"]) for p in packs), B * L))

    print(f"model {model_path.name}; {tstats.examples_kept} examples (mean {tstats.tokens / tstats.examples_kept:.0f}"
          f" tokens, {tstats.overlength_dropped} over-length dropped); {pstats.packs} packs of {L}; "
          f"micro-batch {B} x {L} token slots per step")
    results = [run_mode("padded", fixed_batches, model_path, cfg), run_mode("dynamic", dyn_batches, model_path, cfg),
               run_mode("packed", packed_batches, model_path, cfg)]
    for r in results:
        print(f"{r['mode']:<8} {r['useful_tokens_per_s']:>10.1f} useful tokens/s  "
              f"({r['useful_tokens']} tokens in {r['seconds']} s, step non-pad fraction {r['step_nonpad_fraction']})")
    by = {r["mode"]: r for r in results}
    ratio = by["packed"]["useful_tokens_per_s"] / by["padded"]["useful_tokens_per_s"]
    ratio_dyn = by["packed"]["useful_tokens_per_s"] / by["dynamic"]["useful_tokens_per_s"]
    print(f"packed / padded-to-max_seq_len: {ratio:.2f}x (goal >= 2x); packed / dynamic padding: {ratio_dyn:.2f}x; "
          f"packed non-pad fraction {pstats.nonpad_fraction:.4f} (goal >= 0.95)")
    print(json.dumps({"bench": "training", "model": model_path.name, "device": "cpu" if not torch.cuda.is_available()
                      else torch.cuda.get_device_name(0), "max_seq_len": L, "micro_batch": B,
                      "padded_tokens_per_s": by["padded"]["useful_tokens_per_s"],
                      "dynamic_tokens_per_s": by["dynamic"]["useful_tokens_per_s"],
                      "packed_tokens_per_s": by["packed"]["useful_tokens_per_s"],
                      "ratio": round(ratio, 3), "ratio_vs_dynamic": round(ratio_dyn, 3),
                      "nonpad_fraction": round(pstats.nonpad_fraction, 4),
                      "padded_nonpad_fraction": round(pstats.padded_nonpad_fraction, 4),
                      "packs": pstats.packs, "examples": tstats.examples_kept}))


if __name__ == "__main__":
    main()

"""Evaluation throughput: batched (length-bucketed, left-padded, KV cache) vs one-by-one generation.

Same model (SmolLM2-135M-Instruct, prepared from the shipped GGUF), same prompts, same greedy
settings, in the same process; then the JSON-constrained judge's verdicts per second.
Last line: one JSON object with `ratio` = batched tokens/s ÷ one-by-one tokens/s.

Usage: .venv/bin/python bench/bench_eval.py [--prompts 16] [--max-new-tokens 24] [--batch-size 8]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# the models the tests prepare, shared (tests/conftest.py's default folder; RADFORGE_TEST_CACHE moves it)
MODEL_CACHE = Path(os.environ.get("RADFORGE_TEST_CACHE", REPO / ".venv" / ".test-cache"))


def synthetic_pairs(n: int, seed: int) -> list[dict]:
    """FINDINGS/IMPRESSION text of `n` synthetic reports, cut at the generator's own section offsets."""
    from sources.synth import iter_reports

    rows = []
    for report in iter_reports(4 * n, seed):  # some reports have no FINDINGS or no IMPRESSION: skipped
        sections = report["sections"]
        if "findings" in sections and "impression" in sections and len(rows) < n:
            (fs, fe), (is_, ie) = sections["findings"], sections["impression"]
            rows.append({"report_key": report["id"], "findings": report["text"][fs:fe],
                         "impression": report["text"][is_:ie]})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=24)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--judge-items", type=int, default=2)
    parser.add_argument("--rationale-chars", type=int, default=24)
    args = parser.parse_args()
    from radforge.process import configure_threads

    configure_threads()  # before torch loads: PASSIVE waits, threads = the CPUs available (or [process].threads)
    os.environ.setdefault("RADFORGE_HOME", tempfile.mkdtemp(prefix="radforge-bench-eval-"))
    from radforge.egress import install

    install()
    from evaluation.generation import device, generate, load_model
    from evaluation.judge import JudgeItem, LocalJudge, get_rubric
    from radforge.models import DEMO_LLM_DIRNAME, prepare_demo_llm
    from training.prompts import build_prompt, prompt_adds_special_tokens

    model_dir = prepare_demo_llm(MODEL_CACHE / DEMO_LLM_DIRNAME)
    model, tok = load_model(model_dir)
    rows = synthetic_pairs(args.prompts, seed=3)
    prompts = [build_prompt(r["findings"], "chat-template", tok) for r in rows]
    add = prompt_adds_special_tokens("chat-template")
    generate(model, tok, prompts[:2], max_new_tokens=4, batch_size=2, add_special_tokens=add)  # warm-up

    t0 = time.perf_counter()
    batched = generate(model, tok, prompts, max_new_tokens=args.max_new_tokens, batch_size=args.batch_size,
                       add_special_tokens=add)
    t_batched = time.perf_counter() - t0
    t0 = time.perf_counter()
    single = generate(model, tok, prompts, max_new_tokens=args.max_new_tokens, batch_size=1, add_special_tokens=add)
    t_single = time.perf_counter() - t0
    tok_b, tok_s = sum(n for _, n in batched), sum(n for _, n in single)
    identical = sum(a[0] == b[0] for a, b in zip(batched, single, strict=True)) / len(prompts)
    print(f"device {device()}; {len(prompts)} prompts, max_new_tokens {args.max_new_tokens}")
    print(f"batched (batch {args.batch_size}): {tok_b} tokens in {t_batched:.1f}s = {tok_b / t_batched:.1f} tok/s")
    print(f"one-by-one:            {tok_s} tokens in {t_single:.1f}s = {tok_s / t_single:.1f} tok/s")
    ratio = (tok_b / t_batched) / (tok_s / t_single)
    print(f"ratio {ratio:.2f}x; identical outputs {identical:.0%} (padding changes float sums slightly)")

    rubric = get_rubric("mgh-0-10", rationale_chars=args.rationale_chars)
    judge = LocalJudge(model_dir, rubric, batch_size=args.batch_size, model=model, tokenizer=tok)
    items = [JudgeItem(r["report_key"], r["findings"], r["impression"], text)
             for r, (text, _) in zip(rows[: args.judge_items], batched, strict=False)]
    t0 = time.perf_counter()
    verdicts = judge.judge(items)
    t_judge = time.perf_counter() - t0
    parsed = sum(v.status == "ok" for v in verdicts)
    print(f"judge mgh-0-10 (rationale <= {args.rationale_chars} chars): {len(verdicts)} verdicts in {t_judge:.1f}s "
          f"= {len(verdicts) / t_judge:.3f}/s, {parsed}/{len(verdicts)} parsed")
    print(json.dumps({"bench": "eval", "device": device(), "model": "SmolLM2-135M-Instruct", "prompts": len(prompts),
                      "max_new_tokens": args.max_new_tokens, "batch_size": args.batch_size,
                      "batched_tokens_per_s": round(tok_b / t_batched, 2),
                      "one_by_one_tokens_per_s": round(tok_s / t_single, 2), "ratio": round(ratio, 2),
                      "identical_outputs": round(identical, 3),
                      "judge_verdicts_per_s": round(len(verdicts) / t_judge, 4),
                      "judge_parsed": parsed, "judge_verdicts": len(verdicts)}))


if __name__ == "__main__":
    main()

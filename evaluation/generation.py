"""Batched generation of impressions (greedy or beam search), written to Parquet in resumable chunks.

Prompts are sorted by token length and cut into batches of similar length (little padding),
left-padded so every row's new tokens start at the same position, and decoded with the KV cache:
greedily, or with `num_beams` beams (issue #18: on IU X-ray 4 beams lifted an under-trained
retrieval-augmented model by +0.044 ROUGE-L and one trained longer by nothing, at ~4-6x the time;
sources/datasets/README.md has the measurement). Each finished chunk is written as its own Parquet
part keyed by report_key; a rerun reads the parts and skips the keys already done, so an interrupted
evaluation resumes where it stopped instead of starting over.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from radforge.errors import ModelNotFound
from radforge.log import get_logger
from warehouse.tasks import DEFAULT_TASK

log = get_logger("evaluation.generation")
PARTS_DIR = "predictions.parts"


@dataclass
class GenerationStats:
    generated: int  # examples generated in this call
    skipped: int  # examples already done by an earlier call (resumed)
    new_tokens: int
    seconds: float

    @property
    def tokens_per_s(self) -> float:
        return self.new_tokens / self.seconds if self.seconds else 0.0


def device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_model(model_path: Path, adapter_path: Path | None = None) -> tuple[Any, Any]:
    """A causal LM (adapter merged in, for speed) and its tokenizer, set up for left-padded batches."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not (Path(model_path) / "config.json").exists():
        raise ModelNotFound(f"no model at {model_path} (expected an HF folder with config.json)")
    dev = device()
    dtype = torch.bfloat16 if dev == "cuda" else torch.float32
    model = AutoModelForCausalLM.from_pretrained(model_path, dtype=dtype)
    tok_dir = model_path
    if adapter_path is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter_path)).merge_and_unload()
        if (Path(adapter_path) / "tokenizer_config.json").exists():
            tok_dir = adapter_path
    tokenizer = AutoTokenizer.from_pretrained(tok_dir)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.to(dev).eval()
    return model, tokenizer


def length_buckets(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length (longest first, so memory peaks early)."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


SECTION_END = "\n###"  # the next section header of the instruction / Alpaca prompt formats


def generate(model: Any, tokenizer: Any, prompts: Sequence[str], *, max_new_tokens: int, batch_size: int,
             add_special_tokens: bool = True, on_batch: Callable[[int], None] | None = None, num_beams: int = 1
             ) -> list[tuple[str, int]]:
    """Completions of `prompts` (same order): (text, number of new tokens) each; greedy when `num_beams` is 1.

    With beams a batch holds `batch_size` prompts (batch_size x num_beams sequences) and ends as soon as
    every prompt has `num_beams` finished hypotheses (`early_stopping`): the cost is about num_beams x greedy.

    A completion ends at EOS or at the next `### ` section header: the instruction and Alpaca
    formats mark sections that way and no training target contains one, so an under-trained model
    that runs on into "### Additional Notes:" is cut where its answer ended (and stops costing tokens).
    """
    import torch

    encoded = tokenizer(list(prompts), add_special_tokens=add_special_tokens)["input_ids"]
    out: list[tuple[str, int]] = [("", 0)] * len(prompts)
    eos = model.generation_config.eos_token_id
    eos_ids = set(eos if isinstance(eos, list) else [eos]) | {tokenizer.eos_token_id}
    dev = model.device
    for batch in length_buckets([len(e) for e in encoded], batch_size):
        enc = tokenizer.pad({"input_ids": [encoded[i] for i in batch]}, return_tensors="pt", padding=True)
        with torch.inference_mode():
            gen = model.generate(input_ids=enc["input_ids"].to(dev), attention_mask=enc["attention_mask"].to(dev),
                                 max_new_tokens=max_new_tokens, do_sample=False, use_cache=True,
                                 num_beams=num_beams, early_stopping=True if num_beams > 1 else None,
                                 pad_token_id=tokenizer.pad_token_id, temperature=None, top_p=None, top_k=None,
                                 stop_strings=[SECTION_END], tokenizer=tokenizer)
        new = gen[:, enc["input_ids"].shape[1]:].tolist()
        for row, ids in zip(batch, new, strict=True):
            n = next((k + 1 for k, t in enumerate(ids) if t in eos_ids), len(ids))
            text = tokenizer.decode(ids[:n], skip_special_tokens=True).split(SECTION_END)[0]
            out[row] = (text.strip(), n)
        if on_batch:
            on_batch(len(batch))
    return out


def done_keys(eval_dir: Path) -> set[str]:
    parts = sorted((eval_dir / PARTS_DIR).glob("part-*.parquet"))
    if not parts:
        return set()
    return set(pl.read_parquet(parts, columns=["report_key"])["report_key"].to_list())


def read_generated(eval_dir: Path) -> pl.DataFrame:
    parts = sorted((eval_dir / PARTS_DIR).glob("part-*.parquet"))
    if not parts:
        return pl.DataFrame(schema={"report_key": pl.String, "prediction": pl.String, "new_tokens": pl.Int64})
    return pl.read_parquet(parts).unique("report_key", keep="first", maintain_order=True)


def generate_predictions(model: Any, tokenizer: Any, rows: Sequence[dict], eval_dir: Path, *, prompt_format: str,
                         max_new_tokens: int, batch_size: int, chunk_size: int | None = None,
                         progress: bool = False, task: str = DEFAULT_TASK, num_beams: int = 1) -> GenerationStats:
    """Generate targets for `rows` (report_key, findings) not done yet; one Parquet part per chunk.

    `findings` holds the task's source section (the impression for `impression-to-report`); a row's
    optional `examples` are its retrieved train pairs (retrieval-augmented runs), shown as in training.
    """
    from training.prompts import build_prompt, prompt_adds_special_tokens  # the prompt the model was trained on

    parts_dir = eval_dir / PARTS_DIR
    parts_dir.mkdir(parents=True, exist_ok=True)
    done = done_keys(eval_dir)
    todo = [r for r in rows if r["report_key"] not in done]
    chunk_size = chunk_size or max(batch_size * 4, batch_size)
    prompts = [build_prompt(r["findings"], prompt_format, tokenizer, task=task, examples=r.get("examples"))
               for r in todo]
    lengths = [len(x) for x in tokenizer(prompts, add_special_tokens=False)["input_ids"]] if prompts else []
    order = sorted(range(len(todo)), key=lambda i: (-lengths[i], i))  # chunks of similar length
    next_part = len(list(parts_dir.glob("part-*.parquet")))
    start, new_tokens = time.perf_counter(), 0
    bar = _progress(progress, len(todo))
    try:
        for c in range(0, len(order), chunk_size):
            idx = order[c:c + chunk_size]
            res = generate(model, tokenizer, [prompts[i] for i in idx], max_new_tokens=max_new_tokens,
                           batch_size=batch_size, add_special_tokens=prompt_adds_special_tokens(prompt_format),
                           on_batch=bar.advance if bar else None, num_beams=num_beams)
            frame = pl.DataFrame({"report_key": [todo[i]["report_key"] for i in idx],
                                  "prediction": [t for t, _ in res], "new_tokens": [n for _, n in res]},
                                 schema={"report_key": pl.String, "prediction": pl.String, "new_tokens": pl.Int64})
            tmp = parts_dir / f".part-{next_part:05d}.tmp"
            frame.write_parquet(tmp)
            tmp.rename(parts_dir / f"part-{next_part:05d}.parquet")  # a part is either whole or absent
            next_part += 1
            new_tokens += sum(n for _, n in res)
            log.info("generated chunk: %d examples, %d new tokens", len(idx), sum(n for _, n in res))
    finally:
        if bar:
            bar.close()
    return GenerationStats(len(todo), len(rows) - len(todo), new_tokens, time.perf_counter() - start)


class _Bar:
    def __init__(self, total: int, label: str = "generating") -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._p = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                           transient=True)
        self._p.start()
        self._t = self._p.add_task("gen", total=total)

    def advance(self, n: int) -> None:
        self._p.advance(self._t, n)

    def close(self) -> None:
        self._p.stop()


def _progress(enabled: bool, total: int, label: str = "generating") -> _Bar | None:
    """A rich progress bar (generation's, and the judge's with label "judging"), or None when off."""
    return _Bar(total, label) if enabled and total else None

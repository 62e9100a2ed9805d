"""Snapshot -> tokenised examples -> (packed) batches.

* Loss only on the impression: prompt tokens get label -100, impression + EOS keep their ids.
* Over-length examples (prompt + impression + EOS > max_seq_len) are dropped and counted, never
  truncated: a truncated impression would teach the model to stop mid-sentence.
* Packing is padding-free: examples are bin-packed (TRL's best-fit-decreasing `pack_dataset`)
  into packs of at most max_seq_len tokens, and the collator flattens a micro-batch into one
  row with position ids restarting at 0 for every example (transformers'
  `DataCollatorWithFlattening`). With no attention mask, transformers derives a block-diagonal
  causal mask from those position ids for sdpa and eager attention (and flash-attention uses
  them natively), so no token attends across examples. `tests/training/test_packing.py` proves
  it numerically on CPU: packed loss == unpacked loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from radforge.errors import ConfigError
from radforge.settings import Settings, get_settings
from training.config import RunConfig
from training.prompts import build_prompt, prompt_adds_special_tokens
from warehouse.errors import SnapshotError
from warehouse.snapshot_read import REQUIRED_COLUMNS, read_examples, read_manifest, read_split
from warehouse.tasks import DEFAULT_TASK, get_task


@dataclass
class Snapshot:
    name: str
    path: Path
    hash: str
    manifest: dict[str, Any]
    settings: Settings | None = field(default=None, repr=False)  # for the zone guard on each split file

    @property
    def has_retrieval(self) -> bool:
        return bool(self.manifest.get("retrieval"))


@dataclass
class TokenStats:
    examples_in: int = 0
    examples_kept: int = 0
    overlength_dropped: int = 0
    empty_dropped: int = 0
    tokens: int = 0
    label_tokens: int = 0
    max_len: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class PackStats:
    packs: int = 0
    tokens: int = 0
    capacity: int = 0
    examples: int = 0
    nonpad_fraction: float = 0.0
    padded_nonpad_fraction: float = 0.0  # what padding every example to max_seq_len would give
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "extra"} | self.extra


def resolve_snapshot(cfg: RunConfig, settings: Settings) -> Snapshot:
    """The snapshot folder named by the config, through the zone guard and the hash pin (warehouse.snapshot_read)."""
    ds = cfg.dataset
    if ds.path:
        snapshot: str | Path = Path(ds.path)
    elif ds.snapshot:
        snapshot = ds.snapshot
    else:
        raise ConfigError("dataset.snapshot is empty: set it in the config or pass --snapshot NAME")
    folder, manifest = read_manifest(snapshot, settings, pin=ds.hash)
    built_for = manifest.get("task") or DEFAULT_TASK
    if built_for != cfg.task:  # same splits either way, but its length filters, exports and evaluation differ
        raise SnapshotError(f"snapshot {folder.name!r} was built for task {built_for}, the run config asks for "
                            f"{cfg.task}: set `task: {built_for}` in the config, or build a snapshot of that "
                            f"direction with `radforge dataset snapshot --task {cfg.task}`")
    from warehouse.retrieval import RetrievalSpec, check_compatible

    wanted = RetrievalSpec.parse(cfg.retrieval.model_dump() if cfg.retrieval else None)
    check_compatible(manifest, wanted, folder.name)
    return Snapshot(name=manifest.get("name", folder.name), path=folder, hash=manifest.get("hash", ""),
                    manifest=manifest, settings=settings)


def load_split(snapshot: Snapshot, split: str, limit: int | None = None, retrieval_k: int = 0,
               task: str = DEFAULT_TASK) -> list[dict[str, Any]]:
    """The split's pairs; with `retrieval_k`, each row's `examples`: its k nearest train pairs (from the snapshot).

    Read through the same guard and pin as `resolve_snapshot` (the resolved snapshot's hash).
    """
    settings = snapshot.settings or get_settings()
    frame, _ = read_split(snapshot.path, split, settings, pin=snapshot.hash)
    if limit is not None:
        frame = frame.head(limit)
    rows = frame.select(list(REQUIRED_COLUMNS)).to_dicts()
    if retrieval_k:
        examples = read_examples(snapshot.path, split, retrieval_k, task, [r["report_key"] for r in rows], settings)
        for r in rows:
            r["examples"] = examples.get(r["report_key"], [])
    return rows


def tokenize_pairs(rows: list[dict[str, Any]], tokenizer: Any, cfg: RunConfig) -> tuple[list[dict], TokenStats]:
    """Examples with input_ids / labels (-100 on the prompt) / example index; over-length ones dropped."""
    stats = TokenStats(examples_in=len(rows))
    eos = tokenizer.eos_token_id
    if eos is None:
        raise ConfigError("the tokenizer has no eos_token_id; set one in the model folder's tokenizer_config.json")
    add_special = prompt_adds_special_tokens(cfg.prompt_format)
    task = get_task(cfg.task)  # which section is the prompt and which the target (the same pairs either way)
    out = []
    for idx, row in enumerate(rows):
        if not (row.get("findings") or "").strip() or not (row.get("impression") or "").strip():
            stats.empty_dropped += 1
            continue
        prompt = build_prompt(task.source_text(row), cfg.prompt_format, tokenizer, cfg.task, row.get("examples"))
        p_ids = tokenizer(prompt, add_special_tokens=add_special)["input_ids"]
        c_ids = tokenizer(task.target_text(row), add_special_tokens=False)["input_ids"] + [eos]
        n = len(p_ids) + len(c_ids)
        if n > cfg.max_seq_len:
            stats.overlength_dropped += 1
            continue
        out.append({"input_ids": p_ids + c_ids, "labels": [-100] * len(p_ids) + c_ids, "example": [idx] * n})
        stats.tokens += n
        stats.label_tokens += len(c_ids)
        stats.max_len = max(stats.max_len, n)
    stats.examples_kept = len(out)
    return out, stats


def build_dataset(examples: list[dict], cfg: RunConfig) -> tuple[Any, PackStats]:
    """A `datasets.Dataset` of packs (packing) or of single examples, and its fill statistics."""
    from datasets import Dataset

    columns = {k: [e[k] for e in examples] for k in ("input_ids", "labels", "example")}
    dataset = Dataset.from_dict(columns)
    tokens = sum(len(x) for x in columns["input_ids"])
    stats = PackStats(tokens=tokens, examples=len(examples))
    stats.padded_nonpad_fraction = tokens / max(1, len(examples) * cfg.max_seq_len)
    if cfg.packing:
        from trl import pack_dataset

        dataset = pack_dataset(dataset, cfg.max_seq_len, strategy="bfd")
        stats.packs = len(dataset)
    else:
        stats.packs = len(examples)
    # Fill of the token budget every step pays for: packs x max_seq_len (packing) or
    # examples x max_seq_len (padded to the configured length).
    stats.capacity = stats.packs * cfg.max_seq_len
    stats.nonpad_fraction = tokens / max(1, stats.capacity)
    return dataset, stats


class PackedCollator:
    """Padding-free batches: each pack is split into its examples, position ids restart per example.

    `per_row=False` (flash-attention): the whole micro-batch is flattened into one row, which
    varlen flash-attention handles at no cross-pack cost. `per_row=True` (sdpa / eager): one row per
    pack, so the block mask is pack_len^2 per row instead of (micro_batch x pack_len)^2; the few
    slots after a short pack are filled with a separate dummy sequence (labels -100, positions
    from 0) that no real token can attend to (it comes later in the causal order).
    """

    def __init__(self, record: list[list[int]] | None = None, per_row: bool = False, pad_token_id: int = 0) -> None:
        from transformers import DataCollatorWithFlattening

        self._flatten = DataCollatorWithFlattening(return_position_ids=True, separator_id=-100)
        self.record = record  # example indices of every micro-batch (for the data-order ledger)
        self.per_row = per_row
        self.pad_token_id = pad_token_id
        self.tokens = 0  # real tokens produced so far

    @staticmethod
    def _pieces(feat: dict[str, Any]) -> tuple[list[dict[str, list[int]]], list[int]]:
        pieces, seen, start = [], [], 0
        for n in feat.get("seq_lengths") or [len(feat["input_ids"])]:
            stop = start + int(n)
            pieces.append({"input_ids": list(feat["input_ids"][start:stop]),
                           "labels": list(feat["labels"][start:stop])})
            seen.append(int(feat["example"][start]))
            start = stop
        return pieces, seen

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        split = [self._pieces(f) for f in features]
        if self.record is not None:
            self.record.append([i for _, seen in split for i in seen])
        self.tokens += sum(len(p["input_ids"]) for pieces, _ in split for p in pieces)
        if not self.per_row or len(features) == 1:
            return self._flatten([p for pieces, _ in split for p in pieces])
        rows = [self._flatten(pieces) for pieces, _ in split]
        width = max(r["input_ids"].shape[1] for r in rows)
        out: dict[str, list[Any]] = {"input_ids": [], "labels": [], "position_ids": []}
        for r in rows:
            pad = width - r["input_ids"].shape[1]
            out["input_ids"].append(torch.cat([r["input_ids"][0], torch.full((pad,), self.pad_token_id)]))
            out["labels"].append(torch.cat([r["labels"][0], torch.full((pad,), -100)]))
            out["position_ids"].append(torch.cat([r["position_ids"][0], torch.arange(pad)]))
        return {k: torch.stack(v).long() for k, v in out.items()}


class PaddedCollator:
    """Classic padded batches (the baseline, and packing: false): right-padded with an attention mask."""

    def __init__(self, pad_token_id: int, pad_to: int | None = None, record: list[list[int]] | None = None) -> None:
        self.pad_token_id = pad_token_id
        self.pad_to = pad_to
        self.record = record
        self.tokens = 0  # non-pad tokens produced so far

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        width = self.pad_to or max(len(f["input_ids"]) for f in features)
        ids = torch.full((len(features), width), self.pad_token_id, dtype=torch.long)
        labels = torch.full((len(features), width), -100, dtype=torch.long)
        mask = torch.zeros((len(features), width), dtype=torch.long)
        for i, f in enumerate(features):
            n = len(f["input_ids"])
            ids[i, :n] = torch.tensor(f["input_ids"])
            labels[i, :n] = torch.tensor(f["labels"])
            mask[i, :n] = 1
        if self.record is not None:
            self.record.append([int(f["example"][0]) for f in features])
        self.tokens += int(mask.sum())
        return {"input_ids": ids, "labels": labels, "attention_mask": mask}

"""Verdicts in resumable chunks, with a progress bar: the judge's counterpart of generation's parts.

Judging a full test split with a local model takes as long as generating it, so it is written the
same way: every finished chunk of verdicts becomes its own Parquet part, and a rerun reads the
parts and judges only what is missing. A stored verdict is reused only when it was given by the
same judge, under the same rubric name and version, for the same key and the exact same prompt
(its SHA-256): change the judge, the rubric or the candidate text and the item is judged again.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from evaluation.judge.judges import JudgeItem, Verdict
from radforge.log import get_logger

log = get_logger("evaluation.judge")
VERDICT_PARTS_DIR = "verdicts.parts"
VERDICT_SCHEMA = {"key": pl.String, "rubric": pl.String, "rubric_version": pl.String, "judge": pl.String,
                  "status": pl.String, "attempts": pl.Int64, "verdict": pl.String, "quality": pl.Float64,
                  "prompt": pl.String, "prompt_sha256": pl.String, "raw_output": pl.String}


def _identity(key: str, judge: str, rubric: str, version: str, prompt_sha256: str) -> tuple[str, ...]:
    return (key, judge, rubric, version, prompt_sha256)


def stored_verdicts(parts_dir: Path) -> dict[tuple[str, ...], Verdict]:
    """Every verdict written by earlier runs, by (key, judge, rubric, version, prompt hash)."""
    parts = sorted(parts_dir.glob("part-*.parquet"))
    if not parts:
        return {}
    out: dict[tuple[str, ...], Verdict] = {}
    for row in pl.read_parquet(parts).to_dicts():
        v = Verdict(row["key"], row["rubric"], row["rubric_version"], row["judge"], row["status"], row["attempts"],
                    json.loads(row["verdict"]) if row["verdict"] is not None else None, row["quality"],
                    row["prompt"], row["prompt_sha256"], row["raw_output"])
        out.setdefault(_identity(v.key, v.judge, v.rubric, v.rubric_version, v.prompt_sha256), v)
    return out


def judge_resumable(judge: Any, items: Sequence[JudgeItem], parts_dir: Path | None = None, *,
                    chunk_size: int | None = None, progress: bool | None = None) -> list[Verdict]:
    """One verdict per item (same order), reusing the matching ones stored under `parts_dir`.

    `parts_dir` None: nothing stored or reused (the sanity suite). `progress` None: a bar when
    stderr is a terminal, as `radforge eval run` shows one while generating.
    """
    import hashlib

    from evaluation.generation import _progress

    stored = stored_verdicts(parts_dir) if parts_dir is not None else {}
    rubric = judge.rubric
    ids = [_identity(it.key, judge.name, rubric.name, rubric.version,
                     hashlib.sha256(judge.prompt(it).encode()).hexdigest()) for it in items] if stored else []
    todo = [i for i in range(len(items)) if not stored or ids[i] not in stored]
    if stored and len(todo) < len(items):
        log.info("judge: %d of %d verdicts reused from an earlier run", len(items) - len(todo), len(items))
    chunk_size = chunk_size or max(4 * int(getattr(judge, "batch_size", 8)), 8)
    if parts_dir is not None:
        parts_dir.mkdir(parents=True, exist_ok=True)
    next_part = len(list(parts_dir.glob("part-*.parquet"))) if parts_dir is not None else 0
    fresh: dict[int, Verdict] = {}
    bar = _progress(sys.stderr.isatty() if progress is None else progress, len(todo), "judging")
    try:
        for c in range(0, len(todo), chunk_size):
            idx = todo[c:c + chunk_size]
            verdicts = judge.judge([items[i] for i in idx], on_batch=bar.advance if bar else None)
            fresh.update(zip(idx, verdicts, strict=True))
            if parts_dir is not None:
                tmp = parts_dir / f".part-{next_part:05d}.tmp"
                pl.DataFrame([v.as_row() for v in verdicts], schema=VERDICT_SCHEMA).write_parquet(tmp)
                tmp.rename(parts_dir / f"part-{next_part:05d}.parquet")  # a part is either whole or absent
                next_part += 1
    finally:
        if bar:
            bar.close()
    return [fresh[i] if i in fresh else stored[ids[i]] for i in range(len(items))]

"""Inputs of an evaluation: a snapshot split (the warehouse's contract) and the model under test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from evaluation.errors import EvaluationError
from radforge.settings import Settings
from training.registry import get_run
from warehouse.errors import SnapshotError
from warehouse.snapshot_read import read_examples, read_manifest, read_split
from warehouse.tasks import DEFAULT_TASK, TASKS, get_task

DEFAULT_FORMAT = "chat-template"  # a bare model folder (or a run that recorded none) is asked in its chat format

@dataclass
class ModelUnderTest:
    model_path: Path  # full (or merged) model folder, or the base model of an adapter
    adapter_path: Path | None
    prompt_format: str
    run_id: str | None = None
    label: str = ""
    task: str | None = None  # the direction a run was trained for (None: a bare model folder, any direction)
    retrieval: dict[str, Any] | None = None  # {"k", "index"}: the run's prompts show its k nearest train pairs

    def identity(self) -> dict[str, Any]:
        ident = {"run_id": self.run_id, "model_path": str(self.model_path),
                 "adapter_path": str(self.adapter_path) if self.adapter_path else None,
                 "prompt_format": self.prompt_format}
        return {**ident, "retrieval": self.retrieval} if self.retrieval else ident  # old eval ids unchanged


@contextmanager
def _snapshot_errors() -> Iterator[None]:
    """The warehouse reader's SnapshotError as this package's EvaluationError (what the CLI and callers expect)."""
    try:
        yield
    except SnapshotError as exc:
        raise EvaluationError(str(exc)) from None


def load_manifest(settings: Settings, name: str) -> dict[str, Any]:
    """The manifest of snapshot `name`, through the warehouse's zone guard (warehouse.snapshot_read)."""
    with _snapshot_errors():
        return read_manifest(name, settings, reader="evaluation")[1]


def load_split(settings: Settings, name: str, split: str, limit: int | None = None) -> pl.DataFrame:
    """A split sorted by report_key (so --limit picks the same examples every time)."""
    with _snapshot_errors():
        frame, _ = read_split(name, split, settings, reader="evaluation")
    for col in ("modality", "body_part"):
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(col))
    frame = frame.with_columns(pl.col("findings").fill_null(""), pl.col("impression").fill_null(""))
    frame = frame.unique("report_key", keep="first").sort("report_key")
    return frame.head(limit) if limit else frame


def task_of(manifest: dict[str, Any]) -> str:
    task = manifest.get("task") or DEFAULT_TASK
    if task not in TASKS:
        raise EvaluationError(f"snapshot task {task!r} is not supported (one of {', '.join(TASKS)})")
    return task


def orient(frame: pl.DataFrame, task: str) -> pl.DataFrame:
    """The split seen through a task: column `findings` holds the source, `impression` the reference.

    The rest of the evaluation (baselines, metrics, subsets, judge) is written for
    source -> reference; for the `impression-to-*` tasks the model is prompted with the impression
    and scored against the findings (or the findings and impression under their headings).
    """
    t = get_task(task)
    if (t.source, t.target) == ("findings", ("impression",)):
        return frame
    return frame.with_columns(pl.col(t.source).alias("findings"), t.target_expr().alias("impression"))


def run_record(run_id: str, settings: Settings) -> dict[str, Any]:
    """run.json of a training run, through training's registry (the contract with training)."""
    return get_run(run_id, settings=settings)


def model_from_run(run_id: str, settings: Settings) -> ModelUnderTest:
    """The model of a training run: its full/merged folder, or its base model plus its LoRA adapter."""
    run = run_record(run_id, settings)
    if run.get("status") != "completed":
        raise EvaluationError(f"run {run_id} is {run.get('status')!r}, not completed")
    model_path, adapter = run.get("model_path"), run.get("adapter_path")
    if model_path:
        return ModelUnderTest(Path(model_path), None, run.get("prompt_format") or DEFAULT_FORMAT, run_id, run_id,
                              run.get("task"), run.get("retrieval"))
    if not adapter or not run.get("base_model"):
        raise EvaluationError(f"run {run_id} has neither model_path nor base_model + adapter_path")
    return ModelUnderTest(Path(run["base_model"]), Path(adapter), run.get("prompt_format") or DEFAULT_FORMAT,
                          run_id, run_id, run.get("task"), run.get("retrieval"))


def model_from_path(path: Path, prompt_format: str | None = None, adapter: Path | None = None,
                    retrieval: dict[str, Any] | None = None) -> ModelUnderTest:
    """A bare model folder; `retrieval` ({"k", "index"}) when it was trained with retrieval-augmented prompts."""
    if not (Path(path) / "config.json").exists():
        raise EvaluationError(f"no model at {path} (expected an HF folder with config.json)")
    return ModelUnderTest(Path(path), adapter, prompt_format or DEFAULT_FORMAT, None, Path(path).name,
                          retrieval=retrieval or None)


def retrieval_examples(settings: Settings, snapshot: str, manifest: dict[str, Any], mut: ModelUnderTest,
                       split: str, task: str, keys: list[str]) -> dict[str, list[tuple[str, str]]]:
    """report_key -> the k nearest train pairs the model's prompts show (empty without retrieval).

    The same stored neighbours training read (warehouse.retrieval), checked against the run's k and index.
    """
    from radforge.errors import ConfigError
    from warehouse.retrieval import RetrievalSpec, check_compatible

    spec = RetrievalSpec.parse(mut.retrieval)
    if spec is None:
        return {}
    try:
        check_compatible(manifest, spec, snapshot)
    except ConfigError as exc:
        raise EvaluationError(str(exc)) from None
    with _snapshot_errors():
        return read_examples(snapshot, split, spec.k, task, keys, settings, reader="evaluation")

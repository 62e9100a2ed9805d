"""Helpers for the training tests: a small run config on the tiny Llama and the `tiny` snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest


def tiny_run_config(model: Path, **overrides: object) -> dict:
    """A LoRA run on the tiny random Llama that takes a few seconds on CPU."""
    cfg: dict = {
        "name": "tiny", "base_model": str(model), "method": "lora",
        "lora": {"r": 8, "alpha": 16, "dropout": 0.0, "target_modules": "all-linear"},
        "max_seq_len": 256, "micro_batch_size": 1, "gradient_accumulation": 1, "lr": 5e-3,
        "warmup_ratio": 0.0, "max_steps": 8, "checkpoint_every": 3, "logging_steps": 1,
        "dataset": {"snapshot": "tiny", "max_eval_examples": 8},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key] = {**cfg[key], **value}
        else:
            cfg[key] = value
    return cfg


@pytest.fixture
def run_config(tiny_llama_path: Path):
    """`tiny_run_config` on the tiny Llama, as a dict (no file): `run_config(max_steps=6, ...)`."""
    return lambda **overrides: tiny_run_config(tiny_llama_path, **overrides)


@pytest.fixture
def write_config(tmp_path: Path, tiny_llama_path: Path):
    """Write a tiny run config YAML and return its path."""
    import yaml

    def _write(name: str = "run.yaml", **overrides: object) -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(tiny_run_config(tiny_llama_path, **overrides)))
        return path

    return _write


@pytest.fixture
def cli():
    """Invoke the real `radforge` CLI in-process; returns the click Result."""
    from typer.testing import CliRunner

    from radforge.cli import app

    runner = CliRunner()

    def _invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=True)

    return _invoke

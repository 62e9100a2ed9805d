"""The yearly retrain's training step: one run per (preset, snapshot), reused when it already finished.

An Airflow retry or a re-run of the yearly DAG must not train the same model twice: a completed
run of the same preset on the same snapshot hash is returned instead of starting a new one.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from radforge.errors import RadforgeError
from radforge.log import get_logger
from radforge.settings import Settings, get_settings
from training import registry
from training.config import load_config, load_preset
from training.run import resolve, train

log = get_logger("training.yearly")


def _snapshot_hash(settings: Settings, snapshot: str) -> str:
    manifest = settings.zone("snapshots") / snapshot / "manifest.json"
    if not manifest.exists():
        raise RadforgeError(f"snapshot {snapshot!r} not found under {settings.zone('snapshots')}")
    return json.loads(manifest.read_text())["hash"]


def train_for_snapshot(snapshot: str, settings: Settings | None = None, preset: str | None = None,
                       launcher: str | None = None, task: str = "findings-to-impression",
                       **overrides: object) -> str:
    """Train `preset` (default: the site's) on `snapshot`; returns the run id (an existing completed one if any).

    `preset` is a shipped preset name or the path of a run YAML (its dataset snapshot is replaced).
    """
    settings = settings or get_settings()
    preset = preset or settings.training.default_preset
    launcher = launcher or settings.airflow.launcher
    snap_hash = _snapshot_hash(settings, snapshot)
    if preset.endswith((".yaml", ".yml")) and Path(preset).exists():
        data = yaml.safe_load(Path(preset).read_text()) | dict(overrides)
        data.setdefault("dataset", {})["snapshot"] = snapshot
        cfg = load_config(data)
    else:
        cfg = load_preset(preset, snapshot=snapshot, **overrides)
    config_hash = resolve(cfg, settings).config_hash()
    for run in registry.list_runs(settings, limit=1000):
        if run.get("status") != "completed":
            continue
        record = registry.get_run(run["run_id"], settings)
        if record.get("config_hash") == config_hash and (record.get("snapshot") or {}).get("hash") == snap_hash:
            log.info("reusing completed run %s for snapshot %s", run["run_id"], snapshot)
            return run["run_id"]
    run_id = train(cfg, settings=settings, launcher=launcher, disable_tqdm=True)
    log.info("trained run %s on snapshot %s (task %s)", run_id, snapshot, task)
    return run_id

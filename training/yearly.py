"""Train on a snapshot for the yearly retraining DAG: preset or config file in, run id out, idempotent.

A retried Airflow task must not train twice: a completed run with the same resolved config hash
(which includes the snapshot name) on the same snapshot hash is returned instead of a new run.
A preset with `retrieval: {k, index}` needs a snapshot that stores that index: the DAG asks
`retrieval_of_preset` before it builds the year's snapshot. The promotion gate that follows
(evaluation.promotion) compares the candidate with production *and* with the best simple baseline.
"""

from __future__ import annotations

from pathlib import Path

from radforge.log import get_logger
from radforge.settings import Settings, get_settings
from training.config import load_config, load_preset
from training.registry import list_runs
from training.run import resolve, train
from warehouse.tasks import DEFAULT_TASK

log = get_logger("training.yearly")


def config_for_snapshot(snapshot: str, settings: Settings, preset: str | None = None,
                        task: str = DEFAULT_TASK):
    """The resolved RunConfig: `preset` is a preset name or a YAML path; empty = [training].default_preset."""
    preset = preset or settings.training.default_preset
    path = Path(preset)
    cfg = load_config(path) if path.suffix in (".yaml", ".yml") or path.exists() else load_preset(preset)
    data = cfg.model_dump(mode="json")
    data["task"] = task
    data["dataset"]["snapshot"] = snapshot
    data["dataset"]["path"] = None
    return resolve(load_config(data), settings, snapshot)


def retrieval_of_preset(settings: Settings | None = None, preset: str | None = None) -> dict | None:
    """The `retrieval` block ({"k", "index"}) of the preset the yearly retrain will use, or None."""
    settings = settings or get_settings()
    preset = preset or settings.training.default_preset
    path = Path(preset)
    cfg = load_config(path) if path.suffix in (".yaml", ".yml") or path.exists() else load_preset(preset)
    return cfg.retrieval.model_dump() if cfg.retrieval else None


def train_for_snapshot(snapshot: str, settings: Settings | None = None, preset: str | None = None,
                       launcher: str | None = None, task: str = DEFAULT_TASK) -> str:
    """Run id of a completed training run of `preset` on `snapshot` (an earlier identical run is reused)."""
    from training.data import resolve_snapshot
    from training.registry import get_run

    settings = settings or get_settings()
    cfg = config_for_snapshot(snapshot, settings, preset, task)
    snap_hash = resolve_snapshot(cfg, settings).hash
    for row in list_runs(settings, limit=500):
        if row["status"] != "completed" or row.get("snapshot_name") != snapshot:
            continue
        record = get_run(row["run_id"], settings)
        if record.get("config_hash") == cfg.config_hash() and record["snapshot"]["hash"] == snap_hash:
            log.info("reusing completed run %s for snapshot %s", row["run_id"], snapshot)
            return row["run_id"]
    return train(cfg, settings, launcher or settings.airflow.launcher, disable_tqdm=True, wait=True)

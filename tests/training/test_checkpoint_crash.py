"""Regression tests for what bench/chaos.py found in training resume.

- The Trainer writes a checkpoint in place (weights, optimizer, RNG, trainer_state.json last). A
  SIGKILL during the save left a newest `checkpoint-N` without its trainer state, and resume picked
  it (`get_last_checkpoint` only looks at names).
- The Trainer's `save_total_limit` deleted old checkpoints file by file: a kill in the middle left an old
  `checkpoint-N` with its trainer state but not its step record or weights, which still counted as
  complete (`make chaos`, seed 13). Old checkpoints are now renamed away, then deleted.
- A run killed after writing `run.json` as completed but before its catalog row kept "running" in
  the catalog for good: resume refused the completed run without repairing the row.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from radforge.catalog import reader, writer
from radforge.errors import RadforgeError
from training.engine import RETIRED_PREFIX, last_complete_checkpoint, retire_checkpoints
from training.registry import get_run, write_run
from training.steplog import read_step_log

REPO = Path(__file__).resolve().parents[2]


def _checkpoint(folder: Path, step: int, state: str | None) -> Path:
    path = folder / f"checkpoint-{step}"
    path.mkdir(parents=True)
    (path / "adapter_model.safetensors").write_bytes(b"weights")
    if state is not None:
        (path / "trainer_state.json").write_text(state)
    return path


def test_last_complete_checkpoint_skips_and_removes_interrupted_saves(tmp_path):
    folder = tmp_path / "checkpoints"
    _checkpoint(folder, 2, json.dumps({"global_step": 2}))
    _checkpoint(folder, 10, json.dumps({"global_step": 10}))
    _checkpoint(folder, 12, None)  # killed before the trainer state
    _checkpoint(folder, 14, '{"global_step": 1')  # killed while writing it
    assert last_complete_checkpoint(folder, remove_incomplete=False) == str(folder / "checkpoint-10")
    assert sorted(p.name for p in folder.iterdir()) == ["checkpoint-10", "checkpoint-12", "checkpoint-14",
                                                        "checkpoint-2"]
    assert last_complete_checkpoint(folder) == str(folder / "checkpoint-10")
    assert sorted(p.name for p in folder.iterdir()) == ["checkpoint-10", "checkpoint-2"]
    assert last_complete_checkpoint(tmp_path / "none") is None


def test_retired_checkpoints_never_count_as_complete(tmp_path):
    folder = tmp_path / "checkpoints"
    for step in (2, 4, 6, 8):
        _checkpoint(folder, step, json.dumps({"global_step": step}))
    retire_checkpoints(folder, keep=3)
    assert sorted(p.name for p in folder.iterdir()) == ["checkpoint-4", "checkpoint-6", "checkpoint-8"]
    retire_checkpoints(folder, keep=None)  # no limit: nothing retired
    assert len(list(folder.iterdir())) == 3
    # what a kill between the rename and the delete leaves: a whole old checkpoint under the retired name
    left = folder / f"{RETIRED_PREFIX}checkpoint-2"
    left.mkdir()
    (left / "trainer_state.json").write_text(json.dumps({"global_step": 2}))
    assert last_complete_checkpoint(folder, remove_incomplete=False) == str(folder / "checkpoint-8")
    assert left.exists()
    last_complete_checkpoint(folder)
    assert not left.exists()


def test_a_kill_while_retiring_an_old_checkpoint_leaves_every_checkpoint_whole(site, tiny_snapshot, write_config,
                                                                              cli):
    config = write_config(max_steps=4, checkpoint_every=1, save_total_limit=2)
    env = {**os.environ, "RADFORGE_CRASH_AT": "train:retiring_checkpoint", "PYTHONPATH": str(REPO)}
    killed = subprocess.run([sys.executable, "-m", "radforge.cli", "train", "--config", str(config), "--json"],
                            env=env, capture_output=True, text=True, timeout=300, check=False, cwd=REPO)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    run_dir = next(p for p in site.zone("runs").iterdir() if (p / "run.json").exists())
    ckpts = run_dir / "checkpoints"
    # killed at the third save, checkpoint-1 renamed away but not deleted
    assert sorted(p.name for p in ckpts.iterdir()) == [f"{RETIRED_PREFIX}checkpoint-1", "checkpoint-2",
                                                       "checkpoint-3"]

    resumed = cli("train", "--resume", run_dir.name, "--json")
    assert resumed.exit_code == 0, resumed.output
    assert get_run(run_dir.name)["metrics"]["global_step"] == 4
    assert sorted(p.name for p in ckpts.iterdir()) == ["checkpoint-3", "checkpoint-4"]
    log = read_step_log(run_dir / "step_log.json")
    for step in (3, 4):
        assert read_step_log(ckpts / f"checkpoint-{step}" / "step_log.json") == log[:step]


def test_resume_after_a_kill_in_the_middle_of_a_checkpoint_save(site, tiny_snapshot, write_config, cli):
    config = write_config(max_steps=6, checkpoint_every=2)
    env = {**os.environ, "RADFORGE_CRASH_AT": "train:mid_checkpoint", "RADFORGE_CRASH_SKIP": "1",
           "PYTHONPATH": str(REPO)}
    killed = subprocess.run([sys.executable, "-m", "radforge.cli", "train", "--config", str(config), "--json"],
                            env=env, capture_output=True, text=True, timeout=300, check=False, cwd=REPO)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    run_dir = next(p for p in site.zone("runs").iterdir() if (p / "run.json").exists())
    ckpts = run_dir / "checkpoints"
    assert sorted(p.name for p in ckpts.iterdir()) == ["checkpoint-2", "checkpoint-4"]
    assert not (ckpts / "checkpoint-4" / "trainer_state.json").exists()  # the save was cut in the middle

    resumed = cli("train", "--resume", run_dir.name, "--json")
    assert resumed.exit_code == 0, resumed.output
    record = get_run(run_dir.name)
    assert record["status"] == "completed" and record["metrics"]["global_step"] == 6
    assert record["resumed_from"] == "checkpoint-2"
    state = json.loads((ckpts / "checkpoint-6" / "trainer_state.json").read_text())
    assert state["global_step"] == 6


def test_resume_of_a_completed_run_repairs_its_catalog_row(site):
    record = {"run_id": "20260101T000000-x-abcdef", "name": "x", "status": "completed", "metrics": {"global_step": 3},
              "timings": {}, "created_at": "2026-01-01T00:00:00Z"}
    write_run(record, site)
    with writer(site) as con:  # what a kill between run.json and the catalog commit leaves
        con.execute("UPDATE runs SET status = 'running'")
    from training.run import resume

    with pytest.raises(RadforgeError, match="already completed"):
        resume(record["run_id"], site)
    with reader(site) as con:
        assert con.execute("SELECT status FROM runs").fetchall() == [("completed",)]

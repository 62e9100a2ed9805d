"""Regression test for the resume overshoot `make chaos` found (issue #20, item 5).

A run killed after its final checkpoint was complete (every step trained and saved) but before
the run was marked completed resumed from that checkpoint, and the Trainer then trained one
more step: `Trainer.train` fast-forwards the loader to the checkpoint's step and enters the step
loop before it looks at `max_steps`, so a run of 12 steps ended at step 13 with a checkpoint-13
and one batch no uninterrupted run trains on. Which kills exposed it depended on the machine's
speed (timer kills); here each position is reached deterministically with a named crash point.

Each case kills a real tiny-Llama run (SIGKILL, no clean-up) at one position around the end of
the run, resumes it through the real CLI, and checks the run's step record against an
uninterrupted run: the same steps 1..N, each with the same examples, none past the end, no
example twice, and no checkpoint past N.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from training.registry import get_run
from training.steplog import check_step_log, read_step_log

REPO = Path(__file__).resolve().parents[2]
STEPS, EVERY = 4, 2  # checkpoints at steps 2 and 4

# (crash point, passes let through): the kill lands at that point's next pass.
POSITIONS = {
    # the final checkpoint complete, the run not yet marked completed: resume overshot to step 5
    "after_final_checkpoint": ("train:after_final_checkpoint", 0),
    # the final checkpoint's weights and step record written, its trainer state not yet
    "before_final_trainer_state": ("train:before_trainer_state", 1),
    # inside the final checkpoint: weights written, optimizer not yet
    "mid_final_checkpoint": ("train:mid_checkpoint", 1),
    # the last step trained, its checkpoint not written
    "after_last_step": ("train:step_end", STEPS - 1),
}


def _config(model: Path, where: Path) -> Path:
    """The tiny LoRA run of tests/training/conftest.py, STEPS long (one file for the reference and the cases)."""
    import yaml

    path = where / "run.yaml"
    path.write_text(yaml.safe_dump({
        "name": "tiny", "base_model": str(model), "method": "lora",
        "lora": {"r": 8, "alpha": 16, "dropout": 0.0, "target_modules": "all-linear"},
        "max_seq_len": 256, "micro_batch_size": 1, "gradient_accumulation": 1, "lr": 5e-3, "warmup_ratio": 0.0,
        "max_steps": STEPS, "checkpoint_every": EVERY, "logging_steps": 1,
        "dataset": {"snapshot": "tiny", "max_eval_examples": 8}}))
    return path


def _train(config: Path, env_extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), **env_extra}
    return subprocess.run([sys.executable, "-m", "radforge.cli", "train", "--config", str(config), "--json"],
                          env=env, capture_output=True, text=True, timeout=300, check=False, cwd=REPO)


@pytest.fixture(scope="module")
def reference_log(tmp_path_factory: pytest.TempPathFactory, tiny_llama_path: Path) -> list[dict]:
    """The step record of one uninterrupted run (its own site, the same 60-pair snapshot), shared by the cases."""
    from shared_data import fresh_site, make_pairs, write_snapshot


    home = tmp_path_factory.mktemp("reference") / "site"
    with fresh_site(home) as settings:
        write_snapshot(settings.zone("snapshots"), "tiny", make_pairs(60))
        done = _train(_config(tiny_llama_path, home.parent), {})
    assert done.returncode == 0, done.stderr[-2000:]
    run_dir = Path(json.loads(done.stdout.strip().splitlines()[-1])["run_dir"])
    log = read_step_log(run_dir / "step_log.json")
    assert [s["step"] for s in log] == list(range(1, STEPS + 1))
    return log


@pytest.mark.parametrize("position", list(POSITIONS))
def test_resume_at_the_end_of_a_run_trains_no_step_twice_and_none_past_the_end(
        position, site, tiny_snapshot, tiny_llama_path, tmp_path, cli, reference_log):
    point, skip = POSITIONS[position]
    config = _config(tiny_llama_path, tmp_path)
    killed = _train(config, {"RADFORGE_CRASH_AT": point, "RADFORGE_CRASH_SKIP": str(skip)})
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    runs = sorted(p for p in site.zone("runs").iterdir() if (p / "run.json").exists())
    run_dir = next(p for p in runs if get_run(p.name)["status"] == "running")

    resumed = cli("train", "--resume", run_dir.name, "--json")
    assert resumed.exit_code == 0, resumed.output
    record = get_run(run_dir.name)
    assert record["status"] == "completed" and record["metrics"]["global_step"] == STEPS
    ckpts = sorted(int(p.name.split("-")[1]) for p in (run_dir / "checkpoints").iterdir())
    assert ckpts == [EVERY, STEPS]
    state = json.loads((run_dir / "checkpoints" / f"checkpoint-{STEPS}" / "trainer_state.json").read_text())
    assert state["global_step"] == STEPS

    log = read_step_log(run_dir / "step_log.json")
    assert log == reference_log  # the same examples at the same steps as the uninterrupted run
    assert check_step_log(log, STEPS, n_examples=None) == []
    history = [json.loads(line)["step"] for line in (run_dir / "data_order.jsonl").read_text().splitlines()]
    assert max(history) == STEPS  # no session ever trained a step past the end
    for ckpt in ckpts:  # each checkpoint's record is the run's record up to that step
        assert read_step_log(run_dir / "checkpoints" / f"checkpoint-{ckpt}" / "step_log.json") == log[:ckpt]

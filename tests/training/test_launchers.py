"""Launchers: --dry-run output for each, the Slurm script, and real DeepSpeed / torchrun launches on CPU (gloo)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.registry import get_run


def _dry(cli, *args: str) -> dict:
    result = cli("train", *args, "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("launcher", "program"), [
    ("local", "-m training.worker"), ("torchrun", "torchrun"), ("deepspeed", "deepspeed"), ("slurm", "sbatch"),
])
def test_dry_run_prints_the_command_and_writes_the_resolved_config(site, tiny_snapshot, write_config, cli,
                                                                   launcher: str, program: str) -> None:
    out = _dry(cli, "--config", str(write_config(distributed={"nodes": 1, "gpus_per_node": 2}, deepspeed={"stage": 3})),
               "--launcher", launcher)
    line = out["command_line"]
    assert program in line and out["run_id"] in line
    run_dir = Path(out["run_dir"])
    resolved = (run_dir / "config.yaml").read_text()
    assert "checkpoint_every: 3" in resolved and "base_model: /" in resolved
    assert json.loads((run_dir / "deepspeed.json").read_text())["zero_optimization"]["stage"] == 3
    assert not (run_dir / "run.json").exists()  # a dry run registers nothing
    if launcher == "torchrun":
        assert "--nproc_per_node 2" in line and "--module training.worker" in line
    if launcher == "deepspeed":
        assert "--num_gpus 2" in line and "--module training.worker" in line
    if launcher == "slurm":
        script = (run_dir / "train.sbatch").read_text()
        assert "#SBATCH --gpus-per-node=2" in script and "#SBATCH --nodes=1" in script
        assert f"--run-id {out['run_id']}" in script and "--rdzv_backend c10d" in script
        assert f"RADFORGE_HOME={site.root}" in script


def test_multinode_commands_use_hostfile_and_rendezvous(site, tiny_snapshot, write_config, cli) -> None:
    config = write_config(distributed={"nodes": 2, "gpus_per_node": 8, "master_addr": "10.0.0.1",
                                       "hostfile": "platform/hostfile.example"})
    ds = _dry(cli, "--config", str(config), "--launcher", "deepspeed")
    assert "--hostfile" in ds["command"] and "--num_nodes 2" in ds["command_line"]
    assert ds["problems"] == []
    tr = _dry(cli, "--config", str(config), "--launcher", "torchrun")
    assert "--rdzv_endpoint 10.0.0.1:29500" in tr["command_line"] and "--nnodes 2" in tr["command_line"]
    local = _dry(cli, "--config", str(config), "--launcher", "local")
    assert any("launcher local runs one process" in p for p in local["problems"])


@pytest.mark.parametrize("preset", ["radiology-llama2", "mgh-qlora", "mgh-full-zero3", "alpaca-8b-qlora", "demo-lora",
                                    "heidelberg-8b-qlora"])
def test_every_preset_dry_runs_without_its_model(site, tiny_snapshot, cli, preset: str) -> None:
    out = _dry(cli, "--preset", preset, "--snapshot", "tiny", "--launcher", "deepspeed")
    run_dir = Path(out["run_dir"])
    assert (run_dir / "config.yaml").exists()
    if preset in ("mgh-qlora", "alpaca-8b-qlora", "heidelberg-8b-qlora"):
        quant = json.loads((run_dir / "quantization.json").read_text())
        assert quant["bnb_4bit_quant_storage"] == "bfloat16"
    if preset != "demo-lora":
        assert any("not found" in p for p in out["problems"])  # site path absent here: reported, not crashed


def test_init_config_writes_a_preset_that_validates(site, tiny_snapshot, cli, tmp_path) -> None:
    out = tmp_path / "run.yaml"
    result = cli("train", "init-config", "--preset", "radiology-llama2", "--snapshot", "tiny", "--out", str(out))
    assert result.exit_code == 0, result.output
    from training.config import load_config

    cfg = load_config(out)
    assert cfg.dataset.snapshot == "tiny" and cfg.preset == "radiology-llama2"
    assert cli("train", "presets", "--json").exit_code == 0


@pytest.mark.slow
def test_deepspeed_launcher_zero3_trains(site, tiny_snapshot, write_config, cli) -> None:
    config = write_config(max_steps=3, checkpoint_every=10, deepspeed={"stage": 3},
                          distributed={"gpus_per_node": 1, "master_port": 29531})
    result = cli("train", "--config", str(config), "--launcher", "deepspeed", "--json")
    assert result.exit_code == 0, result.output
    record = get_run(json.loads(result.stdout.strip().splitlines()[-1])["run_id"])
    assert record["status"] == "completed" and record["metrics"]["global_step"] == 3
    assert (Path(record["adapter_path"]) / "adapter_model.safetensors").exists()


@pytest.mark.slow
def test_torchrun_two_processes_zero2_trains(site, tiny_snapshot, write_config, cli) -> None:
    config = write_config(max_steps=3, checkpoint_every=10, deepspeed={"stage": 2},
                          distributed={"gpus_per_node": 2, "master_port": 29533})
    result = cli("train", "--config", str(config), "--launcher", "torchrun", "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout.strip().splitlines()[-1])
    assert record["status"] == "completed" and record["metrics"]["world_size"] == 2
    assert record["metrics"]["eval_loss"] == pytest.approx(record["metrics"]["final_loss"], abs=0.5)

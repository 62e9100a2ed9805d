"""Start, dry-run and resume training runs (the Python API the CLI and the DAGs call).

`train(config)` resolves the config (base model path, checkpoint interval), checks everything
that can be checked before the first step (all problems at once), creates `runs/<run_id>/`
with `config.yaml`, `deepspeed.json`, `quantization.json`, registers the run, and launches it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from radforge.errors import ConfigError, RadforgeError
from radforge.log import get_logger
from radforge.models import base_llm_path
from radforge.settings import REPO_ROOT, Settings, get_settings
from training import registry
from training.config import RunConfig, load_config
from training.deepspeed_config import deepspeed_config, quantization_config
from training.launchers import LAUNCHERS, command, render_sbatch

log = get_logger("training.run")


@dataclass
class PreparedRun:
    run_id: str
    folder: Path
    config: RunConfig
    launcher: str
    command: list[str]
    problems: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "run_dir": str(self.folder), "launcher": self.launcher,
                "command": self.command, "command_line": " ".join(self.command), "problems": self.problems,
                "files": self.files, "config_hash": self.config.config_hash()}


# --- resolution and preflight -----------------------------------------------------------------------
def resolve(cfg: RunConfig, settings: Settings, snapshot: str | None = None) -> RunConfig:
    """Fill in what the site decides: base model path, checkpoint interval, snapshot override."""
    data = cfg.model_dump(mode="json")
    data["base_model"] = str(Path(cfg.base_model).expanduser()) if cfg.base_model else str(base_llm_path(settings))
    data["checkpoint_every"] = cfg.checkpoint_every or settings.training.checkpoint_every
    if snapshot:
        data["dataset"]["snapshot"] = snapshot
    return load_config(data)


def preflight(cfg: RunConfig, settings: Settings, launcher: str) -> list[str]:
    """Everything that would fail the run before its first step, each with its fix. Imports no torch model."""
    import torch

    problems: list[str] = []
    if launcher not in LAUNCHERS:
        problems.append(f"unknown launcher {launcher!r}: use one of {', '.join(LAUNCHERS)}")
    model = Path(cfg.base_model)
    if not (model / "config.json").exists():
        hint = " (run `radforge models prepare`)" if model == base_llm_path(settings) else ""
        problems.append(f"base model {model} not found (no config.json): copy the model folder there or set "
                        f"base_model{hint}")
    try:
        from training.data import resolve_snapshot

        resolve_snapshot(cfg, settings)
    except RadforgeError as exc:
        problems.append(str(exc))
    cuda = torch.cuda.is_available()
    if cfg.precision == "fp16" and not cuda:
        problems.append("precision fp16 needs a GPU: set precision: bf16 or fp32")
    if cfg.precision == "bf16" and cuda and not torch.cuda.is_bf16_supported():
        problems.append("bf16 is not supported on this GPU: set precision: fp16")
    if cfg.attn_implementation == "flash_attention_2" and (not cuda or importlib.util.find_spec("flash_attn") is None):
        problems.append("attn_implementation flash_attention_2 needs a GPU and the flash-attn package: "
                        "set attn_implementation: sdpa")
    if cfg.deepspeed.stage > 0 and importlib.util.find_spec("deepspeed") is None:
        problems.append("DeepSpeed is not installed: pip install deepspeed or set deepspeed.stage: 0")
    if cfg.method == "qlora" and importlib.util.find_spec("bitsandbytes") is None:
        problems.append("qlora needs bitsandbytes: install it or set method: lora")
    if launcher == "local" and cfg.world_size > 1:
        problems.append(f"launcher local runs one process but the config asks for {cfg.world_size} "
                        "(distributed.nodes x gpus_per_node): use --launcher torchrun, deepspeed or slurm")
    if cuda and launcher in ("torchrun", "deepspeed") and cfg.distributed.nodes == 1 \
            and cfg.distributed.gpus_per_node > torch.cuda.device_count():
        problems.append(f"{cfg.distributed.gpus_per_node} GPUs per node requested, {torch.cuda.device_count()} "
                        "visible: lower distributed.gpus_per_node")
    if launcher == "deepspeed" and cfg.distributed.nodes > 1:
        from training.launchers import _site_path

        if not _site_path(cfg.distributed.hostfile).exists():
            problems.append(f"hostfile {cfg.distributed.hostfile} not found: copy platform/hostfile.example there")
    return problems


# --- fingerprints for the registry ----------------------------------------------------------------
def model_fingerprint(path: Path) -> str | None:
    """sha256 over config.json and, per weight file, its name, size and first/last MiB.

    Hashing every byte of a 140 GB checkpoint would take minutes at each start; this fingerprint
    changes whenever a file is replaced, which is what the registry needs to tell models apart.
    """
    if not (path / "config.json").exists():
        return None
    digest = hashlib.sha256((path / "config.json").read_bytes())
    for f in sorted(path.iterdir()):
        if f.suffix in (".safetensors", ".bin", ".json", ".model") and f.is_file():
            size = f.stat().st_size
            digest.update(f"{f.name}:{size}".encode())
            with f.open("rb") as fh:
                digest.update(fh.read(1 << 20))
                if size > 2 << 20:
                    fh.seek(-(1 << 20), os.SEEK_END)
                    digest.update(fh.read())
    return digest.hexdigest()


def code_version() -> str:
    try:
        out = subprocess.run(["git", "-C", str(REPO_ROOT), "describe", "--always", "--dirty"],
                             capture_output=True, text=True, timeout=10, check=False)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"radforge-{version('radforge')}"
    except PackageNotFoundError:
        return "unknown"


# --- the API --------------------------------------------------------------------------------------
def prepare(config: str | Path | dict | RunConfig, settings: Settings | None = None, launcher: str = "local",
            snapshot: str | None = None, run_id: str | None = None, resume: bool = False) -> PreparedRun:
    """Resolve the config and write the run folder (config.yaml, deepspeed.json, quantization.json, sbatch)."""
    settings = settings or get_settings()
    cfg = resolve(load_config(config), settings, snapshot)
    problems = preflight(cfg, settings, launcher)
    run_id = run_id or registry.new_run_id(cfg.name)
    folder = registry.run_dir(run_id, settings)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    (folder / "config.yaml").write_text(cfg.to_yaml())
    files.append("config.yaml")
    ds = deepspeed_config(cfg)
    if ds is not None:
        (folder / "deepspeed.json").write_text(json.dumps(ds, indent=2))
        files.append("deepspeed.json")
    quant = quantization_config(cfg)
    if quant is not None:
        (folder / "quantization.json").write_text(json.dumps(quant, indent=2))
        files.append("quantization.json")
    if launcher == "slurm":
        render_sbatch(cfg, run_id, folder, settings, resume)
        files.append("train.sbatch")
    cmd = command(launcher, cfg, run_id, folder, resume)
    return PreparedRun(run_id, folder, cfg, launcher, cmd, problems, files)


def dry_run(config: str | Path | dict | RunConfig, settings: Settings | None = None, launcher: str = "local",
            snapshot: str | None = None) -> PreparedRun:
    """Write the resolved config and launch files, return the exact command; register nothing, start nothing."""
    prepared = prepare(config, settings, launcher, snapshot)
    (prepared.folder / "DRY_RUN").write_text(" ".join(prepared.command) + "\n")
    return prepared


def train(config: str | Path | dict | RunConfig, settings: Settings | None = None, launcher: str = "local",
          snapshot: str | None = None, disable_tqdm: bool = False, wait: bool = False) -> str:
    """Run (or, for Slurm, submit) a training run; returns its run id. Raises before the first step on bad config.

    `wait=True` makes a Slurm submission block until the job ends (`sbatch --wait`), as the DAGs need.
    """
    settings = settings or get_settings()
    prepared = prepare(config, settings, launcher, snapshot)
    if wait and launcher == "slurm":
        prepared.command.insert(1, "--wait")
    if prepared.problems:
        raise ConfigError(f"run {prepared.run_id} not started, {len(prepared.problems)} problem(s): "
                          + "; ".join(prepared.problems))
    _register(prepared, settings)
    _launch(prepared, settings, resume=False, disable_tqdm=disable_tqdm)
    return prepared.run_id


def resume(run_id: str, settings: Settings | None = None, launcher: str | None = None,
           disable_tqdm: bool = False) -> str:
    """Continue a crashed or stopped run from its latest checkpoint (same final step count, no repeated data)."""
    settings = settings or get_settings()
    record = registry.get_run(run_id, settings)
    if record["status"] == "completed":
        # A run killed between its run.json and its catalog row: the catalog still says running.
        registry.mirror_run(record, settings)
        raise RadforgeError(f"run {run_id} already completed; nothing to resume")
    folder = registry.run_dir(run_id, settings)
    cfg = load_config(folder / "config.yaml")
    launcher = launcher or record.get("launcher") or "local"
    problems = preflight(cfg, settings, launcher)
    if problems:
        raise ConfigError(f"run {run_id} cannot resume, {len(problems)} problem(s): " + "; ".join(problems))
    if launcher == "slurm":
        render_sbatch(cfg, run_id, folder, settings, resume=True)
    prepared = PreparedRun(run_id, folder, cfg, launcher, command(launcher, cfg, run_id, folder, resume=True))
    timings = dict(record.get("timings") or {})
    timings["resumed_at"] = [*timings.get("resumed_at", []), registry.now_iso()]
    registry.update_run(run_id, settings, status="queued" if launcher == "slurm" else "running",
                        launcher=launcher, timings=timings)
    _launch(prepared, settings, resume=True, disable_tqdm=disable_tqdm)
    return run_id


def _register(prepared: PreparedRun, settings: Settings) -> None:
    from training.data import resolve_snapshot

    cfg = prepared.config
    snap = resolve_snapshot(cfg, settings)
    record = {
        "run_id": prepared.run_id,
        "name": cfg.name,
        "status": "queued" if prepared.launcher == "slurm" else "running",
        "method": cfg.method,
        "launcher": prepared.launcher,
        "base_model": cfg.base_model,
        "base_model_hash": model_fingerprint(Path(cfg.base_model)),
        "snapshot": {"name": snap.name, "hash": snap.hash},
        "config_hash": cfg.config_hash(),
        "code_version": code_version(),
        "prompt_format": cfg.prompt_format,
        "task": cfg.task,
        "retrieval": cfg.retrieval.model_dump() if cfg.retrieval else None,  # generation must show the same pairs
        "adapter_path": None,
        "model_path": None,
        "run_dir": str(prepared.folder),
        "metrics": {},
        "timings": {"created_at": registry.now_iso()},
        "command": prepared.command,
        "error": None,
        "created_at": registry.now_iso(),
    }
    registry.write_run(record, settings)


def _launch(prepared: PreparedRun, settings: Settings, resume: bool, disable_tqdm: bool) -> None:
    if prepared.launcher == "local":
        from training.engine import execute

        execute(prepared.run_id, settings, resume=resume, disable_tqdm=disable_tqdm)
        return
    env = {**os.environ, "RADFORGE_HOME": str(settings.root), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    if prepared.launcher == "slurm":
        proc = subprocess.run(prepared.command, env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            registry.update_run(prepared.run_id, settings, status="failed", error=f"sbatch exit {proc.returncode}")
            raise RadforgeError(f"sbatch failed (exit {proc.returncode}) for run {prepared.run_id}")
        job = proc.stdout.strip().split()[-1] if proc.stdout.strip() else None
        registry.update_run(prepared.run_id, settings, slurm_job_id=job)
        if "--wait" in prepared.command and registry.get_run(prepared.run_id, settings)["status"] != "completed":
            raise RadforgeError(f"Slurm job {job} of run {prepared.run_id} ended without completing the run")
        return
    log.info("launching run %s with %s", prepared.run_id, prepared.launcher)
    rc = subprocess.run(prepared.command, env=env, cwd=str(REPO_ROOT), check=False).returncode
    record = registry.get_run(prepared.run_id, settings)
    if rc != 0 or record["status"] != "completed":
        if record["status"] == "running":
            registry.update_run(prepared.run_id, settings, status="failed", error=f"launcher exit {rc}")
        raise RadforgeError(f"run {prepared.run_id} failed under {prepared.launcher} (exit {rc}); "
                            f"see {prepared.folder} and `radforge train --resume {prepared.run_id}`")


def python_executable() -> str:
    return sys.executable

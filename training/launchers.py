"""How a prepared run is started: the exact command for each launcher.

Every launcher ends in the same worker, `python -m training.worker --run-id ID`, which reads the
run folder; only the process layout differs:
  local      one process (run in-process by `radforge train`; the command shows the equivalent)
  torchrun   `torchrun` with one process per GPU, c10d rendezvous for several nodes
  deepspeed  the `deepspeed` launcher, a hostfile for several nodes (pdsh/ssh on the site)
  slurm      `sbatch runs/<id>/train.sbatch`, rendered from platform/slurm/train.sbatch.j2
"""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

from radforge.errors import ConfigError
from radforge.settings import REPO_ROOT, Settings
from training.config import RunConfig

LAUNCHERS = ("local", "torchrun", "deepspeed", "slurm")
WORKER = ["-m", "training.worker"]


def _tool(name: str) -> str:
    """The console script next to this interpreter (the venv's), else whatever is on PATH."""
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    return shutil.which(name) or name


def _site_path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else REPO_ROOT / path


def worker_args(run_id: str, resume: bool = False) -> list[str]:
    return ["--run-id", run_id] + (["--resume"] if resume else [])


def command(launcher: str, cfg: RunConfig, run_id: str, run_dir: Path, resume: bool = False) -> list[str]:
    """The command line that starts this run under `launcher` (what --dry-run prints)."""
    d = cfg.distributed
    args = worker_args(run_id, resume)
    if launcher == "local":
        return [sys.executable, *WORKER, *args]
    if launcher == "torchrun":
        cmd = [_tool("torchrun"), "--nnodes", str(d.nodes), "--nproc_per_node", str(d.gpus_per_node)]
        if d.nodes > 1:
            cmd += ["--rdzv_backend", "c10d", "--rdzv_endpoint", f"{d.master_addr}:{d.master_port}",
                    "--rdzv_id", run_id]
        else:
            cmd += ["--master_addr", d.master_addr, "--master_port", str(d.master_port)]
        return [*cmd, "--module", "training.worker", *args]
    if launcher == "deepspeed":
        cmd = [_tool("deepspeed")]
        if d.nodes > 1:
            cmd += ["--hostfile", str(_site_path(d.hostfile))]
        cmd += ["--num_nodes", str(d.nodes), "--num_gpus", str(d.gpus_per_node),
                "--master_addr", d.master_addr, "--master_port", str(d.master_port)]
        return [*cmd, "--module", "training.worker", *args]
    if launcher == "slurm":
        return ["sbatch", str(run_dir / "train.sbatch")]
    raise ConfigError(f"unknown launcher {launcher!r}; use one of {', '.join(LAUNCHERS)}")


def render_sbatch(cfg: RunConfig, run_id: str, run_dir: Path, settings: Settings, resume: bool = False) -> Path:
    """Write runs/<id>/train.sbatch from the site's template (one torchrun per node under srun)."""
    import jinja2

    template_path = _site_path(cfg.slurm.template)
    if not template_path.exists():
        raise ConfigError(f"Slurm template {template_path} not found: set slurm.template")
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
    text = env.from_string(template_path.read_text()).render(
        job_name=f"radforge-{cfg.name}"[:64], run_id=run_id, run_dir=str(run_dir), slurm=cfg.slurm,
        nodes=cfg.distributed.nodes, gpus_per_node=cfg.distributed.gpus_per_node,
        master_port=cfg.distributed.master_port, radforge_home=str(settings.root),
        python=sys.executable, torchrun=_tool("torchrun"), repo_root=str(REPO_ROOT),
        worker_args=" ".join(shlex.quote(a) for a in worker_args(run_id, resume)))
    out = run_dir / "train.sbatch"
    out.write_text(text)
    out.chmod(0o750)
    return out


def render_hostfile_hint(cfg: RunConfig) -> str:
    return f"hostfile {_site_path(cfg.distributed.hostfile)} ({cfg.distributed.nodes} nodes x " \
           f"{cfg.distributed.gpus_per_node} slots)"

"""`radforge train ...`: start, dry-run, resume, list and merge training runs. Heavy imports stay inside.

`train` is both a command (`radforge train --config RUN.yaml`) and a group (`radforge train merge ID`),
hence a typer group with `invoke_without_command=True` whose callback does the training.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Literal

import typer

from radforge.cliutil import plain_console, styled
from training.launchers import LAUNCHERS

console = plain_console(stderr=True)
Launcher = Literal[LAUNCHERS]  # type: ignore[valid-type]
train_app = typer.Typer(
    help="Fine-tune LLMs on dataset snapshots (LoRA / QLoRA / full, DeepSpeed, local/torchrun/deepspeed/slurm).\n\n"
         "Example: radforge train --config run.yaml --launcher deepspeed --dry-run",
    invoke_without_command=True, no_args_is_help=False,
)


@train_app.callback()
def train(
    ctx: typer.Context,
    config: Path | None = typer.Option(None, "--config", "-c", help="Run config YAML (see `train init-config`)."),
    preset: str | None = typer.Option(None, "--preset", help="Use a shipped preset instead of --config."),
    snapshot: str | None = typer.Option(None, "--snapshot", help="Dataset snapshot name (overrides the config)."),
    launcher: Launcher = typer.Option("local", "--launcher", "-l", help="How the worker processes start."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Write the resolved config and print the command only."),
    resume: str | None = typer.Option(None, "--resume", help="Resume RUN_ID from its latest checkpoint."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Start a training run from a YAML config, or resume one.

    Examples:
      radforge train --config run.yaml
      radforge train --config run.yaml --launcher slurm --dry-run
      radforge train --resume 20260101T120000-demo-lora-a1b2c3
    """
    if ctx.invoked_subcommand is not None:
        return
    from radforge.settings import get_settings
    from training import registry
    from training.run import dry_run as do_dry_run
    from training.run import resume as do_resume
    from training.run import train as do_train

    settings = get_settings()
    if resume:
        run_id = do_resume(resume, settings, launcher=None if launcher == "local" else launcher,
                           disable_tqdm=as_json)
        _print_run(registry.get_run(run_id, settings), as_json)
        return
    source = _config_source(config, preset)
    if dry_run:
        prepared = do_dry_run(source, settings, launcher, snapshot)
        if as_json:
            print(json.dumps(prepared.as_dict()))
            return
        console.print(styled(("dry run", "bold"), f" {prepared.run_id} ({launcher}); wrote "
                             f"{', '.join(prepared.files)} in {prepared.folder}"))
        for problem in prepared.problems:
            console.print(styled(("would fail:", "yellow"), f" {problem}"))
        print(" ".join(prepared.command))
        return
    run_id = do_train(source, settings, launcher, snapshot, disable_tqdm=as_json or not sys.stderr.isatty())
    _print_run(registry.get_run(run_id, settings), as_json)


def _config_source(config: Path | None, preset: str | None) -> object:
    from radforge.errors import ConfigError

    if config and preset:
        raise ConfigError("give --config or --preset, not both")
    if config:
        return config
    if preset:
        from training.config import load_preset

        return load_preset(preset)
    raise ConfigError("no run config: pass --config RUN.yaml (write one with `radforge train init-config`) or --preset")


def _print_run(record: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(record, default=str))
        return
    m = record.get("metrics") or {}
    console.print(styled((str(record["status"]), "green"), f" run {record['run_id']}: steps {m.get('global_step')}, "
                         f"loss {m.get('first_loss')} → {m.get('final_loss')}, eval loss {m.get('eval_loss')}, "
                         f"{m.get('tokens_per_s')} tokens/s"))
    print(record["run_id"])


@train_app.command("merge")
def merge(
    run_id: str = typer.Argument(..., help="A completed LoRA/QLoRA run."),
    force: bool = typer.Option(False, "--force", help="Merge again even if merged/ exists."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Merge a run's LoRA adapter into a standalone model folder runs/<id>/merged with MODEL_CARD.md.

    Example: radforge train merge 20260101T120000-demo-lora-a1b2c3
    """
    from training.merge import merge_run

    dest = merge_run(run_id, force=force)
    if as_json:
        print(json.dumps({"run_id": run_id, "model_path": str(dest)}))
    else:
        console.print(styled(("merged", "green"), f" {dest}"))


@train_app.command("list")
def list_cmd(
    limit: int = typer.Option(20, "--limit", min=1, help="How many runs, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List training runs from the catalog, newest first.

    Example: radforge train list --json
    """
    from rich.table import Table

    from training.registry import list_runs

    rows = list_runs(limit=limit)
    if as_json:
        print(json.dumps(rows, default=str))
        return
    table = Table(title="training runs")
    for col in ("run_id", "status", "method", "snapshot", "final loss", "eval loss"):
        table.add_column(col, no_wrap=col == "run_id")
    for r in rows:
        m = r.get("metrics") or {}
        table.add_row(r["run_id"], r["status"], r["method"], str(r.get("snapshot_name")),
                      str(m.get("final_loss")), str(m.get("eval_loss")))
    plain_console().print(table)


@train_app.command("show")
def show(
    run_id: str = typer.Argument(..., help="Run id."),
    as_json: bool = typer.Option(False, "--json", help="One line of JSON instead of the indented record."),
) -> None:
    """Print a run's record (run.json) as JSON (indented; one line with --json).

    Example: radforge train show 20260101T120000-demo-lora-a1b2c3
    """
    from training.registry import get_run

    print(json.dumps(get_run(run_id), indent=None if as_json else 2, default=str))


@train_app.command("presets")
def presets(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """List the shipped presets (YAML files in training/presets/).

    Example: radforge train presets
    """
    from training.config import list_presets, load_preset, preset_description

    rows = []
    for name in list_presets():
        cfg = load_preset(name)
        rows.append({"name": name, "method": cfg.method, "base_model": cfg.base_model or "(site base LLM)",
                     "global_batch": cfg.effective_global_batch, "deepspeed_stage": cfg.deepspeed.stage,
                     "description": preset_description(name)})
    if as_json:
        print(json.dumps(rows))
        return
    for r in rows:
        print(f"{r['name']:<18} {r['method']:<6} ZeRO-{r['deepspeed_stage']} batch {r['global_batch']:<4} "
              f"{r['description']}")


@train_app.command("init-config")
def init_config(
    preset: str = typer.Option(None, "--preset", help="Preset to start from (default: [training].default_preset)."),
    snapshot: str | None = typer.Option(None, "--snapshot", help="Dataset snapshot name to train on."),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the YAML."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Write a preset out as a starting run config YAML.

    Example: radforge train init-config --preset radiology-llama2 --snapshot mimic-2026q1 --out run.yaml
    """
    from radforge.errors import ConfigError
    from radforge.settings import get_settings
    from training.config import load_preset, preset_description

    preset = preset or get_settings().training.default_preset
    if out.exists() and not force:
        raise ConfigError(f"{out} exists; pass --force to overwrite")
    cfg = load_preset(preset, snapshot=snapshot)
    out.write_text(f"# {preset_description(preset)}\n# Started from preset {preset}; validate with "
                   f"`radforge train --config {out.name} --dry-run`.\n" + cfg.to_yaml())
    if as_json:
        print(json.dumps({"path": str(out), "preset": preset}))
    else:
        console.print(styled(("wrote", "green"), f" {out}"))


def register(app: typer.Typer) -> None:
    """Add this package's commands to the root CLI."""
    app.add_typer(train_app, name="train")

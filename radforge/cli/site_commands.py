"""The core's own commands: `init`, `doctor`, `synth` and `models prepare` (site set-up and inspection).

Importing this module adds them to the root app; each imports what it runs inside its body, so that
`radforge --help` loads none of it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Literal

import typer
from rich.table import Table
from rich.text import Text

from radforge.cli.root import app, console
from radforge.cliutil import plain_console, styled

SynthFormat = Literal["jsonl", "csv", "hl7"]


@app.command()
def init(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Create the site tree under RADFORGE_HOME: zones (PHI zones owner-only), site.toml, secret.

    Example: RADFORGE_HOME=/srv/radforge radforge init
    """
    from radforge.settings import get_settings
    from radforge.site import init_site

    result = init_site(get_settings())
    if as_json:
        print(json.dumps(result))
    else:
        zones = ", ".join(result["zones_created"]) or "none"
        secret = "created" if result["secret_created"] else "kept"
        console.print(styled(("site ready", "green"), f" at {result['home']} (new zones: {zones}; secret {secret})"))


@app.command()
def doctor(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Check the site is fit to run: offline, models present, secret owner-only, disk, threads, versions.

    Exits 1 when a required check fails. Example: radforge doctor --json
    """
    from radforge.doctor import doctor as run_doctor
    from radforge.settings import get_settings

    checks = run_doctor(get_settings())
    failed = [c for c in checks if not c.ok and c.fatal]
    if as_json:
        from radforge.process import current

        setup = current()
        print(json.dumps({"ok": not failed, "checks": [c.__dict__ for c in checks],
                          "threads": setup.as_dict() if setup else None}))
    else:
        table = Table(title="radforge doctor")
        for col in ("check", "status", "detail"):
            table.add_column(col)
        for c in checks:
            status = Text("ok", "green") if c.ok else (Text("FAIL", "red") if c.fatal else Text("warn", "yellow"))
            table.add_row(c.name, status, c.detail)
        plain_console().print(table)
    if failed:
        raise typer.Exit(1)


def _check_formats(value: str) -> str:
    known = SynthFormat.__args__
    unknown = [f for f in (p.strip() for p in value.split(",")) if f and f not in known]
    if unknown:
        raise typer.BadParameter(f"{', '.join(unknown)} not among {', '.join(known)}")
    return value


@app.command()
def synth(
    reports: int = typer.Option(1000, "--reports", "-n", min=0, help="Number of reports to generate."),
    seed: int = typer.Option(0, "--seed", help="Seed; the same seed gives byte-identical files."),
    out: Path = typer.Option(..., "--out", help="Output folder."),
    formats: str = typer.Option("jsonl,csv,hl7", "--formats", callback=_check_formats,
                                help="Comma-separated, any of: jsonl, csv, hl7."),
    workers: int = typer.Option(1, "--workers", min=1, help="Processes (output does not depend on it)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable summary."),
) -> None:
    """Write a synthetic hospital corpus with gold PHI spans (reports.jsonl, gold.jsonl, .csv, .hl7).

    Example: radforge synth --reports 1000 --seed 7 --out /tmp/corpus
    """
    from sources.synth import write_corpus

    wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
    summary = write_corpus(out, reports=reports, seed=seed, formats=wanted, workers=workers,
                           progress=not as_json and sys.stderr.isatty())
    if as_json:
        print(json.dumps(summary))
    else:
        from sources.synth.summary import print_summary

        print_summary(summary, out, plain_console())


models_app = typer.Typer(help="Local models (radforge never downloads one).", no_args_is_help=True)
app.add_typer(models_app, name="models")


@models_app.command("prepare")
def models_prepare(
    force: bool = typer.Option(False, "--force", help="Convert again even if present."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Convert the shipped SmolLM2-135M-Instruct GGUF into an HF folder under $RADFORGE_HOME/models.

    Example: radforge models prepare
    """
    from radforge.models import DEMO_LLM_DIRNAME, prepare_demo_llm
    from radforge.settings import get_settings

    dest = prepare_demo_llm(get_settings().zone("models") / DEMO_LLM_DIRNAME, force=force)
    if as_json:
        print(json.dumps({"model_path": str(dest)}))
    else:
        console.print(styled(("ready", "green"), f" {dest}"))

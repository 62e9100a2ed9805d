"""The `radforge` command. Thin: parse arguments, call a library function, print.

Each package contributes its command group from its own `cli.py` through `register(app)`;
this root only assembles them and maps domain errors to one-line messages (exit code 1).
Set RADFORGE_DEBUG=1 to see tracebacks.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from radforge.errors import RadforgeError

app = typer.Typer(
    name="radforge",
    help="Privacy-first, on-premises radiology report platform: de-identify, warehouse, fine-tune, evaluate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
COMMAND_GROUPS = ("radforge.datasets.cli", "deid.cli", "warehouse.cli", "training.cli", "evaluation.cli")


# Commands that run before a site exists or only inspect it; every other command touches data.
NO_PREFLIGHT = {"init", "doctor", "synth", "models", "secret", None}


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Every radforge process starts with the egress guard on and PHI-safe logging.

    Commands that touch data first run the site preflight: they refuse to start when the secret or a
    PHI zone is group/world accessible or the secret is not the one the site's pseudonyms were made with.
    """
    from radforge.egress import install_from_settings
    from radforge.log import setup_logging

    setup_logging()
    install_from_settings()
    if ctx.invoked_subcommand not in NO_PREFLIGHT and not ctx.resilient_parsing and not _asks_help(ctx):
        from radforge.settings import get_settings
        from radforge.site import preflight

        preflight(get_settings())


def _asks_help(ctx: typer.Context) -> bool:
    args = [*getattr(ctx, "protected_args", []), *ctx.args]
    return any(a in ("--help", "-h") for a in args) or any(a in ("--help", "-h") for a in sys.argv[1:])


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
        console.print(f"[green]site ready[/] at {result['home']} (new zones: {zones}; secret {secret})")


@app.command()
def doctor(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Check the site is fit to run: offline, models present, secret owner-only, disk, versions.

    Exits 1 when a required check fails. Example: radforge doctor --json
    """
    from radforge.settings import get_settings
    from radforge.site import doctor as run_doctor

    checks = run_doctor(get_settings())
    failed = [c for c in checks if not c.ok and c.fatal]
    if as_json:
        print(json.dumps({"ok": not failed, "checks": [c.__dict__ for c in checks]}))
    else:
        table = Table(title="radforge doctor")
        for col in ("check", "status", "detail"):
            table.add_column(col)
        for c in checks:
            status = "[green]ok[/]" if c.ok else ("[red]FAIL[/]" if c.fatal else "[yellow]warn[/]")
            table.add_row(c.name, status, c.detail)
        Console().print(table)
    if failed:
        raise typer.Exit(1)


@app.command()
def synth(
    reports: int = typer.Option(1000, "--reports", "-n", min=0, help="Number of reports to generate."),
    seed: int = typer.Option(0, "--seed", help="Seed; the same seed gives byte-identical files."),
    out: Path = typer.Option(..., "--out", help="Output folder."),
    formats: str = typer.Option("jsonl,csv,hl7", "--formats", help="Comma-separated: jsonl, csv, hl7."),
    workers: int = typer.Option(1, "--workers", min=1, help="Processes (output does not depend on it)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable summary."),
) -> None:
    """Write a synthetic hospital corpus with gold PHI spans (reports.jsonl, gold.jsonl, .csv, .hl7).

    Example: radforge synth --reports 1000 --seed 7 --out /tmp/corpus
    """
    from radforge.synth import write_corpus

    wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
    summary = write_corpus(out, reports=reports, seed=seed, formats=wanted, workers=workers,
                           progress=not as_json and sys.stderr.isatty())
    if as_json:
        print(json.dumps(summary))
    else:
        from radforge.synth.summary import print_summary

        print_summary(summary, out, Console())


models_app = typer.Typer(help="Local models (radforge never downloads one).", no_args_is_help=True)
app.add_typer(models_app, name="models")


@models_app.command("prepare")
def models_prepare(force: bool = typer.Option(False, "--force", help="Convert again even if present.")) -> None:
    """Convert the shipped SmolLM2-135M-Instruct GGUF into an HF folder under $RADFORGE_HOME/models.

    Example: radforge models prepare
    """
    from radforge.models import DEMO_LLM_DIRNAME, prepare_demo_llm
    from radforge.settings import get_settings

    dest = prepare_demo_llm(get_settings().zone("models") / DEMO_LLM_DIRNAME, force=force)
    console.print(f"[green]ready[/] {dest}")


def _register_groups() -> None:
    for module_name in COMMAND_GROUPS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue  # that package is not part of this installation
            raise
        module.register(app)


_register_groups()


def config_problems(exc: ValidationError) -> str:
    """Which settings are invalid and why, without their values (a value could be anything a user pasted)."""
    problems = [f"{'.'.join(str(p) for p in e['loc'])} ({e['type']})" for e in exc.errors()]
    return f"invalid site configuration: {'; '.join(problems)} (check site.toml and RADFORGE_* variables)"


def print_error(message: str) -> None:
    """One line on stderr, whatever the width: unwrapped (rich wraps at 80 columns off a terminal, and a log or
    a test reads lines) and escaped (a message's `[security]` would otherwise be taken for markup and vanish)."""
    from rich.markup import escape

    console.print(f"[red]error:[/] {escape(message)}", soft_wrap=True)


def main() -> None:
    """Console entry point: domain errors become one line on stderr and exit code 1."""
    try:
        rc = app(standalone_mode=False)
        if isinstance(rc, int) and rc:
            sys.exit(rc)
    except RadforgeError as exc:
        if os.environ.get("RADFORGE_DEBUG"):
            raise
        print_error(str(exc))
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except ValidationError as exc:  # the site configuration (site.toml / RADFORGE_* variables) is invalid
        if os.environ.get("RADFORGE_DEBUG"):
            raise
        print_error(config_problems(exc))
        sys.exit(1)
    except typer.Abort:
        console.print("aborted")
        sys.exit(130)
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if os.environ.get("RADFORGE_DEBUG"):
            raise
        console.print(f"[red]internal error:[/] {type(exc).__name__} (set RADFORGE_DEBUG=1 for the traceback)")
        sys.exit(2)


if __name__ == "__main__":
    main()

"""The `radforge` command. Thin: parse arguments, call a library function, print.

Each package contributes its commands from its own `cli.py` through `register(app)`; this root assembles
them and turns every failure into something a user can act on, with an exit code a script can tell apart:

- 0 done; 1 a known failure (a `RadforgeError`, an invalid site configuration): one line on stderr;
- 2 a usage error (unknown option, missing option, bad value): the usage line and the offending option;
- 70 (EX_SOFTWARE) an internal error: its type and the hint to set RADFORGE_DEBUG=1 for the traceback;
- 130 interrupted.

Help and messages are plain text (no Rich markup): `[security].egress_allow` must reach the user whole.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Literal

import typer
from pydantic import ValidationError
from rich.table import Table
from rich.text import Text

from radforge.cliutil import CLICK_ERRORS, dataset_app, plain_console, styled
from radforge.errors import RadforgeError

EXIT_FAILED = 1  # a RadforgeError or an invalid site configuration
EXIT_USAGE = 2  # click's code for usage errors
EXIT_INTERNAL = 70  # EX_SOFTWARE (sysexits.h): a bug, not the user's input
EXIT_INTERRUPTED = 130

app = typer.Typer(
    name="radforge",
    help="Privacy-first, on-premises radiology report platform: de-identify, warehouse, fine-tune, evaluate.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: Rich markup would eat every [section] in a help text
)
console = plain_console(stderr=True)
COMMAND_GROUPS = ("radforge.datasets.cli", "deid.cli", "warehouse.cli", "training.cli", "evaluation.cli")
SynthFormat = Literal["jsonl", "csv", "hl7"]


# Commands that run before a site exists or only inspect it; every other command touches data.
NO_PREFLIGHT = {"init", "doctor", "synth", "models", "secret", None}


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Every radforge process starts with its thread settings, the egress guard on and PHI-safe logging.

    Commands that touch data first run the site preflight: they refuse to start when the secret or a
    PHI zone is group/world accessible or the secret is not the one the site's pseudonyms were made with.
    """
    from radforge.process import start

    needs_preflight = ctx.invoked_subcommand not in NO_PREFLIGHT and not ctx.resilient_parsing and not _asks_help(ctx)
    start(preflight=needs_preflight)


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
    from radforge.synth import write_corpus

    wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
    summary = write_corpus(out, reports=reports, seed=seed, formats=wanted, workers=workers,
                           progress=not as_json and sys.stderr.isatty())
    if as_json:
        print(json.dumps(summary))
    else:
        from radforge.synth.summary import print_summary

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


def _register_groups() -> None:
    for module_name in COMMAND_GROUPS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue  # that package is not part of this installation
            raise
        module.register(app)
    # one group, filled by the packages above; `datasets` was its public-corpora half's old name
    app.add_typer(dataset_app, name="dataset")
    app.add_typer(dataset_app, name="datasets", hidden=True)


_register_groups()


def config_problems(exc: ValidationError) -> str:
    """Which settings are invalid and why, without their values (a value could be anything a user pasted)."""
    problems = [f"{'.'.join(str(p) for p in e['loc'])} ({e['type']})" for e in exc.errors()]
    return f"invalid site configuration: {'; '.join(problems)} (check site.toml and RADFORGE_* variables)"


def print_error(message: str, label: str = "error:") -> None:
    """One line on stderr, whatever the width: unwrapped (rich wraps at 80 columns off a terminal, and a log or
    a test reads lines) and never read as markup (a message's `[security]` would otherwise vanish)."""
    console.print(styled((label, "red"), " ", message), soft_wrap=True)


def main() -> None:
    """Console entry point: every outcome gets its own exit code (see the module docstring)."""
    debug = bool(os.environ.get("RADFORGE_DEBUG"))
    try:
        rc = app(standalone_mode=False, prog_name="radforge")
        if isinstance(rc, int) and rc:
            sys.exit(rc)
    except RadforgeError as exc:
        if debug:
            raise
        print_error(str(exc))
        sys.exit(EXIT_FAILED)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except ValidationError as exc:  # the site configuration (site.toml / RADFORGE_* variables) is invalid
        if debug:
            raise
        print_error(config_problems(exc))
        sys.exit(EXIT_FAILED)
    except CLICK_ERRORS as exc:  # usage errors: click prints the usage line and names the option
        exc.show()  # type: ignore[attr-defined]
        sys.exit(getattr(exc, "exit_code", EXIT_USAGE))
    except (typer.Abort, KeyboardInterrupt):
        console.print("aborted")
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:
        if debug:
            raise
        print_error(f"{type(exc).__name__} (set RADFORGE_DEBUG=1 for the traceback)", label="internal error:")
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()

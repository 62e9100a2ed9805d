"""The root of the `radforge` command: the Typer app and the callback every command runs first.

Help and messages are plain text (no Rich markup): `[security].egress_allow` must reach the user whole.
"""

from __future__ import annotations

import sys

import typer

from radforge.cliutil import plain_console

app = typer.Typer(
    name="radforge",
    help="Privacy-first, on-premises radiology report platform: de-identify, warehouse, fine-tune, evaluate.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: Rich markup would eat every [section] in a help text
)
console = plain_console(stderr=True)

# Commands that run before a site exists or only inspect it; every other command touches data.
NO_PREFLIGHT = {"init", "doctor", "synth", "models", "secret", None}


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Every radforge process starts with its thread settings, the egress guard on and PHI-safe logging.

    Commands that touch data first run the site preflight: they refuse to start when the secret or a
    PHI zone is group/world accessible or the secret is not the one the site's pseudonyms were made with.
    """
    from radforge.process import start  # thread settings before anything loads numpy or torch

    needs_preflight = ctx.invoked_subcommand not in NO_PREFLIGHT and not ctx.resilient_parsing and not _asks_help(ctx)
    start(preflight=needs_preflight)


def _asks_help(ctx: typer.Context) -> bool:
    args = [*getattr(ctx, "protected_args", []), *ctx.args]
    return any(a in ("--help", "-h") for a in args) or any(a in ("--help", "-h") for a in sys.argv[1:])

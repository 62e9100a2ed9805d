"""What every `radforge` command module shares: the one `dataset` group, usage errors, consoles that print text.

- Typer >= 0.2x raises the exceptions of the click it bundles, not `click`'s: `CLICK_ERRORS` names both, found
  through typer's public `BadParameter`, so the root's `main()` recognises a usage error whichever typer runs.
- Rich reads `[word]` as markup and drops it: "[security].egress_allow" printed as ".egress_allow". Every
  console here has markup off; colour comes from `Text` styles, never from markup in a string with data in it.
- `dataset` is one group: the warehouse adds `snapshot` and `list`, sources.datasets adds `iu-xray`.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.text import Text


def _bundled(name: str) -> type[Exception]:
    """typer's click exception class called `name` (its bundled click, or click itself on older typer)."""
    for cls in typer.BadParameter.__mro__:
        if cls.__name__ == name:
            return cls
    raise ImportError(f"typer.BadParameter has no {name} base")  # pragma: no cover - a typer this code never met


UsageError = _bundled("UsageError")


def _click_errors() -> tuple[type[Exception], ...]:
    found = {_bundled("ClickException")}
    try:  # a command may still raise click's own (a library built on plain click)
        import click

        found.add(click.ClickException)
    except ImportError:  # pragma: no cover
        pass
    return tuple(found)


CLICK_ERRORS = _click_errors()


def usage_error(ctx: typer.Context, message: str) -> Exception:
    """A usage error of this command: `main()` prints its usage line, `Error: <message>`, and exits 2."""
    return UsageError(message, ctx=ctx)


def plain_console(stderr: bool = False) -> Console:
    """A console that prints strings as they are: `[deid].workers` stays `[deid].workers`."""
    return Console(stderr=stderr, markup=False)


def styled(*parts: str | tuple[str, str]) -> Text:
    """`styled(("ready", "green"), " ", path)`: coloured words beside data that is never read as markup."""
    return Text.assemble(*parts)


dataset_app = typer.Typer(
    help="Dataset snapshots (what training and evaluation read) and public corpora as hospital-like exports.",
    no_args_is_help=True,
)

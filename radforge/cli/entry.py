"""The console entry point `main()`: every outcome its own exit code, so a script can tell them apart.

Library code raises domain errors; they are turned into messages here, in one place.
"""

from __future__ import annotations

import os
import sys

import typer
from pydantic import ValidationError

from radforge.cli.root import app, console
from radforge.cliutil import CLICK_ERRORS, styled
from radforge.errors import RadforgeError

EXIT_FAILED = 1  # a RadforgeError or an invalid site configuration
EXIT_USAGE = 2  # click's code for usage errors
EXIT_INTERNAL = 70  # EX_SOFTWARE (sysexits.h): a bug, not the user's input
EXIT_INTERRUPTED = 130


def config_problems(exc: ValidationError) -> str:
    """Which settings are invalid and why, without their values (a value could be anything a user pasted)."""
    problems = [f"{'.'.join(str(p) for p in e['loc'])} ({e['type']})" for e in exc.errors()]
    return f"invalid site configuration: {'; '.join(problems)} (check site.toml and RADFORGE_* variables)"


def print_error(message: str, label: str = "error:") -> None:
    """One line on stderr, whatever the width: unwrapped (rich wraps at 80 columns off a terminal, and a log or
    a test reads lines) and never read as markup (a message's `[security]` would otherwise vanish)."""
    console.print(styled((label, "red"), " ", message), soft_wrap=True)


def main() -> None:
    """Console entry point: every outcome gets its own exit code (see `radforge.cli`'s docstring)."""
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

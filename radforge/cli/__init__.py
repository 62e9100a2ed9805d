"""The `radforge` command. Thin: parse arguments, call a library function, print.

This package assembles it: `root` (the app and the callback every process runs first), `site_commands`
(the core's own `init`, `doctor`, `synth`, `models`), `groups` (each package's commands from its `cli.py`)
and `entry` (`main()`, which turns every failure into something a user can act on, with an exit code a
script can tell apart):

- 0 done; 1 a known failure (a `RadforgeError`, an invalid site configuration): one line on stderr;
- 2 a usage error (unknown option, missing option, bad value): the usage line and the offending option;
- 70 (EX_SOFTWARE) an internal error: its type and the hint to set RADFORGE_DEBUG=1 for the traceback;
- 130 interrupted.

`radforge = "radforge.cli:main"` is the console script; `python -m radforge.cli` runs the same.
"""

from __future__ import annotations

from radforge.cli import site_commands  # noqa: F401 - its decorators add init, doctor, synth, models to `app`
from radforge.cli.entry import EXIT_FAILED, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, main
from radforge.cli.groups import register_groups
from radforge.cli.root import app

# after the core's commands, so that `radforge --help` lists init, doctor, synth first, as it always has
register_groups(app)

__all__ = ["app", "main", "EXIT_FAILED", "EXIT_USAGE", "EXIT_INTERNAL", "EXIT_INTERRUPTED"]

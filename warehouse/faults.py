"""Named crash points, so the tests can kill a real process at the worst moment (SIGKILL, no cleanup).

`RADFORGE_CRASH_AT=<point>` makes the process kill itself when it reaches that point; unset, a
crash point costs one dict lookup. Points: `ingest:after_write` (chunk files renamed into place,
ledger not committed), `ingest:mid_write` (temporary file written, not renamed),
`deid:after_write`, `deid:mid_write`.
"""

from __future__ import annotations

import os
import signal


def crash_point(name: str) -> None:
    wanted = os.environ.get("RADFORGE_CRASH_AT")
    if wanted and wanted == name:
        count = int(os.environ.get("RADFORGE_CRASH_SKIP", "0"))
        if count > 0:  # let the first N passes through (crash in the middle of a file, not at its start)
            os.environ["RADFORGE_CRASH_SKIP"] = str(count - 1)
            return
        os.kill(os.getpid(), signal.SIGKILL)

"""Named crash points, so tests and `make chaos` can kill a real process at the worst moment (SIGKILL, no cleanup).

`RADFORGE_CRASH_AT=<point>` makes the process kill itself when it reaches that point; unset, a
crash point costs one dict lookup. `RADFORGE_CRASH_SKIP=N` lets the first N passes through (a crash
in the middle of a file, not at its start). `RADFORGE_CRASH_TRACE=<file>` appends one line per pass
(`<point>\\t<unix time>`) so `bench/chaos.py` can learn, from an uninterrupted run, where and when a
stage passes its points. In the core so that every package, the audit trail included, uses the one
mechanism; the points themselves are listed in warehouse/faults.py.
"""

from __future__ import annotations

import os
import signal
import time


def crash_hit(name: str) -> bool:
    """Record the pass; True when RADFORGE_CRASH_AT names this point and its skipped passes are used up."""
    trace = os.environ.get("RADFORGE_CRASH_TRACE")
    if trace:
        with open(trace, "a", encoding="utf-8") as fh:
            fh.write(f"{name}\t{time.time():.3f}\n")
    if os.environ.get("RADFORGE_CRASH_AT") != name:
        return False
    skip = int(os.environ.get("RADFORGE_CRASH_SKIP", "0"))
    if skip > 0:
        os.environ["RADFORGE_CRASH_SKIP"] = str(skip - 1)
        return False
    return True


def crash_point(name: str) -> None:
    """Kill this process (SIGKILL) here when RADFORGE_CRASH_AT names `name`."""
    if crash_hit(name):
        os.kill(os.getpid(), signal.SIGKILL)

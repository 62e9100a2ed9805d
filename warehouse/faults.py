"""Named crash points, so the tests can kill a real process at the worst moment (SIGKILL, no cleanup).

`RADFORGE_CRASH_AT=<point>` makes the process kill itself when it reaches that point; unset, a
crash point costs one dict lookup. `RADFORGE_CRASH_SKIP=N` lets the first N passes through (a crash
in the middle of a file, not at its start). `RADFORGE_CRASH_TRACE=<file>` appends one line per pass
(`<point>\\t<unix time>`) so `bench/chaos.py` can learn, from an uninterrupted run, where and when a
stage passes its points.

Points: `ingest:mid_write` (temporary file written, not renamed), `ingest:after_write` (chunk files
renamed into place, ledger not committed), `ingest:ledger_commit` / `ingest:file_commit` (inside the
DuckDB transaction, before COMMIT), `deid:mid_write`, `deid:after_write`, `deid:ledger_commit`,
`pairs:after_parquet`, `pairs:after_run_json`, `pairs:ledger_commit`, `views:commit`,
`snapshot:mid_write`, `snapshot:after_rename`, `snapshot:ledger_commit`, `train:step_end`,
`train:mid_checkpoint` (model saved into the checkpoint, optimizer and trainer state not yet),
`train:after_checkpoint`, `registry:after_json`, `registry:commit`; the audit trail has its own copy
(`audit:torn_append`, `audit:mid_append`) because radforge/ imports no domain package.
"""

from __future__ import annotations

import os
import signal
import time


def crash_point(name: str) -> None:
    trace = os.environ.get("RADFORGE_CRASH_TRACE")
    if trace:
        with open(trace, "a", encoding="utf-8") as fh:
            fh.write(f"{name}\t{time.time():.3f}\n")
    wanted = os.environ.get("RADFORGE_CRASH_AT")
    if wanted and wanted == name:
        count = int(os.environ.get("RADFORGE_CRASH_SKIP", "0"))
        if count > 0:  # let the first N passes through (crash in the middle of a file, not at its start)
            os.environ["RADFORGE_CRASH_SKIP"] = str(count - 1)
            return
        os.kill(os.getpid(), signal.SIGKILL)

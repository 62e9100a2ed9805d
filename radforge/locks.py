"""Advisory file locks (flock) for work that two processes must not do at the same time.

Airflow's mapped tasks, a cron job and an engineer's shell can all start the same step at once. The
catalog's DuckDB lock only covers one short transaction; a step that writes files between
transactions (an ingest writing a file's chunks, an audit append) holds one of these for the whole
of it. flock is released by the kernel when the holder dies, so a kill -9 never leaves a lock behind.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from radforge.log import get_logger

log = get_logger(__name__)


@contextmanager
def exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `lock_path` (created owner-only) for the body; waits for a holder."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("waiting for lock %s (another process holds it)", lock_path.name)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def work_lock(root: Path, kind: str, key: str) -> Path:
    """The lock file of work item `key` of `kind` (an ingest's content hash, a de-id partition id).

    256 files per kind at most (the first byte of the key's hash): two different items rarely share
    one, and when they do they only take turns. Lock files are never deleted (unlinking a file
    another process waits on would let a third take a new lock beside it).
    """
    return root / "locks" / f"{kind}-{hashlib.sha256(key.encode()).hexdigest()[:2]}.lock"

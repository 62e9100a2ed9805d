"""Atomic file writes: a reader sees the whole file or no file, never a partial one.

Every writer writes `<target>.tmp-<pid>` next to the target, fsyncs it, renames it over the
target and fsyncs the folder. A crash before the rename leaves only a `*.tmp-*` file, which no
zone glob matches (they all end in `.parquet` / `.json` / `.jsonl`) and which the next run removes.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import polars as pl

OWNER_ONLY = 0o700


def ensure_dir(path: Path, owner_only: bool = False) -> Path:
    """mkdir -p; PHI zones (raw, quarantine) are created owner-only (0700) at every level we create."""
    if owner_only:
        missing = []
        p = path
        while not p.exists():
            missing.append(p)
            p = p.parent
        for p in reversed(missing):
            p.mkdir(exist_ok=True)
            os.chmod(p, OWNER_ONLY)
        if path.exists():
            os.chmod(path, OWNER_ONLY)
    else:
        path.mkdir(parents=True, exist_ok=True)
    return path


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _tmp_name(target: Path) -> Path:
    return target.with_name(f"{target.name}.tmp-{os.getpid()}")


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path; on success fsync it and rename it over `target`."""
    tmp = _tmp_name(target)
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
        fsync_dir(target.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def atomic_text(target: Path) -> Iterator[IO[str]]:
    with atomic_path(target) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        yield fh


def write_parquet(df: pl.DataFrame, target: Path) -> Path:
    """Write a DataFrame atomically (zstd, statistics on)."""
    with atomic_path(target) as tmp:
        df.write_parquet(tmp, compression="zstd", statistics=True)
    return target


def write_json(obj: Any, target: Path) -> Path:
    with atomic_text(target) as fh:
        json.dump(obj, fh, indent=2, sort_keys=False, default=str)
        fh.write("\n")
    return target


def remove_stale_tmp(folder: Path) -> int:
    """Delete `*.tmp-<pid>` leftovers of crashed writers under `folder`; returns how many.

    A file whose writer is still alive is left alone: two de-id tasks (or two ingests) may share a
    folder, and one's sweep must not pull a file from under the other's rename.
    """
    n = 0
    if folder.exists():
        for p in folder.rglob("*.tmp-*"):
            if p.is_file() and not _writer_alive(p):
                p.unlink(missing_ok=True)
                n += 1
    return n


def _writer_alive(tmp: Path) -> bool:
    """True when the pid in a temporary file's name is a live process other than this one."""
    pid = tmp.name.rsplit(".tmp-", 1)[-1]
    if not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, under another user
        return True
    return True

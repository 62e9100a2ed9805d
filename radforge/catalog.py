"""The one place that opens the DuckDB catalog.

DuckDB allows one writing process per database file. Writers therefore open the catalog for
the length of one short transaction, retrying while another process holds it, and raise a
clear `CatalogBusy` instead of DuckDB's lock error. Readers open `read_only=True`.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from radforge.errors import RadforgeError
from radforge.settings import Settings, get_settings

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class CatalogBusy(RadforgeError):
    """Another process holds the catalog for writing for longer than we were willing to wait."""


def ident(name: str) -> str:
    """Quote a checked SQL identifier (the only place names are formatted into SQL)."""
    if not _IDENT.match(name):
        raise ValueError(f"invalid SQL identifier {name!r}")
    return f'"{name}"'


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text or "conflicting" in text or "being used by another process" in text


def _open(path: Path, read_only: bool, timeout_s: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + timeout_s
    delay = 0.02
    while True:
        try:
            if read_only and not path.exists():
                raise RadforgeError(f"catalog {path} does not exist yet; run `radforge init` and an ingest first")
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            if not _is_lock_error(exc) or time.monotonic() > deadline:
                if _is_lock_error(exc):
                    raise CatalogBusy(f"catalog {path} is busy (another radforge process is writing); "
                                      f"gave up after {timeout_s:.0f}s — retry later") from None
                raise
            time.sleep(delay + random.random() * delay)
            delay = min(delay * 2, 0.5)


def _wait(timeout_s: float | None, default: float) -> float:
    if timeout_s is not None:
        return timeout_s
    return float(os.environ.get("RADFORGE_CATALOG_WAIT_S", default))


@contextlib.contextmanager
def writer(settings: Settings | None = None, timeout_s: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection inside one transaction: committed on success, rolled back on error.

    Waits up to `timeout_s` (default $RADFORGE_CATALOG_WAIT_S, else 120 s) for another process's
    transaction, then raises `CatalogBusy`.
    """
    settings = settings or get_settings()
    timeout_s = _wait(timeout_s, 120.0)
    settings.catalog_path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(settings.catalog_path, False, timeout_s)
    try:
        con.execute("BEGIN TRANSACTION")
        yield con
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()


@contextlib.contextmanager
def reader(settings: Settings | None = None, timeout_s: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection (analysts, reports, DAG sensors); waits like `writer` (default 60 s)."""
    settings = settings or get_settings()
    timeout_s = _wait(timeout_s, 60.0)
    con = _open(settings.catalog_path, True, timeout_s)
    try:
        yield con
    finally:
        con.close()

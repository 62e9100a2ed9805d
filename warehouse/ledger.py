"""The warehouse's catalog tables: the ledger that makes every step idempotent and resumable.

`ledger` has one row per ingested file (by content hash), `ledger_chunks` one row per committed
chunk of a file, `partitions` one row per raw partition taken through de-identification,
`ingest_refusals` one row per file refused whole (file key, size, reason: a symlink out of the landing
folder, not a regular file, changed while read, unreadable), `funnel` the counts of each pairs
run, `snapshots` one row per dataset snapshot. A step writes its files atomically first and
commits its ledger row second: a crash in between leaves files that the resumed step rewrites
under the same names (so nothing is duplicated), and no step trusts a file that has no ledger row.
`source_file` in these tables is `ingest.file_key()` (a keyed hash of the path), never the path:
export file names may carry PHI, and `radforge sql` users read the catalog.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from radforge.catalog import writer
from radforge.settings import Settings

DDL = (
    """CREATE TABLE IF NOT EXISTS ledger (
        content_hash VARCHAR PRIMARY KEY, batch_id VARCHAR NOT NULL, source_file VARCHAR NOT NULL,
        format VARCHAR NOT NULL, size_bytes BIGINT, rows_in BIGINT, rows_written BIGINT,
        rows_quarantined BIGINT, chunks INTEGER, status VARCHAR NOT NULL,
        started_at TIMESTAMP, finished_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS ledger_chunks (
        content_hash VARCHAR NOT NULL, chunk INTEGER NOT NULL, rows_in BIGINT, rows_written BIGINT,
        rows_quarantined BIGINT, raw_path VARCHAR, quarantine_path VARCHAR, committed_at TIMESTAMP,
        PRIMARY KEY (content_hash, chunk))""",
    """CREATE TABLE IF NOT EXISTS partitions (
        partition_id VARCHAR PRIMARY KEY, batch_id VARCHAR NOT NULL, raw_path VARCHAR NOT NULL,
        rows_in BIGINT, rows_deid BIGINT, rows_quarantined BIGINT, deid_paths VARCHAR[],
        quarantine_path VARCHAR, exam_years INTEGER[], engine_version VARCHAR, status VARCHAR NOT NULL,
        finished_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS ingest_refusals (
        source_file VARCHAR NOT NULL, size_bytes BIGINT, reason VARCHAR NOT NULL, detail VARCHAR,
        refused_at TIMESTAMP, PRIMARY KEY (source_file, reason))""",
    """CREATE TABLE IF NOT EXISTS quarantine_reasons (
        stage VARCHAR NOT NULL, partition_id VARCHAR NOT NULL, reason VARCHAR NOT NULL, n BIGINT,
        PRIMARY KEY (stage, partition_id, reason))""",
    """CREATE TABLE IF NOT EXISTS funnel (
        run_id VARCHAR NOT NULL, step INTEGER NOT NULL, stage VARCHAR NOT NULL, removed BIGINT,
        remaining BIGINT, created_at TIMESTAMP, PRIMARY KEY (run_id, step))""",
    """CREATE TABLE IF NOT EXISTS pair_runs (
        run_id VARCHAR PRIMARY KEY, candidates BIGINT, pairs BIGINT, rejected BIGINT,
        filters JSON, source_partitions VARCHAR[], created_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS snapshots (
        name VARCHAR PRIMARY KEY, hash VARCHAR NOT NULL, path VARCHAR NOT NULL, split VARCHAR,
        train BIGINT, validation BIGINT, test BIGINT, pair_run_id VARCHAR, manifest JSON,
        created_at TIMESTAMP)""",
)


def rel(settings: Settings, path: Path | str | None) -> str | None:
    """A zone path as stored in the ledger: relative to the site root, so a site can be moved or copied."""
    if path is None:
        return None
    p = Path(path)
    try:
        return str(p.relative_to(settings.root))
    except ValueError:
        return str(p)


def absolute(settings: Settings, path: str | None) -> Path | None:
    """The inverse of `rel` (absolute paths from older rows are kept as they are)."""
    if path is None:
        return None
    p = Path(path)
    return p if p.is_absolute() else settings.root / p


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in DDL:
        con.execute(stmt)


def init_catalog(settings: Settings) -> None:
    with writer(settings) as con:
        ensure_tables(con)


def record_reasons(con: duckdb.DuckDBPyConnection, stage: str, partition_id: str, reasons: dict[str, int]) -> None:
    """Quarantine counts by reason (the catalog's PHI-free view of the quarantine zone)."""
    con.execute("DELETE FROM quarantine_reasons WHERE stage = ? AND partition_id = ?", [stage, partition_id])
    if reasons:
        con.executemany("INSERT INTO quarantine_reasons VALUES (?, ?, ?, ?)",
                        [[stage, partition_id, r, int(n)] for r, n in sorted(reasons.items())])

"""`radforge warehouse reconcile`: every row is accounted for, counted from the files themselves.

Checks (each a named line with its counts; any mismatch fails):
- per ingested file: rows_in = rows_written + rows_quarantined (ledger), and the raw and ingest
  quarantine files hold exactly those numbers of rows;
- per de-identified partition: raw rows = de-identified rows + de-id quarantine rows, counted
  from the files (and the ledger agrees); no row id hash appears twice in the de-identified zone;
- pairs: the de-identified rows of the partitions the current pairs run read = its pairs + rejected.
Raw partitions not yet de-identified, and de-identified partitions committed after the pairs run
started (de-id tasks still running beside it under a real scheduler), are reported as pending, not
as a mismatch.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from radforge.catalog import reader, writer
from radforge.settings import Settings, get_settings
from warehouse.ledger import absolute, ensure_tables


@dataclass
class Check:
    name: str
    ok: bool
    expected: int
    actual: int
    detail: str = ""


@dataclass
class ReconcileReport:
    ok: bool
    checks: list[Check] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    pending_partitions: int = 0
    pairs_pending_partitions: int = 0

    @property
    def mismatches(self) -> list[str]:
        """Names of the failed checks (ids and counts only)."""
        return [f"{c.name} (expected {c.expected}, got {c.actual})" for c in self.checks if not c.ok]

    def to_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "mismatches": self.mismatches, "totals": self.totals,
                "pending_partitions": self.pending_partitions,
                "pairs_pending_partitions": self.pairs_pending_partitions, "checks": [asdict(c) for c in self.checks]}


def _count(con: duckdb.DuckDBPyConnection, files: list[str]) -> int:
    files = [str(f) for f in files if f and Path(f).exists()]  # a file deleted by hand counts 0 rows
    if not files:
        return 0
    return int(con.execute("SELECT count(*) FROM read_parquet(?, union_by_name = true)", [files]).fetchone()[0])


def _counts_by_file(con: duckdb.DuckDBPyConnection, pattern: str) -> dict[str, int]:
    try:
        rows = con.execute("SELECT filename, count(*) FROM read_parquet(?, filename = true, union_by_name = true) "
                           "GROUP BY filename", [pattern]).fetchall()
    except duckdb.IOException:  # no file matches the glob
        return {}
    return {f: int(n) for f, n in rows}


def reconcile(settings: Settings | None = None) -> ReconcileReport:
    settings = settings or get_settings()
    with writer(settings) as con:
        ensure_tables(con)
    checks: list[Check] = []
    work = duckdb.connect()  # file counting happens in a private in-memory database
    with reader(settings) as cat:
        files = cat.execute("SELECT content_hash, batch_id, rows_in, rows_written, rows_quarantined FROM ledger "
                            "WHERE status = 'done' ORDER BY batch_id").fetchall()
        chunks = cat.execute("SELECT content_hash, raw_path, quarantine_path FROM ledger_chunks").fetchall()
        parts = cat.execute("SELECT partition_id, raw_path, rows_in, rows_deid, rows_quarantined, deid_paths, "
                            "quarantine_path FROM partitions WHERE status = 'done' ORDER BY partition_id").fetchall()
        pending = cat.execute("SELECT count(*) FROM ledger_chunks c JOIN ledger l USING (content_hash) "
                              "WHERE l.status = 'done' AND c.raw_path IS NOT NULL").fetchone()[0] - len(parts)
    by_hash: dict[str, tuple[list[str], list[str]]] = {}
    chunks = [(h, absolute(settings, raw), absolute(settings, q)) for h, raw, q in chunks]
    for h, raw, q in chunks:
        by_hash.setdefault(h, ([], []))
        if raw:
            by_hash[h][0].append(raw)
        if q:
            by_hash[h][1].append(q)
    totals = {"files": len(files), "rows_in": 0, "raw_rows": 0, "ingest_quarantined": 0, "deid_rows": 0,
              "deid_quarantined": 0, "pairs": 0, "rejected": 0}
    for h, batch, rin, rw, rq in files:
        raw_files, q_files = by_hash.get(h, ([], []))
        raw_n, q_n = _count(work, raw_files), _count(work, q_files)
        totals["rows_in"] += rin
        totals["raw_rows"] += raw_n
        totals["ingest_quarantined"] += q_n
        ok = rin == raw_n + q_n and raw_n == rw and q_n == rq
        checks.append(Check(f"ingest {batch}: rows_in = raw + quarantined", ok, rin, raw_n + q_n,
                            f"raw={raw_n} (ledger {rw}) quarantined={q_n} (ledger {rq})"))

    on_disk = _counts_by_file(work, str(settings.zone("deid") / "exam_year=*" / "part-*.parquet"))
    claimed: set[str] = set()
    deid_by_partition: dict[str, int] = {}
    for pid, raw_path, rin, rd, rq, deid_paths, q_path in parts:
        raw_path, q_path = absolute(settings, raw_path), absolute(settings, q_path)
        deid_paths = [str(absolute(settings, p)) for p in deid_paths or []]
        raw_n = _count(work, [raw_path])
        deid_n = sum(on_disk.get(p, 0) for p in deid_paths or [])
        claimed.update(deid_paths or [])
        q_n = _count(work, [q_path]) if q_path else 0
        totals["deid_rows"] += deid_n
        deid_by_partition[pid] = deid_n
        totals["deid_quarantined"] += q_n
        ok = raw_n == deid_n + q_n and deid_n == rd and q_n == rq and rin == raw_n
        checks.append(Check(f"deid {pid}: raw = deid + quarantined", ok, raw_n, deid_n + q_n,
                            f"deid={deid_n} (ledger {rd}) quarantined={q_n} (ledger {rq})"))
    orphans = sorted(set(on_disk) - claimed)
    checks.append(Check("deid zone: no file without a ledger row", not orphans, 0, len(orphans),
                        "orphans: " + ", ".join(p.rsplit("/", 2)[-2] + "/" + p.rsplit("/", 1)[-1] for p in orphans[:5])
                        if orphans else ""))
    if claimed:
        dup = work.execute("SELECT count(*) - count(DISTINCT raw_row_id_hash) FROM read_parquet(?)",
                           [sorted(claimed)]).fetchone()[0]
        checks.append(Check("deid zone: each raw row at most once", dup == 0, 0, int(dup)))

    run_path = settings.zone("pairs") / "run.json"
    pairs_pending = 0
    if run_path.exists():
        run = json.loads(run_path.read_text())
        pairs_n = _count(work, [str(absolute(settings, run["pairs_path"]))])
        rejected_n = _count(work, [str(absolute(settings, run["rejected_path"]))])
        totals["pairs"], totals["rejected"] = pairs_n, rejected_n
        source = set(run["source_partitions"])
        gone = sorted(source - set(deid_by_partition))  # read by the run, no longer committed: a mismatch
        read_n = sum(deid_by_partition.get(p, 0) for p in source)
        pairs_pending = len(set(deid_by_partition) - source)
        checks.append(Check("pairs: deid (partitions the pairs run read) = pairs + rejected",
                            read_n == pairs_n + rejected_n and not gone, read_n, pairs_n + rejected_n,
                            f"pairs={pairs_n} rejected={rejected_n}"
                            + (f"; partitions no longer committed: {', '.join(gone[:5])}" if gone else "")
                            + (f"; {pairs_pending} partitions de-identified since: run `radforge pairs`"
                               if pairs_pending else "")))
    work.close()
    return ReconcileReport(all(c.ok for c in checks), checks, totals, int(pending), pairs_pending)

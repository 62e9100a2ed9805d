"""`radforge deid-zone`: raw partitions -> de-identified zone (Hive layout by exam year), resumably.

A raw partition is one committed ingest chunk (`raw/batch=<b>/part-<i>.parquet`, id `<b>-<i>`).
Only `deid.deidentify_raw_partition` reads it (the warehouse never touches raw text here). Its
results are split by exam year into `deid/exam_year=<Y>/part-<b>-<i>.parquet`; reports the engine
quarantined go to `quarantine/deid/batch=<b>/part-<i>.parquet` with the engine's reason code.
All files are written aside and renamed, then one `partitions` ledger row commits the partition:
a crash before that commit leaves files that the resumed run first deletes, then rewrites under
the same names, so a partition is never counted twice or half.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import polars as pl

from deid import DeidResult, deidentify_raw_partition
from radforge.catalog import reader, writer
from radforge.locks import exclusive, work_lock
from radforge.log import get_logger
from radforge.secret import keyed_hash
from radforge.settings import Settings, get_settings
from warehouse import atomic
from warehouse.faults import crash_point
from warehouse.ledger import absolute, ensure_tables, record_reasons, rel
from warehouse.schema import DEID_SCHEMA, QUARANTINE_SCHEMA

log = get_logger("warehouse.deid_zone")

# What de-identifies one raw partition: deid.deidentify_raw_partition(path, workers=..., settings=...) with the
# run's engine bound; rows come back in file order as (non-text metadata, result).
PartitionDeidentifier = Callable[..., Iterator[tuple[dict, DeidResult]]]


@dataclass
class PartitionResult:
    partition_id: str
    rows_in: int
    rows_deid: int
    rows_quarantined: int
    exam_years: list[int]
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class DeidZoneSummary:
    partitions: list[PartitionResult]
    pending_before: int

    def to_dict(self) -> dict[str, object]:
        return {"partitions_done": len(self.partitions), "pending_before": self.pending_before,
                "rows_in": sum(p.rows_in for p in self.partitions),
                "rows_deid": sum(p.rows_deid for p in self.partitions),
                "rows_quarantined": sum(p.rows_quarantined for p in self.partitions),
                "partitions": [asdict(p) for p in self.partitions]}


def pending_partitions(settings: Settings) -> list[str]:
    """Ids of the raw partitions waiting for de-identification (what the DAG maps over)."""
    return [pid for pid, _b, _p in _pending(settings)]


def _pending(settings: Settings) -> list[tuple[str, str, Path]]:
    """(partition_id, batch_id, raw_path) of committed raw chunks of finished files not yet de-identified."""
    with writer(settings) as con:
        ensure_tables(con)
    with reader(settings) as con:
        rows = con.execute("""
            SELECT l.batch_id, c.chunk, c.raw_path FROM ledger_chunks c JOIN ledger l USING (content_hash)
            WHERE l.status = 'done' AND c.raw_path IS NOT NULL
              AND l.batch_id || '-' || lpad(CAST(c.chunk AS VARCHAR), 5, '0') NOT IN
                  (SELECT partition_id FROM partitions WHERE status = 'done')
            ORDER BY l.batch_id, c.chunk""").fetchall()
    return [(f"{b}-{c:05d}", b, absolute(settings, p)) for b, c, p in rows]


def _load_deid(settings: Settings, workers: int) -> PartitionDeidentifier:
    """`deid.deidentify_raw_partition`, bound to one engine for the whole run (loaded once, not per partition).

    With several workers each worker process builds its own engine, so none is built here.
    """
    if workers > 1:
        return deidentify_raw_partition
    # Here, not at the top: deid.engine loads Presidio and spaCy (seconds), which listing the pending
    # partitions (the DAG's first task) or committing a partition never needs.
    from deid import Deidentifier

    return partial(deidentify_raw_partition, engine=Deidentifier(settings=settings))


def _meta(meta: object, key: str) -> object:
    return meta.get(key) if isinstance(meta, dict) else getattr(meta, key, None)


def deid_partition(settings: Settings, partition_id: str, batch_id: str, raw_path: Path, workers: int = 1,
                   deidentify: PartitionDeidentifier | None = None) -> PartitionResult:
    """De-identify one raw partition into the zone and commit it in the ledger."""
    deidentify = deidentify or _load_deid(settings, workers)
    secret = settings.secret()
    good: list[dict[str, object]] = []
    bad: list[dict[str, object]] = []
    rows_in = 0
    engine_version = ""
    for meta, res in deidentify(raw_path, workers=workers, settings=settings):
        rows_in += 1
        row_id = str(_meta(meta, "row_id") or res.report_id)
        engine_version = res.engine_version or engine_version
        reason = res.quarantined
        if reason is None and (res.text_deid is None or res.exam_year is None or res.report_key is None):
            reason = "incomplete_result"
        if reason is not None:
            bad.append({"row_id": row_id, "source_file": str(_meta(meta, "source_file") or raw_path),
                        "row_number": _meta(meta, "row_number"), "stage": "deid", "reason": str(reason)[:80],
                        "raw_record": json.dumps({"report_id": res.report_id, "engine_version": res.engine_version})})
            continue
        accession = _meta(meta, "accession")
        accession_key = keyed_hash(secret, "accession", str(accession)) if accession else res.report_key
        good.append({"patient_key": res.patient_key, "report_key": res.report_key, "accession_key": accession_key,
                     "version": int(_meta(meta, "version") or 1), "exam_year": int(res.exam_year),
                     "exam_datetime_shifted": res.exam_datetime_shifted, "modality": _meta(meta, "modality"),
                     "body_part": _meta(meta, "body_part"), "text_deid": res.text_deid,
                     "engine_version": res.engine_version, "raw_row_id_hash": keyed_hash(secret, "row", row_id)})
    deid_df = pl.DataFrame(good, schema=DEID_SCHEMA)
    q_df = pl.DataFrame(bad, schema=QUARANTINE_SCHEMA)
    return commit_partition(settings, partition_id, batch_id, raw_path, rows_in, deid_df, q_df, engine_version)


def _deid_once(settings: Settings, partition_id: str, batch_id: str, raw_path: Path, workers: int,
               deidentify: PartitionDeidentifier | None = None) -> PartitionResult | None:
    """De-identify a partition under its lock; None when another run (a DAG task beside a shell) did it meanwhile.

    Without the lock both runs de-identified it, and the slower one's stale-file sweep removed the other's
    committed files before writing them again (missing rows for a while, lost ones if it died there).
    """
    with exclusive(work_lock(settings.root, "deid", partition_id)):
        with reader(settings) as con:
            done = con.execute("SELECT 1 FROM partitions WHERE partition_id = ? AND status = 'done'",
                               [partition_id]).fetchone()
        if done:
            log.info("deid skip: partition=%s finished by another run", partition_id)
            return None
        return deid_partition(settings, partition_id, batch_id, raw_path, workers, deidentify)


def _zone_files(settings: Settings, partition_id: str) -> list[Path]:
    return sorted(settings.zone("deid").glob(f"exam_year=*/part-{partition_id}.parquet"))


def commit_partition(settings: Settings, partition_id: str, batch_id: str, raw_path: Path, rows_in: int,
                     deid_df: pl.DataFrame, q_df: pl.DataFrame, engine_version: str) -> PartitionResult:
    zone = settings.zone("deid")
    for stale in _zone_files(settings, partition_id):  # left by a run that crashed before its commit
        stale.unlink()
    paths: list[str] = []
    years = sorted(deid_df["exam_year"].unique().to_list()) if deid_df.height else []
    for year in years:
        folder = atomic.ensure_dir(zone / f"exam_year={year}")
        target = folder / f"part-{partition_id}.parquet"
        part = deid_df.filter(pl.col("exam_year") == year)  # column kept too: readers need no hive parsing
        with atomic.atomic_path(target) as tmp:
            part.write_parquet(tmp, compression="zstd")
            crash_point("deid:mid_write")
        paths.append(rel(settings, target))
    q_path = None
    if q_df.height:
        q_dir = atomic.ensure_dir(settings.zone("quarantine") / "deid" / f"batch={batch_id}", owner_only=True)
        q_path = q_dir / f"part-{partition_id.rsplit('-', 1)[1]}.parquet"
        atomic.write_parquet(q_df, q_path)
    crash_point("deid:after_write")
    reasons = dict(q_df.group_by("reason").len().iter_rows()) if q_df.height else {}
    with writer(settings) as con:
        con.execute("INSERT OR REPLACE INTO partitions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'done', ?)",
                    [partition_id, batch_id, rel(settings, raw_path), rows_in, deid_df.height, q_df.height, paths,
                     rel(settings, q_path), years, engine_version, datetime.now(UTC).replace(tzinfo=None)])
        record_reasons(con, "deid", partition_id, reasons)
        crash_point("deid:ledger_commit")
    log.info("deid partition=%s rows_in=%d deid=%d quarantined=%d", partition_id, rows_in, deid_df.height, q_df.height)
    return PartitionResult(partition_id, rows_in, deid_df.height, q_df.height, years, reasons)


def run_deid_zone(settings: Settings | None = None, workers: int | None = None, progress=None) -> DeidZoneSummary:  # noqa: ANN001
    """De-identify every pending raw partition (the function the `deid-zone` command and the DAG call)."""
    settings = settings or get_settings()
    workers = workers or settings.deid.workers
    pending = _pending(settings)
    deidentify = _load_deid(settings, workers) if pending else None
    atomic.remove_stale_tmp(settings.zone("deid"))
    done = []
    for partition_id, batch_id, raw_path in pending:
        result = _deid_once(settings, partition_id, batch_id, raw_path, workers, deidentify)
        if result is not None:
            done.append(result)
        if progress is not None:
            progress(partition_id)
    if done or not pending:  # also when nothing was pending: a run killed inside its view refresh is finished
        from warehouse.views import refresh_views

        refresh_views(settings)
    return DeidZoneSummary(done, len(pending))


def run_deid_partition(partition_id: str, settings: Settings | None = None, workers: int | None = None
                       ) -> dict[str, object]:
    """De-identify one partition by id (one Airflow mapped task); a partition already done is skipped."""
    settings = settings or get_settings()
    for pid, batch_id, raw_path in _pending(settings):
        if pid == partition_id:
            atomic.remove_stale_tmp(settings.zone("deid"))
            result = _deid_once(settings, pid, batch_id, raw_path, workers or settings.deid.workers)
            if result is not None:
                return {"skipped": False, **asdict(result)}
    return {"skipped": True, "partition_id": partition_id}

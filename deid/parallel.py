"""Many reports, many cores: one Deidentifier per worker process, results in input order.

Presidio's own `n_process` parallelises spaCy only; here each worker owns a whole engine
(recognizers + NER) built once by the pool initializer. Workers are forked when the platform
allows (fast start, shared pages), spawned otherwise. At most `workers * 4` chunks are in
flight, so a million-row partition streams in bounded memory.
"""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from deid.schema import DeidResult, RawReport
from radforge.procs import fork_is_safe

CHUNK = 32
RAW_META = ("row_id", "report_id", "accession", "version", "exam_datetime", "modality", "body_part", "facility",
            "source_file", "row_number")

_worker_engine = None


def _init_worker(settings, mode: str | None) -> None:
    global _worker_engine
    _one_blas_thread()
    if _worker_engine is not None and _worker_engine.mode == (mode or _worker_engine.section.mode):
        return  # forked from a parent that already loaded an engine: the pages are shared, nothing to load
    from deid.engine import Deidentifier

    _worker_engine = Deidentifier(settings=settings, mode=mode)


def _one_blas_thread() -> None:
    """One BLAS thread per worker: N workers x N BLAS threads on N cores only fight each other."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(1)


def _run_chunk(chunk: list[RawReport]) -> list[DeidResult]:
    return _worker_engine.deidentify_batch(chunk)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def deidentify_parallel(reports: Iterable[RawReport], workers: int = 1, settings=None, mode: str | None = None,
                        chunk_size: int | None = None, engine=None) -> Iterator[DeidResult]:
    """De-identify `reports` with `workers` processes; yields one DeidResult per report, in order."""
    from radforge.settings import get_settings

    settings = settings or get_settings()
    size = chunk_size or max(1, min(CHUNK, settings.deid.ner_batch_size))
    if workers > 1 and mp.current_process().daemon:
        workers = 1  # a daemonic process (some task runners) may not have children: run in-process instead
    if workers <= 1:
        if engine is None:
            from deid.engine import Deidentifier

            engine = Deidentifier(settings=settings, mode=mode)
        for chunk in _chunks(reports, size):
            yield from engine.deidentify_batch(chunk)
        return
    global _worker_engine
    method = "fork" if fork_is_safe() else "spawn"
    ctx = mp.get_context(method)
    inherited = _worker_engine
    if method == "fork" and engine is not None:
        _worker_engine = engine
    try:
        pool = ctx.Pool(workers, initializer=_init_worker, initargs=(settings, mode))
    finally:
        _worker_engine = inherited
    with pool:
        pending: deque = deque()
        for chunk in _chunks(reports, size):
            pending.append(pool.apply_async(_run_chunk, (chunk,)))
            while len(pending) >= workers * 4:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()


def _raw_files(path: Path) -> list[Path]:
    path = Path(path)
    if path.is_file():
        return [path]
    return sorted(path.rglob("*.parquet"))


def iter_raw_reports(path: Path, batch_rows: int = 1024) -> Iterator[tuple[dict, RawReport]]:
    """Rows of a raw partition in a deterministic order (file name, then row order)."""
    import pyarrow.parquet as pq

    for file in _raw_files(path):
        pf = pq.ParquetFile(file)
        for batch in pf.iter_batches(batch_size=batch_rows):
            for row in batch.to_pylist():
                meta = {k: row.get(k) for k in RAW_META}
                report = RawReport(report_id=str(row.get("report_id") or row.get("row_id")), text=row.get("text") or "",
                                   mrn=row.get("mrn"), accession=row.get("accession"),
                                   exam_datetime=row.get("exam_datetime"), patient_name=row.get("patient_name"),
                                   dob=row.get("dob"), version=row.get("version"))
                yield meta, report


def deidentify_raw_partition(path: Path, workers: int = 1, settings=None, mode: str | None = None,
                             engine=None) -> Iterator[tuple[dict, DeidResult]]:
    """The ONLY reader of the raw (PHI) zone: yields (non-text metadata, DeidResult) per row, in file order.

    Quarantined rows keep their raw text in the quarantine zone (owner-only), one file per
    partition rewritten whole at the end, so a re-run leaves no duplicates.
    """
    from radforge.settings import get_settings

    settings = settings or get_settings()
    metas: deque = deque()

    def reports() -> Iterator[RawReport]:
        for meta, report in iter_raw_reports(path):
            metas.append((meta, report))
            yield report

    quarantined = []
    for result in deidentify_parallel(reports(), workers=workers, settings=settings, mode=mode, engine=engine):
        meta, report = metas.popleft()
        if result.quarantined and settings.deid.quarantine_raw:
            quarantined.append({"row_id": meta.get("row_id"), "report_key": result.report_key,
                                "reason": result.quarantined, "text": report.text})
        yield meta, result
    from deid.quarantine import write_quarantine

    write_quarantine(settings, Path(path), quarantined)

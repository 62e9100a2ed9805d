"""Many reports, many cores: one Deidentifier per worker process, results in input order.

Presidio's own `n_process` parallelises spaCy only; here each worker owns a whole engine
(recognizers + NER) built once by the pool initializer. Workers are forked when the platform
allows (fast start, shared pages), spawned otherwise. At most `workers * 4` chunks are in
flight, so a million-row partition streams in bounded memory.

Workers fail loudly. `multiprocessing.Pool` replaces a worker that dies, so a worker that cannot
start (no site secret) or is killed was respawned and failed again forever, and the run hung. A
`ProcessPoolExecutor` replaces nobody: a dead worker breaks the pool and every waiting chunk fails
at once (`WorkerFailed`). A worker whose start fails stays up and answers each chunk with that
error, so the parent raises the very error one in-process engine would have (same one-line message).

The parent is the audit trail's one writer: workers return each chunk's audit records with its results and
the parent appends them in input order, so the trail reads the same as a one-worker run's and no worker
waits on another's lock and fsync.
"""

from __future__ import annotations

import multiprocessing as mp
import pickle
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from deid.schema import DeidResult, RawReport
from radforge.errors import RadforgeError, WorkerFailed
from radforge.faults import crash_point
from radforge.procs import fork_is_safe

if TYPE_CHECKING:
    from deid.engine import Deidentifier
    from radforge.audit import AuditTrail
    from radforge.settings import Settings

CHUNK = 32
RAW_META = ("row_id", "report_id", "accession", "version", "exam_datetime", "modality", "body_part", "facility",
            "source_file", "row_number")
WORKER_DIED = ("a de-id worker process died mid-run (killed by a signal or the out-of-memory killer); "
               "the run stopped unfinished: run it again")

_worker_engine = None
_start_error: Exception | None = None


def _init_worker(settings: Settings, mode: str | None, engine: Deidentifier | None = None) -> None:
    """Build this worker's engine; on failure keep the error for `_run_chunk` instead of raising it.

    A raising initializer only kills the worker: the parent would learn "terminated abruptly", not why.
    `engine` is the parent's loaded engine, passed only to forked workers (inherited pages, nothing pickled).
    A forked worker inherits the parent's egress guard and logging; a spawned one is a new process with
    neither, so it starts itself as every radforge process does (the parent already ran the preflight).
    """
    global _worker_engine, _start_error
    try:
        from radforge import egress

        if egress.active_policy() is None:
            from radforge.process import start

            start(preflight=False, settings=settings)
    except Exception as exc:  # noqa: BLE001 - reported to the parent like an engine's start failure
        _start_error = _portable(exc)
        return
    _one_blas_thread()
    try:
        if engine is not None and engine.mode == (mode or engine.section.mode):
            _worker_engine = engine  # forked from a parent that already loaded an engine: nothing to load
            return
        from deid.engine import Deidentifier

        _worker_engine = Deidentifier(settings=settings, mode=mode)
    except Exception as exc:  # noqa: BLE001 - any start failure is reported to the parent, see _portable
        _start_error = _portable(exc)


def _portable(exc: Exception) -> Exception:
    """The start error as the parent will raise it: the same `RadforgeError` when it survives pickling
    (the message an in-process engine gives), else a `WorkerFailed` with its type and first line.

    The initializer never sees a report, so its messages carry paths and settings, not PHI.
    """
    if isinstance(exc, RadforgeError):
        try:
            copy = pickle.loads(pickle.dumps(exc))
        except Exception:  # noqa: BLE001 - an error class with a custom __init__: fall back to WorkerFailed
            copy = None
        if type(copy) is type(exc) and str(copy) == str(exc):
            return exc
    first_line = (str(exc).splitlines() or [""])[0][:300]
    return WorkerFailed(f"a de-id worker could not start: {type(exc).__name__}: {first_line}")


def _one_blas_thread() -> None:
    """One BLAS thread per worker: N workers x N BLAS threads on N cores only fight each other."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(1)


def _run_chunk(chunk: list[RawReport]) -> tuple[list[DeidResult], list[dict]]:
    """One chunk's results and audit records; the parent writes the records (one writer, input order)."""
    if _start_error is not None:
        raise _start_error.with_traceback(None)
    crash_point("deid:worker_chunk")
    return _worker_engine.deidentify_unaudited(chunk)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def deidentify_parallel(reports: Iterable[RawReport], workers: int = 1, settings: Settings | None = None,
                        mode: str | None = None, chunk_size: int | None = None,
                        engine: Deidentifier | None = None) -> Iterator[DeidResult]:
    """De-identify `reports` with `workers` processes; yields one DeidResult per report, in order.

    Raises the workers' start error (e.g. `SecretError`) or `WorkerFailed` when a worker dies; never hangs on one.
    """
    from radforge.settings import get_settings

    settings = settings or get_settings()
    if engine is None:
        settings.secret()  # no site secret: its one-line error now, not after Presidio and spaCy load (seconds)
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
    method = "fork" if fork_is_safe() else "spawn"
    if method == "fork":
        import deid.engine  # noqa: F401 - Presidio + spaCy imported once (5 s) and inherited, not once per worker
    inherited = engine if method == "fork" else None  # a spawned worker would unpickle a whole engine: it loads one
    trail = _parent_trail(settings, engine)
    pool = ProcessPoolExecutor(workers, mp_context=mp.get_context(method), initializer=_init_worker,
                               initargs=(settings, mode, inherited))

    def finished(future) -> list[DeidResult]:  # noqa: ANN001 - a concurrent.futures.Future
        results, records = future.result()
        if trail is not None:
            trail.append_many(records)  # the workers go on meanwhile: the fsync costs them nothing
        return results

    try:
        pending: deque = deque()
        for chunk in _chunks(reports, size):
            pending.append(pool.submit(_run_chunk, chunk))
            while len(pending) >= workers * 4:
                yield from finished(pending.popleft())
        while pending:
            yield from finished(pending.popleft())
    except BrokenProcessPool:
        raise WorkerFailed(WORKER_DIED) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _parent_trail(settings: Settings, engine: Deidentifier | None) -> AuditTrail | None:
    """The audit trail the parent appends the workers' records to: the parent engine's, else the site's own
    when the site audits de-id (the same choice a worker's `Deidentifier` makes)."""
    if engine is not None:
        return engine.trail
    if not settings.deid.audit:
        return None
    from radforge.audit import AuditTrail

    return AuditTrail.for_settings(settings)


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


def deidentify_raw_partition(path: Path, workers: int = 1, settings: Settings | None = None, mode: str | None = None,
                             engine: Deidentifier | None = None) -> Iterator[tuple[dict, DeidResult]]:
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

"""`radforge ingest`: hospital exports -> raw zone (PHI, owner-only) + quarantine, with a ledger.

Each file is identified by the sha256 of its bytes. Its rows are read in a stream and cut into
fixed chunks of `chunk_rows`; chunk i becomes `raw/batch=<hash12>/part-<i>.parquet` (valid rows)
and `quarantine/ingest/batch=<hash12>/part-<i>.parquet` (invalid rows with their reason), both
written atomically, then one `ledger_chunks` row commits the chunk. Re-ingesting a finished file
is a no-op; a crashed ingest resumes at the first uncommitted chunk and rewrites it under the same
names, so no row is duplicated or lost. Every input row ends in exactly one of the two zones.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from radforge.catalog import writer
from radforge.hashing import file_sha256
from radforge.locks import exclusive, work_lock
from radforge.log import get_logger
from radforge.settings import Settings, WarehouseSection, get_settings
from warehouse import atomic
from warehouse.archives import ArchiveRefused, check_archive
from warehouse.errors import IngestError
from warehouse.faults import crash_point
from warehouse.ledger import ensure_tables, record_reasons, rel
from warehouse.readers import DEFAULT_MAX_RECORD_CHARS, FORMATS, SourceRow, detect_format, is_export_name, read_rows
from warehouse.schema import QUARANTINE_SCHEMA, RAW_SCHEMA, resolve_mapping

log = get_logger("warehouse.ingest")

_DT_FORMATS = ("%Y%m%d%H%M%S", "%Y%m%d%H%M", "%Y%m%d", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
               "%d.%m.%Y %H:%M", "%d.%m.%Y")
_MIN_YEAR = 1900


def file_key(settings: Settings, path: Path | str) -> str:
    """What the catalog records for an export file: a keyed hash of its path, never the path itself.

    Hospitals name exports after whatever their RIS job knows, and some jobs name them after the
    patient or the accession ("Doe_John_12345678.hl7"). The catalog is readable by `radforge sql`
    users who must see no PHI, so it holds this key; the path stays in the owner-only raw zone
    (column `source_file`) and on the operator's terminal.
    """
    return _keyed_path(settings.secret(), path)


def _keyed_path(secret: bytes, path: Path | str) -> str:
    """file_key() with the secret already read (a landing folder lists many files: one secret read)."""
    from radforge.secret import keyed_hash

    return "file:" + keyed_hash(secret, "source-file", str(path))[:24]


@dataclass
class FileResult:
    source_file: str  # the path as given (in-process and on the operator's terminal only)
    content_hash: str
    batch_id: str
    format: str
    status: str  # 'ingested' | 'resumed' | 'skipped' (already ingested: no-op) | 'refused' (reason in reasons)
    rows_in: int = 0
    rows_written: int = 0
    rows_quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    file_key: str = ""  # what the catalog records (file_key()): no file name in the catalog or Airflow's database


@dataclass(frozen=True)
class IngestBatch:
    """One export file's batch: what every step of its ingest shares, fixed once the ledger has been read.

    The chunk loop used to take these as eleven loose arguments (two of them the same value under two names),
    easy to pass out of order; one frozen object also means no step can rename a batch half-way through a file.
    """

    settings: Settings
    content_hash: str  # sha256 of the file's bytes: the ledger's key
    source: str  # file_key(): what the catalog and the rows record instead of the file's path
    done_chunks: frozenset[int]  # chunks an interrupted run committed: skipped, the file resumes after them
    raw_dir: Path  # raw/batch=<batch_id>
    q_dir: Path  # quarantine/ingest/batch=<batch_id>

    @property
    def batch_id(self) -> str:
        """The content hash's first 12 hex digits: names the batch folders, partitions and row ids."""
        return self.content_hash[:12]

    @property
    def cfg(self) -> WarehouseSection:
        return self.settings.warehouse


@dataclass
class IngestSummary:
    files: list[FileResult]

    @property
    def rows_in(self) -> int:
        return sum(f.rows_in for f in self.files)

    @property
    def rows_written(self) -> int:
        return sum(f.rows_written for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    @property
    def refused(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "refused"]

    def to_dict(self, paths: bool = True) -> dict[str, object]:
        """JSON-ready summary; `paths=False` drops the file paths (for Airflow's database: file names may be PHI)."""
        files = [asdict(f) for f in self.files]
        if not paths:
            for f in files:
                f["source_file"] = f["file_key"]
        return {"files": files, "rows_in": self.rows_in,
                "rows_written": self.rows_written, "rows_quarantined": self.rows_quarantined,
                "files_refused": len(self.refused)}


# --- validation --------------------------------------------------------------------------------

def parse_datetime(value: object) -> datetime | None:
    """Exam date/time from the spellings exports use; None when it is not a plausible date."""
    if value is None:
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    else:
        s = str(value).strip()
        if not s:
            return None
        dt = None
        try:
            dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError:
            digits = s.split(".")[0].split("+")[0] if s[:8].isdigit() else s
            for fmt in _DT_FORMATS:
                try:
                    dt = datetime.strptime(digits, fmt)
                    break
                except ValueError:
                    continue
        if dt is None:
            return None
    if dt.tzinfo is not None:
        try:
            dt = dt.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # year 1 or 9999 shifted past the calendar by its offset
            return None
    if dt.year < _MIN_YEAR or dt.year > datetime.now().year + 1:
        return None
    return dt


def parse_dob(value: object) -> tuple[str | None, bool]:
    """(YYYY-MM-DD or None, ok). A missing DOB is fine; a present but unreadable one is not."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, True
    dt = parse_datetime(value)
    return (dt.date().isoformat(), True) if dt is not None else (None, False)


def _s(value: object) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


_NEWLINES = re.compile(r"\r\n?")


def validate(mapped: dict[str, object], max_text_chars: int) -> tuple[dict[str, object] | None, str | None]:
    """A raw-zone row, or the first reason it cannot be one (see schema.INGEST_REASONS)."""
    accession, mrn = _s(mapped.get("accession")), _s(mapped.get("mrn"))
    if not accession or not mrn:
        return None, "missing_id"
    text = mapped.get("text")
    text = _NEWLINES.sub("\n", str(text)) if text is not None else ""
    if not text.strip():
        return None, "missing_text"
    if len(text) > max_text_chars:
        return None, "oversize"
    exam = parse_datetime(mapped.get("exam_datetime"))
    if exam is None:
        return None, "bad_date"
    dob, dob_ok = parse_dob(mapped.get("dob"))
    if not dob_ok:
        return None, "bad_dob"
    raw_version = mapped.get("version")
    try:  # "2", 2, 2.0 and "2.0" are version 2; "2.5" and "two" are not versions
        version_text = _s(raw_version) or "1"  # no version (column absent or empty) is version 1
        version = int(float(version_text))
        if float(version_text) != version:
            return None, "bad_version"
    except (ValueError, OverflowError):
        return None, "bad_version"
    if version < 1 or version > 10_000:
        return None, "bad_version"
    return {"report_id": _s(mapped.get("report_id")), "accession": accession, "mrn": mrn,
            "patient_name": _s(mapped.get("patient_name")), "dob": dob, "exam_datetime": exam,
            "modality": (_s(mapped.get("modality")) or "").upper() or None, "body_part": _s(mapped.get("body_part")),
            "facility": _s(mapped.get("facility")), "version": version, "text": text}, None


# --- the ingest loop -----------------------------------------------------------------------------

def _chunks(rows: Iterator[SourceRow], size: int) -> Iterator[list[SourceRow]]:
    buf: list[SourceRow] = []
    for row in rows:
        buf.append(row)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


def _split_chunk(chunk: list[SourceRow], hash12: str, source: str, site_mapping: dict[str, str],
                 max_text_chars: int, mapping_cache: dict[tuple[str, ...], dict[str, str]]
                 ) -> tuple[pl.DataFrame, pl.DataFrame]:
    good: list[dict[str, object]] = []
    bad: list[dict[str, object]] = []
    for row in chunk:
        row_id = f"{hash12}:{row.row_number}"
        reason = row.problem
        clean = None
        if reason is None:
            cols = tuple(row.record.keys())
            mapping = mapping_cache.get(cols)
            if mapping is None:
                if len(mapping_cache) >= 256:  # rows with ever-new key sets must not grow the cache without end
                    mapping_cache.clear()
                mapping = mapping_cache[cols] = resolve_mapping(list(cols), site_mapping)
            mapped = {f: row.record.get(c) for c, f in mapping.items()}
            clean, reason = validate(mapped, max_text_chars)
        if clean is not None:
            clean.update(row_id=row_id, source_file=source, row_number=row.row_number)
            clean["report_id"] = clean["report_id"] or row_id
            good.append(clean)
        else:
            bad.append({"row_id": row_id, "source_file": source, "row_number": row.row_number, "stage": "ingest",
                        "reason": reason, "raw_record": json.dumps(row.record if row.source is None else
                                                                   {"_message": row.source}, default=str,
                                                                   ensure_ascii=True)})
    raw = pl.DataFrame(good, schema=RAW_SCHEMA)
    quarantine = pl.DataFrame(bad, schema=QUARANTINE_SCHEMA)
    return raw.select(list(RAW_SCHEMA)), quarantine


def ingest_file(path: Path, settings: Settings | None = None, root: Path | None = None) -> FileResult:
    """Ingest one export file (idempotent, resumable). Raises IngestError for an unknown format.

    A file that cannot be taken whole is refused, with the reason in `ingest_refusals` and nothing
    in the zones: a symlink out of the folder walked (`root`) or the landing folder, something that is
    not a regular file, a file that changed while it was read, an unreadable Parquet file.
    """
    settings = settings or get_settings()
    cfg = settings.warehouse
    fmt = detect_format(Path(path))
    if _escapes(Path(path), root, settings):
        return _refuse(settings, Path(path), "symlink_escape")
    path = Path(path).resolve()
    try:  # O_NONBLOCK: a FIFO must not hang the open; it is refused just below
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError as exc:
        return _refuse(settings, path, "unreadable", f"{type(exc).__name__}")
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return _refuse(settings, path, "not_a_regular_file")
        os.set_blocking(fd, True)
        try:
            return _ingest_open_file(fh, path, fmt, settings, cfg)
        except _Refused as exc:
            return _refuse(settings, path, exc.reason, exc.detail)


class _Refused(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason, self.detail = reason, detail


class _HashingReader(io.RawIOBase):
    """The bytes the readers consume, hashed on the way: proves they are the bytes the ledger names."""

    def __init__(self, fh: io.BufferedReader) -> None:
        self.fh, self.sha = fh, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        n = self.fh.readinto(b)
        if n:
            self.sha.update(memoryview(b)[:n])
        return n


def _ingest_open_file(fh: io.BufferedReader, path: Path, fmt: str, settings: Settings,
                      cfg: WarehouseSection) -> FileResult:
    st0 = os.fstat(fh.fileno())
    content_hash = file_sha256(fh)
    if fmt == "zip" or fmt.endswith("+gzip"):  # checked whole before anything of it is written
        fh.seek(0)
        try:
            check_archive(fh, fmt, st0.st_size, path.name, FORMATS)
        except ArchiveRefused as exc:
            raise _Refused(exc.reason) from None
    # the same file ingested twice at once: the second waits, then finds it done. Without the lock both wrote the
    # same chunks, and one's stale-temp sweep or `_forget` could remove the other's files mid-write.
    with exclusive(work_lock(settings.root, "ingest", content_hash)):
        return _ingest_batch(fh, path, fmt, settings, cfg, st0, content_hash)


def _ingest_batch(fh: io.BufferedReader, path: Path, fmt: str, settings: Settings, cfg: WarehouseSection,
                  st0: os.stat_result, content_hash: str) -> FileResult:
    """Write the file's chunks not committed yet, then mark it done (the caller holds the file's lock)."""
    batch_id = content_hash[:12]
    source = file_key(settings, path)
    now = datetime.now(UTC).replace(tzinfo=None)
    with writer(settings) as con:
        ensure_tables(con)
        row = con.execute("SELECT status, chunks FROM ledger WHERE content_hash = ?", [content_hash]).fetchone()
        if row is None:
            con.execute("INSERT INTO ledger VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0, 'started', ?, NULL)",
                        [content_hash, batch_id, source, fmt, st0.st_size, now])
        done_chunks = {c for (c,) in con.execute("SELECT chunk FROM ledger_chunks WHERE content_hash = ?",
                                                   [content_hash]).fetchall()}
    if row is not None and row[0] == "done":
        log.info("ingest skip: batch=%s already ingested", batch_id)
        return _result_from_ledger(settings, content_hash, "skipped", path)

    batch = IngestBatch(settings, content_hash, source, frozenset(done_chunks),
                        raw_dir=settings.zone("raw") / f"batch={batch_id}",
                        q_dir=settings.zone("quarantine") / "ingest" / f"batch={batch_id}")
    for folder in (batch.raw_dir, batch.q_dir):
        atomic.ensure_dir(folder, owner_only=True)
        atomic.remove_stale_tmp(folder)
    fh.seek(0)
    hashing = _HashingReader(fh)
    stream = fh if fmt in _RANDOM_ACCESS else io.BufferedReader(hashing, 1 << 20)
    limit = max(DEFAULT_MAX_RECORD_CHARS, 4 * cfg.max_text_chars)  # a whole valid row always fits
    rows = read_rows(stream, fmt, limit)
    try:
        n_chunks = _write_chunks(rows, batch)
    except IngestError as exc:  # e.g. a damaged Parquet file: nothing of it stays behind
        _forget(batch)
        raise _Refused("unreadable", str(exc).split(":", 1)[-1].strip()) from None
    if _changed_while_read(fh, fmt, st0, content_hash, stream, hashing):
        _forget(batch)
        raise _Refused("changed_while_reading")
    return _finish(batch, fmt, n_chunks, path)


def _write_chunks(rows: Iterator[SourceRow], batch: IngestBatch) -> int:
    """Write and commit every chunk not committed yet; returns the number of chunks in the file."""
    cfg, settings, content_hash, batch_id = batch.cfg, batch.settings, batch.content_hash, batch.batch_id
    mapping_cache: dict[tuple[str, ...], dict[str, str]] = {}
    n_chunks = 0
    for idx, chunk in enumerate(_chunks(rows, cfg.chunk_rows)):
        n_chunks = idx + 1
        if idx in batch.done_chunks:
            continue
        raw_df, q_df = _split_chunk(chunk, batch_id, batch.source, cfg.column_mapping, cfg.max_text_chars,
                                    mapping_cache)
        raw_path = batch.raw_dir / f"part-{idx:05d}.parquet"
        q_path = batch.q_dir / f"part-{idx:05d}.parquet"
        if q_df.height:
            atomic.write_parquet(q_df, q_path)
        if raw_df.height:
            _write_raw(raw_df, raw_path)
        crash_point("ingest:after_write")
        with writer(settings) as con:
            con.execute("INSERT OR REPLACE INTO ledger_chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [content_hash, idx, len(chunk), raw_df.height, q_df.height,
                         rel(settings, raw_path) if raw_df.height else None,
                         rel(settings, q_path) if q_df.height else None,
                         datetime.now(UTC).replace(tzinfo=None)])
            reasons = dict(q_df.group_by("reason").len().iter_rows()) if q_df.height else {}
            record_reasons(con, "ingest", f"{batch_id}-{idx:05d}", reasons)
            crash_point("ingest:ledger_commit")
    return n_chunks


def _changed_while_read(fh: io.BufferedReader, fmt: str, st0: os.stat_result, content_hash: str,
                        stream: io.BufferedReader, hashing: _HashingReader) -> bool:
    """True when the bytes read are not the bytes hashed first (the file was rewritten or grew meanwhile)."""
    if fmt in _RANDOM_ACCESS:  # read at random offsets: compare the descriptor's state and hash it again
        st1 = os.fstat(fh.fileno())
        if (st1.st_size, st1.st_mtime_ns) != (st0.st_size, st0.st_mtime_ns):
            return True
        fh.seek(0)
        return file_sha256(fh) != content_hash
    while stream.read(1 << 20):  # whatever the reader left unread still belongs to the file
        pass
    return hashing.sha.hexdigest() != content_hash


_RANDOM_ACCESS = ("parquet", "zip")


def _escapes(path: Path, root: Path | None, settings: Settings) -> bool:
    """A symlink whose target lies outside the folder walked (or, named directly, its own folder and landing)."""
    if root is not None:
        bases = [Path(os.path.realpath(root))]
    elif path.is_symlink():
        bases = [Path(os.path.realpath(path.parent)), Path(os.path.realpath(settings.landing_path))]
    else:
        return False
    real = Path(os.path.realpath(path))
    return not any(real.is_relative_to(b) for b in bases)


def _forget(batch: IngestBatch) -> None:
    """Undo a file's ingest: ledger rows first (nothing trusts a file without them), then its files."""
    import shutil

    content_hash = batch.content_hash
    with writer(batch.settings) as con:
        row = con.execute("SELECT batch_id FROM ledger WHERE content_hash = ?", [content_hash]).fetchone()
        con.execute("DELETE FROM ledger_chunks WHERE content_hash = ?", [content_hash])
        con.execute("DELETE FROM ledger WHERE content_hash = ?", [content_hash])
        if row:
            con.execute("DELETE FROM quarantine_reasons WHERE stage = 'ingest' AND partition_id LIKE ?",
                        [f"{row[0]}-%"])
    for folder in (batch.raw_dir, batch.q_dir):
        shutil.rmtree(folder, ignore_errors=True)


def _refuse(settings: Settings, path: Path, reason: str, detail: str = "") -> FileResult:
    """Record a whole-file refusal (path, size, reason: no content) and return it as the file's result."""
    try:
        size = os.lstat(path).st_size
    except OSError:
        size = None
    key = file_key(settings, path)
    with writer(settings) as con:
        ensure_tables(con)
        con.execute("INSERT OR REPLACE INTO ingest_refusals VALUES (?, ?, ?, ?, ?)",
                    [key, size, reason, detail[:200], datetime.now(UTC).replace(tzinfo=None)])
    log.warning("ingest refused: file=%s reason=%s %s", key, reason, detail[:200])
    return FileResult(source_file=str(path), content_hash="", batch_id="", format=path.suffix.lstrip("."),
                      status="refused", reasons={reason: 1}, file_key=key)


def _finish(batch: IngestBatch, fmt: str, n_chunks: int, path: Path) -> FileResult:
    settings, content_hash, batch_id = batch.settings, batch.content_hash, batch.batch_id
    with writer(settings) as con:
        con.execute("""
            UPDATE ledger SET status = 'done', chunks = ?, finished_at = ?,
              rows_in = (SELECT coalesce(sum(rows_in), 0) FROM ledger_chunks WHERE content_hash = ?),
              rows_written = (SELECT coalesce(sum(rows_written), 0) FROM ledger_chunks WHERE content_hash = ?),
              rows_quarantined = (SELECT coalesce(sum(rows_quarantined), 0) FROM ledger_chunks WHERE content_hash = ?)
            WHERE content_hash = ?""",
                    [n_chunks, datetime.now(UTC).replace(tzinfo=None), content_hash, content_hash, content_hash,
                     content_hash])
        crash_point("ingest:file_commit")
    result = _result_from_ledger(settings, content_hash, "resumed" if batch.done_chunks else "ingested", path)
    log.info("ingest batch=%s format=%s rows_in=%d written=%d quarantined=%d", batch_id, fmt, result.rows_in,
             result.rows_written, result.rows_quarantined)
    return result


def _write_raw(df: pl.DataFrame, target: Path) -> None:
    with atomic.atomic_path(target) as tmp:
        df.write_parquet(tmp, compression="zstd")
        crash_point("ingest:mid_write")


def _result_from_ledger(settings: Settings, content_hash: str, status: str, path: Path) -> FileResult:
    from radforge.catalog import reader

    with reader(settings) as con:
        src, batch, fmt, rin, rw, rq = con.execute(
            "SELECT source_file, batch_id, format, rows_in, rows_written, rows_quarantined FROM ledger "
            "WHERE content_hash = ?", [content_hash]).fetchone()
        reasons = dict(con.execute("SELECT reason, sum(n)::BIGINT FROM quarantine_reasons WHERE stage = 'ingest' "
                                   "AND partition_id LIKE ? GROUP BY reason ORDER BY reason",
                                   [f"{batch}-%"]).fetchall())
    return FileResult(source_file=str(path), content_hash=content_hash, batch_id=batch, format=fmt, status=status,
                      rows_in=rin, rows_written=rw, rows_quarantined=rq, reasons=reasons, file_key=src)


# Annotation sidecars that synth writes next to its reports (PHI spans, section offsets): not reports.
NOT_REPORTS = frozenset({"gold.jsonl", "sections.jsonl"})


def landing_files(settings: Settings | None = None, landing_dir: str | Path | None = None) -> list[str]:
    """Export files in the landing folder that the ledger has not finished (same path and size).

    Cheap pre-filter for the ingest DAG; ingest itself stays idempotent by content hash.
    """
    return [path for _, path in _landing_entries(settings or get_settings(), landing_dir)]


def landing_file_keys(settings: Settings | None = None, landing_dir: str | Path | None = None) -> list[str]:
    """`landing_files()` named by `file_key()`: what the ingest DAG passes between its tasks, so that
    no export file name (possibly PHI) lands in Airflow's database."""
    return [key for key, _ in _landing_entries(settings or get_settings(), landing_dir)]


def landing_path(key: str, settings: Settings | None = None, landing_dir: str | Path | None = None) -> Path | None:
    """The landing file a `landing_file_keys()` key names; None when it is gone or already ingested."""
    return next((Path(p) for k, p in _landing_entries(settings or get_settings(), landing_dir) if k == key), None)


def _landing_entries(settings: Settings, landing_dir: str | Path | None) -> list[tuple[str, str]]:
    """(file key, path) of every landing file not finished yet; the site secret is read once per listing."""
    from radforge.catalog import reader

    folder = Path(landing_dir) if landing_dir else settings.landing_path
    candidates = expand_paths([folder]) if folder.exists() else []
    with writer(settings) as con:
        ensure_tables(con)
    with reader(settings) as con:
        done = set(con.execute("SELECT source_file, size_bytes FROM ledger WHERE status = 'done'").fetchall())
    secret = settings.secret()
    entries = []
    for p in candidates:
        real_key = _keyed_path(secret, p.resolve())
        if (real_key, p.stat().st_size) in done:
            continue
        if p.is_symlink():  # a link stays a link: ingest checks where it points
            entries.append((_keyed_path(secret, p.absolute()), str(p.absolute())))
        else:  # everything else is named by its real path
            entries.append((real_key, str(p.resolve())))
    return entries


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files named directly, plus the known export files inside named folders (sorted, recursive)."""
    return [p for p, _root in _walk(paths)]


def _walk(paths: Iterable[Path | str]) -> list[tuple[Path, Path | None]]:
    """(file, the folder it was found in, or None when named directly)."""
    out: list[tuple[Path, Path | None]] = []
    for p in map(Path, paths):
        if p.is_dir():  # rglob does not descend into symlinked folders; symlinked files are checked at ingest
            out.extend((q, p) for q in sorted(q for q in p.rglob("*") if q.is_file() and is_export_name(q.name)
                                              and q.name not in NOT_REPORTS))
        else:
            out.append((p, None))
    return out


def ingest_paths(paths: Iterable[Path | str], settings: Settings | None = None) -> IngestSummary:
    """Ingest every file (folders are walked). The function the `ingest` command and the DAG call.

    An unknown format named directly is an error before anything is ingested; a file refused for its
    content (see `ingest_file`) is recorded and the other files go on.
    """
    settings = settings or get_settings()
    found = _walk(paths)
    for p, _root in found:
        detect_format(p)
    return IngestSummary([ingest_file(p, settings, root) for p, root in found])

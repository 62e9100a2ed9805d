"""Streaming readers for hospital exports: CSV, JSONL, Parquet and HL7 v2 ORU.

Each reader yields `SourceRow`s one at a time (memory stays flat whatever the file size) with
the export's own field names, or a reason when the row cannot even be read (undecodable bytes,
malformed line, a record longer than `max_record_chars`). Bytes that are not UTF-8 are kept as
surrogate escapes so the row can be quarantined with its reason instead of aborting the file.

Hostile exports shaped these readers (see `bench/fuzz.py`): a UTF-16/UTF-32 byte-order mark selects
that encoding; `\\r`, `\\n` and `\\r\\n` all end a line in every text format; no line, CSV record or
HL7 message is held in memory past `max_record_chars` (the rest is skipped and the row quarantined
as `oversize` with a prefix); a CSV quote that is never closed costs one malformed row, not every
row after it (the reader re-reads the following lines as records).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from warehouse.errors import IngestError

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".parquet": "parquet",
           ".pq": "parquet", ".hl7": "hl7"}
# Any surrogate: U+DC80..U+DCFF are undecodable bytes (surrogateescape); the rest come from JSON escapes
# such as "\ud800" that no UTF-8 writer (Parquet, Arrow) can store.
_SURROGATE = re.compile("[\ud800-\udfff]")
DEFAULT_MAX_RECORD_CHARS = 1 << 20
_PREFIX_CHARS = 4096  # how much of an oversize record the quarantine keeps for review
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


@dataclass(slots=True)
class SourceRow:
    row_number: int  # 1-based record number in the file (CSV record, JSONL line, Parquet row, HL7 message)
    record: dict[str, object]
    problem: str | None = None  # 'undecodable' | 'malformed' | 'oversize' | None
    source: str | None = None  # the record as the export wrote it, when `record` is already a mapping of it (HL7)


def detect_format(path: Path) -> str:
    """'csv', 'jsonl', 'parquet', 'hl7', or an archive of them: 'csv+gzip' (reports.csv.gz), 'zip'."""
    from warehouse.archives import archive_format

    fmt = FORMATS.get(path.suffix.lower()) or archive_format(path, FORMATS)
    if fmt is None:
        raise IngestError(f"{path.name}: unknown export format {path.suffix!r} (csv, jsonl, parquet, hl7; "
                          ".gz or .zip of csv, jsonl, hl7)")
    return fmt


def is_export_name(name: str) -> bool:
    """Whether a folder walk takes this file (dot files are uploads in progress)."""
    try:
        detect_format(Path(name))
    except IngestError:
        return False
    return not name.startswith(".")


def has_surrogates(value: object) -> bool:
    return isinstance(value, str) and _SURROGATE.search(value) is not None


def read_rows(source: Path | BinaryIO, fmt: str, max_record_chars: int = DEFAULT_MAX_RECORD_CHARS
              ) -> Iterator[SourceRow]:
    """Rows of an export given as a path or an open binary file (read from its current position)."""
    if fmt == "parquet":
        return _read_parquet(source, max_record_chars)
    if fmt == "zip" or fmt.endswith("+gzip"):
        return _read_archive(source, fmt, max_record_chars)
    return _read_text(source, fmt, max_record_chars)


def _read_archive(source: Path | BinaryIO, fmt: str, limit: int) -> Iterator[SourceRow]:
    """Rows of every export in an archive (checked first by ingest), numbered on across members."""
    from warehouse.archives import open_members

    fh = open(source, "rb") if isinstance(source, (str, Path)) else source  # noqa: SIM115 - closed below
    try:
        n = 0
        for inner, stream in open_members(fh, fmt, FORMATS):
            for row in _read_text(stream, inner, limit):
                n += 1
                row.row_number = n
                yield row
    finally:
        if fh is not source:
            fh.close()


def _read_text(source: Path | BinaryIO, fmt: str, limit: int) -> Iterator[SourceRow]:
    reader = {"csv": _read_csv, "jsonl": _read_jsonl, "hl7": _read_hl7}[fmt]
    if isinstance(source, (str, Path)):
        with open(source, "rb") as fh:
            yield from reader(_text_stream(fh), limit)
        return
    text = _text_stream(source)
    try:
        yield from reader(text, limit)
    finally:
        text.detach()  # the caller's file stays open (ingest checks it did not change while being read)


def _mark_undecodable(exc: UnicodeError) -> tuple[str, int]:
    """Like surrogateescape (byte b -> U+DC00+b) but for every codec: a UTF-16 unit such as 00 DC has a byte
    below 0x80, which surrogateescape refuses, and the decoder then raises mid-file."""
    if isinstance(exc, UnicodeDecodeError):
        return "".join(chr(0xDC00 + b) for b in exc.object[exc.start:exc.end]), exc.end
    raise exc


codecs.register_error("radforge-undecodable", _mark_undecodable)


def _text_stream(binary: BinaryIO) -> io.TextIOWrapper:
    """Decode by byte-order mark (UTF-8 otherwise); undecodable bytes become lone surrogates (row quarantined)."""
    buffered = binary if hasattr(binary, "peek") else io.BufferedReader(binary)  # type: ignore[arg-type]
    head = buffered.peek(4)[:4]
    encoding = "utf-8"
    for bom, name in _BOMS:
        if head.startswith(bom):
            buffered.read(len(bom))
            encoding = name
            break
    # newline="": lines end at \r, \n or \r\n and keep their ending (the csv module needs it)
    return io.TextIOWrapper(buffered, encoding=encoding, errors="radforge-undecodable", newline="")


def _bounded_lines(fh: io.TextIOWrapper, limit: int) -> Iterator[tuple[str, bool]]:
    """(line without its ending, too_long). A too-long line yields its prefix; the rest is skipped unread."""
    while True:
        line = fh.readline(limit)
        if not line:
            return
        if len(line) >= limit and line[-1] not in "\r\n":
            _skip_rest_of_line(fh, limit)
            yield line[:_PREFIX_CHARS], True
            continue
        yield line.rstrip("\r\n"), False


def _skip_rest_of_line(fh: io.TextIOWrapper, limit: int) -> None:
    while True:
        more = fh.readline(limit)
        if not more or more[-1] in "\r\n":
            return


# --- CSV ---------------------------------------------------------------------------------------

class _TooLong(Exception):
    """A physical line or a record grew past the limit (raised out of the csv module's line iterator)."""


class _LongLine:
    __slots__ = ("prefix",)

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix


class _Lines:
    """Physical lines for `csv.reader`: bounded, remembered per record, and replayable after a bad record."""

    def __init__(self, fh: io.TextIOWrapper, limit: int) -> None:
        self.fh, self.limit = fh, limit
        self.pending: deque[str | _LongLine] = deque()
        self.taken: list[str] = []
        self.taken_chars = 0
        self.long_first: str | None = None

    def __iter__(self) -> _Lines:
        return self

    def start_record(self) -> None:
        self.taken, self.taken_chars, self.long_first = [], 0, None

    def replay(self, lines: list[str]) -> None:
        self.pending.extendleft(reversed(lines))

    def __next__(self) -> str:
        line = self.pending.popleft() if self.pending else self.fh.readline(self.limit)
        if isinstance(line, _LongLine) or (line and len(line) >= self.limit and line[-1] not in "\r\n"):
            if not isinstance(line, _LongLine):
                _skip_rest_of_line(self.fh, self.limit)
                line = _LongLine(line[:_PREFIX_CHARS])
            if self.taken:  # the record started on earlier lines: they are re-read after this record fails
                self.pending.appendleft(line)
            else:
                self.long_first = line.prefix
            raise _TooLong
        if not line:
            raise StopIteration
        self.taken.append(line)
        self.taken_chars += len(line)
        if self.taken_chars > self.limit:
            raise _TooLong
        return line


def _read_csv(fh: io.TextIOWrapper, limit: int) -> Iterator[SourceRow]:
    csv.field_size_limit(sys.maxsize)  # the line limit above bounds a field, not this
    lines = _Lines(fh, limit)
    # strict: a quote closed in mid-field (`"abc"def`) is an error, so an unclosed quote cannot quietly join
    # the next lines onto its row when their field counts happen to add up
    reader = csv.reader(lines, strict=True)
    header: list[str] | None = None
    n = 0
    while True:
        lines.start_record()
        problem = None
        try:
            values: list[str] | None = next(reader)
        except StopIteration:
            return
        except _TooLong:
            values, problem = None, "oversize"
        except csv.Error:
            values, problem = None, "malformed"
        taken = lines.taken
        if header is None:  # the header: never more than one line (a stray quote must not swallow rows)
            if values == [] or (values is None and lines.long_first is None and not taken):
                continue
            if values is None or len(taken) > 1:
                lines.replay(taken[1:])
                header = next(csv.reader([taken[0]]), []) if taken else []
            else:
                header = values
            continue
        if values == []:  # a blank line between records is not a record
            continue
        if values is not None and len(values) != len(header) and len(taken) > 1:
            values, problem = None, "malformed"  # a quote left open swallowed the lines after it
        if values is None:
            n += 1
            if lines.long_first is not None:
                yield SourceRow(n, {"_line": lines.long_first}, "oversize")
                continue
            # The first line is the bad record; the lines after it are read again as records.
            lines.replay(taken[1:])
            yield SourceRow(n, {"_line": taken[0] if taken else ""}, "malformed")
            continue
        n += 1
        if len(values) != len(header):
            yield SourceRow(n, {"_values": values}, "malformed")
        elif any(has_surrogates(v) for v in values):
            yield SourceRow(n, dict(zip(header, values, strict=False)), "undecodable")
        else:
            yield SourceRow(n, dict(zip(header, values, strict=False)), problem)


# --- JSONL -------------------------------------------------------------------------------------

def _read_jsonl(fh: io.TextIOWrapper, limit: int) -> Iterator[SourceRow]:
    n = 0
    for line, too_long in _bounded_lines(fh, limit):
        if not line.strip(" \t\r\n"):
            continue
        n += 1
        if too_long:
            yield SourceRow(n, {"_line": line}, "oversize")
            continue
        if has_surrogates(line):
            yield SourceRow(n, {"_line": line}, "undecodable")
            continue
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError):  # bad JSON, an integer past Python's digit limit, deep nesting
            yield SourceRow(n, {"_line": line}, "malformed")
            continue
        if not isinstance(obj, dict):
            yield SourceRow(n, {"_line": line}, "malformed")
            continue
        yield SourceRow(n, obj, "undecodable" if any(has_surrogates(v) for v in obj.values()) else None)


def _read_parquet(source: Path | BinaryIO, limit: int = DEFAULT_MAX_RECORD_CHARS, batch_rows: int = 10_000
                  ) -> Iterator[SourceRow]:
    import pyarrow.parquet as pq

    name = Path(str(source.name if isinstance(source, Path) else getattr(source, "name", "export"))).name
    try:
        pf = pq.ParquetFile(source)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise IngestError(f"{name}: not a readable Parquet file ({type(exc).__name__})") from None
    n = 0
    batches = pf.iter_batches(batch_size=batch_rows)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except Exception as exc:  # a damaged page or row group further in: the file is refused whole
            raise IngestError(f"{name}: not a readable Parquet file ({type(exc).__name__})") from None
        for rec in _batch_records(batch):
            n += 1
            if any(isinstance(v, (str, bytes)) and len(v) > limit for v in rec.values()):
                # cut here, before validation and the quarantine copy it several times over
                yield SourceRow(n, {k: v[:_PREFIX_CHARS] if isinstance(v, (str, bytes)) else v
                                    for k, v in rec.items()}, "oversize")
                continue
            yield SourceRow(n, rec, "undecodable" if any(has_surrogates(v) for v in rec.values()) else None)


def _batch_records(batch: object) -> list[dict[str, object]]:
    """Python rows of a record batch. Strings that are not UTF-8 (Parquet does not check) come back with
    surrogate escapes; values Python cannot represent (a timestamp in the year 30000) come back as text."""
    import pyarrow as pa

    try:
        return batch.to_pylist()  # type: ignore[attr-defined]
    except (UnicodeDecodeError, ValueError, OverflowError):
        pass
    columns: dict[str, list[object]] = {}
    for field, col in zip(batch.schema, batch.columns, strict=True):  # type: ignore[attr-defined]
        try:
            columns[field.name] = col.to_pylist()
        except UnicodeDecodeError:
            raw = col.cast(pa.large_binary()) if pa.types.is_large_string(col.type) else col.cast(pa.binary())
            columns[field.name] = [None if v is None else v.decode("utf-8", "surrogateescape")
                                   for v in raw.to_pylist()]
        except (ValueError, OverflowError, pa.ArrowException):
            try:
                columns[field.name] = col.cast(pa.string()).to_pylist()
            except (pa.ArrowException, UnicodeDecodeError):
                columns[field.name] = ["\udcff"] * len(col)  # unreadable: every row of it is quarantined
    names = list(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)] \
        if names else [{} for _ in range(batch.num_rows)]  # type: ignore[attr-defined]


# --- HL7 v2 ORU^R01 ------------------------------------------------------------------------------

_HL7_ESCAPE = re.compile(r"\\(F|S|T|R|E|\.br|X[0-9A-Fa-f]*)\\")
_HL7_ESC_MAP = {"F": "|", "S": "^", "T": "&", "R": "~", "E": "\\", ".br": "\n"}
_HL7_SPLIT = re.compile(r"[\r\n\x0b\x1c]+")


def hl7_unescape(value: str) -> str:
    def sub(m: re.Match[str]) -> str:
        code = m.group(1)
        if code.startswith("X"):
            try:
                return bytes.fromhex(code[1:]).decode("utf-8", errors="replace")
            except ValueError:
                return m.group(0)
        return _HL7_ESC_MAP[code]

    return _HL7_ESCAPE.sub(sub, value) if "\\" in value else value


def _segments(fh: io.TextIOWrapper, limit: int, block: int = 1 << 20) -> Iterator[tuple[str, bool]]:
    """(segment, too_long) of an HL7 file, whatever separates them (\\r, \\n, \\r\\n, MLLP framing bytes).

    Split on every separator at once, not line by line: an MLLP stream may carry many messages and
    no line end for megabytes. A segment past `limit` yields its prefix; the rest is dropped unheld.
    """
    tail, skipping = "", False
    while chunk := fh.read(block):
        parts = _HL7_SPLIT.split(chunk)
        if len(parts) == 1:  # no separator in this block: the current segment goes on
            if not skipping:
                tail += chunk
                if len(tail) > limit:
                    yield tail[:_PREFIX_CHARS], True
                    tail, skipping = "", True
            continue
        if not skipping and (tail or parts[0]):
            yield from _bounded_segment(tail + parts[0], limit)
        skipping = False
        for seg in parts[1:-1]:
            if seg:
                yield from _bounded_segment(seg, limit)
        tail = parts[-1]
    if tail and not skipping:
        yield from _bounded_segment(tail, limit)


def _bounded_segment(seg: str, limit: int) -> Iterator[tuple[str, bool]]:
    yield (seg[:_PREFIX_CHARS], True) if len(seg) > limit else (seg, False)


def _messages(fh: io.TextIOWrapper, limit: int) -> Iterator[tuple[list[str], bool]]:
    """(segments, oversize) per message; an oversize message keeps its first segments only."""
    current: list[str] = []
    size, oversize = 0, False
    for seg, too_long in _segments(fh, limit):
        if seg.startswith("MSH") and current:
            yield current, oversize
            current, size, oversize = [], 0, False
        if oversize:
            continue
        current.append(seg)
        size += len(seg)
        oversize = too_long or size > limit
    if current:
        yield current, oversize


def _component(field: str, comp_sep: str, i: int = 0, rep_sep: str = "~") -> str:
    first = field.split(rep_sep, 1)[0]
    parts = first.split(comp_sep)
    return parts[i] if i < len(parts) else ""


def parse_hl7_message(segments: list[str]) -> dict[str, object]:
    """Map one ORU^R01 message to radforge fields (the HL7 mapping is fixed by the standard)."""
    msh = segments[0]
    if not msh.startswith("MSH") or len(msh) < 8:
        raise ValueError("message does not start with an MSH segment")
    fs = msh[3]
    enc = msh[4:8] if len(msh) >= 8 else "^~\\&"
    comp, rep = enc[0], enc[1]
    if fs.isalnum() or len({fs, comp, rep}) < 3:
        raise ValueError("MSH declares unusable separators")
    fields: dict[str, list[str]] = {}
    text_lines: list[str] = []
    for seg in segments:
        parts = seg.split(fs)
        name = parts[0]
        if name == "MSH":
            parts = ["MSH", fs, *parts[1:]]  # MSH-1 is the separator itself: realign numbering
        if name == "OBX":
            value_type = parts[2] if len(parts) > 2 else ""
            if value_type in ("TX", "FT", "ST", "") and len(parts) > 5:
                text_lines.append(hl7_unescape(parts[5]))
            continue
        fields.setdefault(name, parts)

    def get(seg: str, i: int, c: int = 0) -> str | None:
        parts = fields.get(seg)
        if parts is None or i >= len(parts):
            return None
        value = hl7_unescape(_component(parts[i], comp, c, rep))
        return value or None

    last, first = get("PID", 5, 0), get("PID", 5, 1)
    name = " ".join(p for p in (first, last) if p) or None
    return {
        "report_id": get("MSH", 10), "facility": get("MSH", 4), "mrn": get("PID", 3), "patient_name": name,
        "dob": get("PID", 7), "accession": get("OBR", 3) or get("OBR", 2), "modality": get("OBR", 4, 0),
        "body_part": get("OBR", 4, 1), "exam_datetime": get("OBR", 7), "version": get("ZRF", 1) or "1",
        "text": "\n".join(text_lines),
    }


def _read_hl7(fh: io.TextIOWrapper, limit: int) -> Iterator[SourceRow]:
    for n, (segments, oversize) in enumerate(_messages(fh, limit), start=1):
        if oversize:
            yield SourceRow(n, {"_message": "\r".join(segments)[:_PREFIX_CHARS]}, "oversize")
            continue
        undecodable = any(has_surrogates(s) for s in segments)
        try:
            record = parse_hl7_message(segments)
        except (ValueError, IndexError):
            yield SourceRow(n, {"_message": "\r".join(segments)}, "malformed")
            continue
        # a quarantined message is kept as sent, not as mapped (a bad MSH maps to nothing a reviewer could use)
        yield SourceRow(n, record, "undecodable" if undecodable else None, "\r".join(segments))

"""Streaming readers for hospital exports: CSV, JSONL, Parquet and HL7 v2 ORU.

Each reader yields `SourceRow`s one at a time (memory stays flat whatever the file size) with
the export's own field names, or a reason when the row cannot even be read (undecodable bytes,
malformed line). Bytes that are not UTF-8 are kept as surrogate escapes so the row can be
quarantined with its reason instead of aborting the file.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from warehouse.errors import IngestError

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".parquet": "parquet",
           ".pq": "parquet", ".hl7": "hl7"}
_SURROGATE = re.compile("[\udc80-\udcff]")


@dataclass(slots=True)
class SourceRow:
    row_number: int  # 1-based record number in the file (CSV record, JSONL line, Parquet row, HL7 message)
    record: dict[str, object]
    problem: str | None = None  # 'undecodable' | 'malformed' | None


def detect_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise IngestError(f"{path.name}: unknown export format {path.suffix!r} (csv, jsonl, parquet, hl7)")
    return fmt


def has_surrogates(value: object) -> bool:
    return isinstance(value, str) and _SURROGATE.search(value) is not None


def read_rows(path: Path, fmt: str) -> Iterator[SourceRow]:
    return {"csv": _read_csv, "jsonl": _read_jsonl, "parquet": _read_parquet, "hl7": _read_hl7}[fmt](path)


def _read_csv(path: Path) -> Iterator[SourceRow]:
    csv.field_size_limit(sys.maxsize)
    with open(path, newline="", encoding="utf-8-sig", errors="surrogateescape") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            return
        for n, values in enumerate(reader, start=1):
            if not values:  # a blank line between records is not a record
                continue
            problem = None
            if len(values) != len(header):
                problem = "malformed"
            elif any(has_surrogates(v) for v in values):
                problem = "undecodable"
            record = dict(zip(header, values, strict=False)) if problem != "malformed" else {"_values": values}
            yield SourceRow(n, record, problem)


def _read_jsonl(path: Path) -> Iterator[SourceRow]:
    with open(path, "rb") as fh:
        n = 0
        for line in fh:
            if not line.strip():
                continue
            n += 1
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                yield SourceRow(n, {"_line": line.decode("utf-8", errors="surrogateescape")}, "undecodable")
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError:
                yield SourceRow(n, {"_line": text}, "malformed")
                continue
            if not isinstance(obj, dict):
                yield SourceRow(n, {"_line": text}, "malformed")
                continue
            yield SourceRow(n, obj, "undecodable" if any(has_surrogates(v) for v in obj.values()) else None)


def _read_parquet(path: Path, batch_rows: int = 10_000) -> Iterator[SourceRow]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise IngestError(f"{path.name}: not a readable Parquet file ({type(exc).__name__})") from None
    n = 0
    for batch in pf.iter_batches(batch_size=batch_rows):
        for rec in batch.to_pylist():
            n += 1
            yield SourceRow(n, rec)


# --- HL7 v2 ORU^R01 ------------------------------------------------------------------------------

_HL7_ESCAPE = re.compile(r"\\(F|S|T|R|E|\.br|X[0-9A-Fa-f]*)\\")
_HL7_ESC_MAP = {"F": "|", "S": "^", "T": "&", "R": "~", "E": "\\", ".br": "\n"}


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


def _segments(path: Path, block: int = 1 << 20) -> Iterator[str]:
    """Segments of an HL7 file, whatever separates them (\\r, \\n, \\r\\n, MLLP framing bytes)."""
    splitter = re.compile(r"[\r\n\x0b\x1c]+")
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as fh:
        tail = ""
        while True:
            chunk = fh.read(block)
            if not chunk:
                break
            parts = splitter.split(tail + chunk)
            tail = parts.pop()
            yield from (p for p in parts if p)
        if tail:
            yield tail


def _messages(path: Path) -> Iterator[list[str]]:
    current: list[str] = []
    for seg in _segments(path):
        if seg.startswith("MSH") and current:
            yield current
            current = []
        current.append(seg)
    if current:
        yield current


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


def _read_hl7(path: Path) -> Iterator[SourceRow]:
    for n, segments in enumerate(_messages(path), start=1):
        undecodable = any(has_surrogates(s) for s in segments)
        try:
            record = parse_hl7_message(segments)
        except (ValueError, IndexError):
            yield SourceRow(n, {"_message": "\r".join(segments)}, "malformed")
            continue
        yield SourceRow(n, record, "undecodable" if undecodable else None)

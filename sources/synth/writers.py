"""Serialisers for one block of records: JSON Lines (reports + gold), RIS-style CSV, HL7 v2.5.1 ORU^R01.

Each returns the block's bytes; the driver writes blocks in order, so the files are the same
whatever the worker count. CSV follows RFC 4180 (CRLF records, quoted fields with embedded
newlines); HL7 separates segments with CR and messages with LF, one OBX per report text line.
"""

from __future__ import annotations

import msgspec

CSV_HEADER = ("AccessionNumber", "MRN", "PatientName", "DOB", "ExamDateTime", "Modality", "BodyPart", "Facility",
              "Version", "ReportText")
HL7_SITE = "RADFORGE_DEMO"


_ENCODER = msgspec.json.Encoder()  # compact, UTF-8, key order as given: stable bytes for a seed
_KEYS = ("id", "text", "mrn", "accession", "patient_name", "dob", "exam_datetime", "modality", "body_part",
         "facility", "version", "tags")


class Span(msgspec.Struct):
    start: int
    end: int
    type: str


def jsonl(records: list[dict]) -> bytes:
    return _ENCODER.encode_lines([{k: r[k] for k in _KEYS} for r in records])


def gold(records: list[dict]) -> bytes:
    return _ENCODER.encode_lines([{"id": r["id"], "spans": [Span(s, e, t) for s, e, t in r["spans"]]}
                                  for r in records])


def sections(records: list[dict]) -> bytes:
    """Where each section body lies in `text` (for section-parser tests): [start, end] or null."""
    return _ENCODER.encode_lines([{"id": r["id"], "findings": r["sections"].get("findings"),
                                   "impression": r["sections"].get("impression"),
                                   "addenda": [v for k, v in sorted(r["sections"].items()) if k.startswith("addendum")]}
                                  for r in records])


def _q(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def csv_rows(records: list[dict]) -> bytes:
    """RFC 4180 rows. Free-text fields are always quoted (quotes doubled), ids and dates never need it:
    several times faster than `csv.writer`, which scans every character of a report to decide on quoting."""
    return "".join(
        f"{r['accession']},{r['mrn']},{_q(r['patient_name'])},{r['dob']},{r['exam_datetime']},{r['modality']},"
        f"{_q(r['body_part'])},{_q(r['facility'])},{r['version']},{_q(r['text'])}\r\n"
        for r in records).encode()


def csv_header() -> bytes:
    return (",".join(CSV_HEADER) + "\r\n").encode()


def hl7_escape(value: str) -> str:
    """HL7 v2 escapes for the delimiters (the escape character first)."""
    if "\\" in value:
        value = value.replace("\\", "\\E\\")
    if "|" in value:
        value = value.replace("|", "\\F\\")
    if "^" in value:
        value = value.replace("^", "\\S\\")
    if "&" in value:
        value = value.replace("&", "\\T\\")
    if "~" in value:
        value = value.replace("~", "\\R\\")
    return value


def _ts(iso: str) -> str:
    return iso.replace("-", "").replace(":", "").replace("T", "")


def hl7(records: list[dict]) -> bytes:
    out = []
    esc = hl7_escape
    for r in records:
        fac = esc(r["facility"])
        exam_ts = _ts(r["exam_datetime"])
        segs = [
            f"MSH|^~\\&|RIS|{fac}|RADFORGE|{HL7_SITE}|{exam_ts}||ORU^R01|{r['id']}|P|2.5.1",
            f"PID|1||{r['mrn']}^^^{fac}^MR||{esc(r['last'])}^{esc(r['first'])}||{r['dob'].replace('-', '')}"
            f"|{r['sex']}",
            f"OBR|1|{r['accession']}|{r['accession']}|{r['modality']}^{r['body_part']}|||{exam_ts}"
            + "|" * 18 + ("F" if r["version"] == 1 else "C"),
        ]
        if r["text"]:
            segs.extend(f"OBX|{n}|TX|REPORT||{line}" for n, line in enumerate(esc(r["text"]).split("\n"), 1))
        segs.append(f"ZRF|{r['version']}")
        out.append("\r".join(segs))
        out.append("\n")
    return "".join(out).encode()


WRITERS = {"jsonl": jsonl, "csv": csv_rows, "hl7": hl7}
FILES = {"jsonl": ("reports.jsonl", "gold.jsonl", "sections.jsonl"), "csv": ("reports.csv",), "hl7": ("reports.hl7",)}

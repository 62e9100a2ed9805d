"""`make fuzz`: generated and hand-made hostile hospital exports through the real ingest.

Two parts, both seeded:

(a) Generated inputs. Hypothesis strategies (run under a fixed seed, generate phase only) draw
    report rows with hostile values (odd dates, missing/duplicate/huge ids, NUL, quotes, HL7
    separators, huge and empty texts, lone surrogates, deep nesting...) and row mutations per
    format (unclosed CSV quotes, truncated JSON, wrong HL7 separators, missing segments, raw
    bytes...). Rows are rendered as CSV, JSONL, HL7 and Parquet and batched many to a file, each text
    file with its own encoding (UTF-8, UTF-8 BOM, UTF-16 BOM, latin-1) and mixed CR/LF/CRLF line ends,
    each Parquet file with its own column shapes (binary or large text, invalid UTF-8, typed dates
    and versions, list-valued ids, upper-case names, extra nested columns). One
    subprocess ingests a round of files (each file in its own try/except so one crash cannot hide
    another); a subprocess that dies or hangs is re-run file by file. A sample of cases also runs
    as single-row files.
(b) A corpus of hand-made nasty files, made by code in a temporary folder (nothing large is
    committed), each ingested through the real CLI (`radforge ingest PATH --json`) in its own site.

Every generated row carries a unique marker (`ZQ` + 8 digits) in its id field. Accounting, per
file: rows put in - rows in raw - rows quarantined (ledger figures, checked against the files by
`reconcile`), and per marker: each marker in the input bytes must be found as a raw row's own id
or inside a quarantined record (a marker swallowed into another raw row's text is a lost row).
Whole-file refusals count as accounted only when the reason is recorded in `ingest_refusals`.
Crashes: a Python exception other than a clean `RadforgeError`, a non-zero exit other than the
CLI's one-line refusal, a signal. Hangs: past `--timeout-s` per file. Memory: peak RSS of each
ingest subprocess (VmHWM, sampled every 20 ms while it runs; wait4's ru_maxrss would include the parent's RSS).

Usage: .venv/bin/python bench/fuzz.py [--seed 13] [--cases 10000] [--timeout-s 120] [--quick]
Last line: one JSON object (cases, crashes, hangs, rows_unaccounted, max_rss_mb, ...).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

MARKER = re.compile(r"ZQ\d{8}")
CSV_HEADER = ["id", "AccessionNumber", "MRN", "PatientName", "DOB", "ExamDateTime", "Modality", "BodyPart",
              "Facility", "Version", "ReportText"]
FORMAT_EXT = {"csv": ".csv", "jsonl": ".jsonl", "hl7": ".hl7", "parquet": ".parquet"}
ODD_DATES = ["2015-03-04T10:11:12", "20150304101112", "20150304", "03/04/2015 10:11", "04.03.2015",
             "2015-03-04T10:11:12Z", "2015-03-04T10:11:12+14:00", "1899-12-31", "1900-01-01T00:00:00",
             "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2099-01-01", "2015-02-30", "2015-13-01",
             "", "   ", "yesterday", "0", "-1", "1e400", "2015-03-04T25:61:61", "99999999999999999999",
             "２０１５０１０１", "2015-03-04\x00", "NaN", "2015-03-04T10:11:12.123456789"]
VERSIONS: list[object] = [1, 2, "2", "2.0", "2.5", "two", -1, 0, "", None, 10_001, "1e400", "NaN", True, [1]]
MUTATIONS = {
    "csv": ["open_quote", "extra_field", "missing_field", "embedded_newlines", "nul", "stray_quote", "raw_bytes",
            "blank_lines", "space_line", "long_field"],
    "jsonl": ["truncate", "trailing_garbage", "not_object", "deep_nesting", "lone_surrogate", "raw_newline",
              "nested_values", "nul", "raw_bytes", "huge_int", "dup_keys", "bom_in_line", "upper_keys",
              "long_field"],
    "hl7": ["alt_separators", "wrong_field_sep", "seg_sep_lf", "seg_sep_crlf", "seg_sep_pipe", "mllp",
            "missing_pid", "missing_obr", "missing_obx", "short_msh", "escape_junk", "unescaped_seps", "nul",
            "raw_bytes", "repeat_segments", "garbage_before", "long_field"],
    "parquet": ["nul", "long_field", "bad_utf8", "null_text", "null_ids", "empty_strings", "newlines"],
}
# A Parquet column has one type for the whole file, so its hostile shapes are drawn per file, in the
# place the text formats draw their encoding: text as binary or large_string, typed version/date columns
# (values that do not fit become nulls), list-valued ids, upper-case column names, extra nested columns.
PARQUET_VARIANTS = ["string", "binary", "large_string", "typed", "list_ids", "upper_keys", "extra_columns"]
NASTY = ['"', ",", "'", "\\", "|", "^", "~", "&", "\r", "\n", "\r\n", "\t", "\x00", "\x0b", "\x1c", "\x1a", "\u2028",
         "\u0085", "é", "\u00a0", "\ufeff", "😀", "\\F\\", "\\X0D\\", "MSH|", '""', "}", "{", "\\u0000"]
TEMPLATE = ("EXAM: CT CHEST\nFINDINGS: The lungs are clear without focal consolidation. The heart is normal in size. "
            "No acute osseous abnormality.{noise}\nIMPRESSION: No acute disease.{noise2}")


# --- generation (Hypothesis, seeded) ---------------------------------------------------------------

def case_strategy_for(fmt: str):  # noqa: ANN201 - a Hypothesis strategy
    """One generated row of format `fmt`: hostile field values plus up to three row mutations."""
    from hypothesis import strategies as st

    noise = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=6)), max_size=5).map("".join)
    ident = st.one_of(st.from_regex(r"\A[A-Z]{1,3}[0-9]{1,7}\Z"), st.sampled_from([None, "", "   ", "\x00"]),
                      st.text(max_size=12))
    date = st.one_of(st.sampled_from(ODD_DATES),
                     st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
                         lambda d: d.isoformat()),
                     st.datetimes(min_value=datetime(1890, 1, 1), max_value=datetime(2030, 1, 1)).map(
                         lambda d: d.strftime("%Y%m%d%H%M%S")),
                     st.text(max_size=10))
    text = st.one_of(st.tuples(noise, noise).map(lambda t: TEMPLATE.format(noise=t[0], noise2=t[1])),
                     st.text(max_size=60), st.sampled_from(["", "   ", "\r\n", "FINDINGS:"]))
    return st.fixed_dictionaries({
        "fmt": st.just(fmt), "accession": ident, "mrn": ident, "dup_ids": st.integers(0, 9).map(lambda i: i == 0),
        "exam": date, "dob": st.one_of(st.none(), date), "version": st.sampled_from(VERSIONS), "text": text,
        "size": st.integers(0, 399),  # 0: a 250k-char text (oversize), 1: exactly max_text_chars
        "muts": st.lists(st.sampled_from(MUTATIONS[fmt]), max_size=3, unique=True),
        "pos": st.integers(0, 1 << 16), "blob": st.binary(min_size=1, max_size=6),
        "nl": st.sampled_from(["\n", "\n", "\r\n", "\r"]),
    })


def case_strategy():  # noqa: ANN201 - a Hypothesis strategy
    from hypothesis import strategies as st

    return st.sampled_from(sorted(MUTATIONS)).flatmap(case_strategy_for)


def generate_cases(n: int, seed: int) -> list[dict]:
    """n case specs drawn by Hypothesis under `seed` (deterministic for a seed and this code)."""
    from hypothesis import HealthCheck, Phase, given
    from hypothesis import seed as hseed
    from hypothesis import settings as hsettings

    out: list[dict] = []
    attempt = 0
    while len(out) < n:
        @hseed(seed * 1000 + attempt)
        @hsettings(max_examples=n - len(out), phases=[Phase.generate], database=None, deadline=None,
                   suppress_health_check=list(HealthCheck))
        @given(case_strategy())
        def collect(case: dict) -> None:
            out.append(case)

        collect()
        attempt += 1
    for i, case in enumerate(out[:n]):
        case["marker"] = f"ZQ{i:08d}"
    return out[:n]


# --- rendering --------------------------------------------------------------------------------------

def _text_of(case: dict) -> str:
    if case["size"] == 0:
        return "FINDINGS: " + "x" * 250_000
    if case["size"] == 1:
        return ("FINDINGS: " + "y" * 200_000)[:200_000]
    if "long_field" in case["muts"]:
        return "FINDINGS: " + "z" * 1_500_000  # past the reader's per-record bound: quarantined, never held whole
    return case["text"]


def _ids(case: dict, prev: dict | None) -> tuple[object, object]:
    if case["dup_ids"] and prev is not None:
        return prev["accession"], prev["mrn"]
    return case["accession"], case["mrn"]


def _insert(s: str, pos: int, what: str, start: int) -> str:
    if len(s) <= start:
        return s + what
    i = start + pos % (len(s) - start)
    return s[:i] + what + s[i:]


def render_csv(case: dict, prev: dict | None) -> str:
    acc, mrn = _ids(case, prev)
    text = _text_of(case)
    m = case["muts"]
    if "embedded_newlines" in m:
        text += "\nline two\r\nline three\rline four"
    if "nul" in m:
        text = _insert(text, case["pos"], "\x00", 0)
    modality = 'C"T' if "stray_quote" in m else "CT"
    vals = [case["marker"], acc, mrn, "Doe, Jane", case["dob"], case["exam"], modality, "CHEST", "DGH",
            case["version"], text]
    vals = ["" if v is None else json.dumps(v) if isinstance(v, list) else str(v) for v in vals]
    if "missing_field" in m:
        vals = vals[:-1]
    if "extra_field" in m:
        vals.append("EXTRA")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(vals[:-1] if "open_quote" in m else vals)
    row = buf.getvalue()
    if "open_quote" in m:
        row += ',"' + vals[-1].replace('"', "")  # a quote that is never closed
    row += case["nl"]
    if "blank_lines" in m:
        row = "\n\r\n" + row
    if "space_line" in m:
        row = "   " + case["nl"] + row
    return row


def render_jsonl(case: dict, prev: dict | None) -> str:
    acc, mrn = _ids(case, prev)
    m = case["muts"]
    text: object = _text_of(case)
    if "lone_surrogate" in m:
        text = str(text) + "@@SUR@@"
    obj: dict[str, object] = {"id": case["marker"]}
    for k, v in (("accession", acc), ("mrn", mrn), ("patient_name", "Jane Doe"), ("dob", case["dob"]),
                 ("exam_datetime", case["exam"]), ("modality", "CT"), ("body_part", "CHEST"),
                 ("facility", "DGH"), ("version", case["version"]), ("text", text)):
        if v is not None:
            obj[k.upper() if "upper_keys" in m else k] = v
    if "nested_values" in m:
        obj["accession"] = [acc]
        obj["text"] = {"t": text, "n": [1, [2, [3]]]}
    if "deep_nesting" in m:
        obj["text"] = "@@DEEP@@"
    line = json.dumps(obj, ensure_ascii=case["pos"] % 2 == 0)
    line = line.replace("@@SUR@@", "\\ud800").replace('"@@DEEP@@"', "[" * 5000 + "]" * 5000)
    if "huge_int" in m:
        line = line[:-1] + ', "version": ' + "9" * 5000 + "}"
    if "dup_keys" in m:
        line = line[:-1] + ', "text": "again", "modality": "MR"}'
    start = len('{"id": "ZQ00000000"')
    if "truncate" in m:
        line = line[:start + case["pos"] % max(1, len(line) - start)]
    if "trailing_garbage" in m:
        line += " }{"
    if "not_object" in m:
        line = "[" + line + "]"
    if "bom_in_line" in m:
        line = "\ufeff" + line
    if "raw_newline" in m:
        line = _insert(line, case["pos"], "\n", start + 1)
    if "nul" in m:
        line = _insert(line, case["pos"], "\x00", start + 1)
    return line + case["nl"]


def _hl7_escape(value: str, fs: str, comp: str) -> str:
    return (value.replace("\\", "\\E\\").replace(fs, "\\F\\").replace(comp, "\\S\\").replace("~", "\\R\\")
            .replace("&", "\\T\\"))


def render_hl7(case: dict, prev: dict | None) -> str:
    acc, mrn = _ids(case, prev)
    m = case["muts"]
    fs, comp = ("#", "@") if "alt_separators" in m else ("|", "^")
    text = _text_of(case)
    if "escape_junk" in m:
        text += " \\X\\ \\Xzz\\ \\E \\.br\\ \\X41\\ \\"

    def v(x: object) -> str:
        return "" if x is None else _hl7_escape(str(x), fs, comp)

    msh_fs = "#" if "wrong_field_sep" in m else fs
    msh = f"MSH{msh_fs}{comp}~\\&{fs}RIS{fs}DGH{fs}RADFORGE{fs}SITE{fs}20200101{fs}{fs}ORU{comp}R01{fs}" \
          f"{case['marker']}{fs}P{fs}2.5.1"
    segs = [msh]
    if "short_msh" in m:
        segs = ["MSH|^~", f"ZMK|{case['marker']}"]
    if "missing_pid" not in m:
        segs.append(f"PID{fs}1{fs}{fs}{v(mrn)}{comp}{comp}{comp}DGH{comp}MR{fs}{fs}DOE{comp}JANE{fs}{fs}{v(case['dob'])}")
    if "missing_obr" not in m:
        obr = f"OBR{fs}1{fs}{v(acc)}{fs}{v(acc)}{fs}CT{comp}CHEST{fs}{fs}{fs}{v(case['exam'])}"
        segs.append(obr)
        if "repeat_segments" in m:
            segs.append(obr.replace(f"{fs}1{fs}", f"{fs}2{fs}", 1))
    if "missing_obx" not in m:
        lines = re.split(r"\r\n|\r|\n", text)
        for i, line in enumerate(lines, start=1):
            value = line if "unescaped_seps" in m else v(line)  # unescaped: separators cut the text short
            segs.append(f"OBX{fs}{i}{fs}TX{fs}REPORT{fs}{fs}{value}")
    if case["version"] is not None:
        segs.append(f"ZRF{fs}{v(case['version'])}")
    sep = "\r"
    if "seg_sep_lf" in m:
        sep = "\n"
    elif "seg_sep_crlf" in m:
        sep = "\r\n"
    elif "seg_sep_pipe" in m:
        sep = "|"
    msg = segs[0] + "".join(sep + s for s in segs[1:])
    if "nul" in m:
        msg = _insert(msg, case["pos"], "\x00", len(segs[0]))
    if "mllp" in m:
        msg = "\x0b" + msg + "\x1c\r"
    if "garbage_before" in m:
        msg = "GARBAGE LINE" + case["nl"] + msg
    return msg + case["nl"]


def render_parquet(case: dict, prev: dict | None) -> dict[str, object]:
    """One generated row as Parquet values: text fields as UTF-8 bytes (not always valid), ids as given."""
    acc, mrn = _ids(case, prev)
    m = case["muts"]
    text = _text_of(case)
    if "nul" in m:
        text = _insert(text, case["pos"], "\x00", 0)
    if "newlines" in m:
        text += "\nline two\r\nline three\rline four\u2028five"
    if "empty_strings" in m:
        acc, mrn = "", ""
    if "null_ids" in m:
        acc, mrn = None, None
    body: bytes | None = text.encode("utf-8", "surrogatepass")
    if "bad_utf8" in m:  # Parquet does not check UTF-8: the reader must
        i = case["pos"] % (len(body) + 1)
        body = body[:i] + b"\xff\xfe" + case["blob"] + body[i:]
    if "null_text" in m:
        body = None
    version = case["version"]
    return {"id": case["marker"], "accession": acc, "mrn": mrn, "patient_name": "Jane Doe", "dob": case["dob"],
            "exam_datetime": case["exam"], "modality": "CT", "body_part": "CHEST", "facility": "DGH",
            "version": json.dumps(version) if isinstance(version, list) else version, "text": body}


def encode_parquet(cases: list[dict], variant: str) -> bytes:
    """Cases as one Parquet file of shape `variant` (PARQUET_VARIANTS), uncompressed and without
    dictionaries, so the markers stay visible in the bytes for the accounting."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [render_parquet(c, p) for c, p in zip(cases, [None, *cases[:-1]], strict=True)]

    def texts(key: str, kind: object = pa.binary(), view: object = pa.string()) -> object:
        values = [None if r[key] is None else r[key] if isinstance(r[key], bytes)
                  else str(r[key]).encode("utf-8", "surrogatepass") for r in rows]
        arr = pa.array(values, kind)
        return arr if view is None else arr.view(view)

    def as_int(v: object) -> int | None:
        return v if isinstance(v, int) and not isinstance(v, bool) and -2**63 <= v < 2**63 else None

    def as_time(v: object) -> datetime | None:
        try:
            return datetime.fromisoformat(str(v)).replace(tzinfo=None)
        except (ValueError, TypeError):
            return None

    cols: dict[str, object] = {k: texts(k) for k in rows[0] if k != "text"}
    if variant == "binary":
        cols["text"] = texts("text", view=None)
    elif variant == "large_string":
        cols["text"] = texts("text", pa.large_binary(), pa.large_string())
    else:
        cols["text"] = texts("text")
    if variant == "typed":
        cols["version"] = pa.array([as_int(r["version"]) for r in rows], pa.int64())
        cols["exam_datetime"] = pa.array([as_time(r["exam_datetime"]) for r in rows], pa.timestamp("us"))
        cols["dob"] = pa.array([(t.date() if (t := as_time(r["dob"])) else None) for r in rows], pa.date32())
    if variant == "list_ids":
        cols["accession"] = pa.array([None if r["accession"] is None else [str(r["accession"])] for r in rows],
                                     pa.list_(pa.string()))
    if variant == "extra_columns":
        cols["extra_struct"] = pa.array([{"a": i, "b": "x" * (i % 3)} for i in range(len(rows))])
        cols["extra_float"] = pa.array([float("nan"), float("inf"), -0.0, 1e308][i % 4] for i in range(len(rows)))
    if variant == "upper_keys":
        cols = {k.upper(): v for k, v in cols.items()}
    buf = io.BytesIO()
    pq.write_table(pa.table(cols), buf, compression="none", use_dictionary=False)
    return buf.getvalue()


RENDER = {"csv": render_csv, "jsonl": render_jsonl, "hl7": render_hl7}
FILE_ENCODINGS = ["utf-8"] * 5 + ["utf-8-sig", "utf-16", "latin-1"]


def file_variants(fmt: str) -> list[str]:
    """What varies per file: the encoding of a text export, the column shapes of a Parquet one."""
    return PARQUET_VARIANTS if fmt == "parquet" else FILE_ENCODINGS


def encode_file(fmt: str, cases: list[dict], encoding: str) -> bytes:
    """Render cases into one export file's bytes; raw-byte mutations are spliced in after encoding.
    For Parquet `encoding` names one of PARQUET_VARIANTS."""
    if fmt == "parquet":
        return encode_parquet(cases, encoding)
    parts: list[bytes] = []
    if fmt == "csv":
        parts.append(_enc(",".join(CSV_HEADER) + "\n", encoding, first=True))
    prev = None
    for case in cases:
        row = RENDER[fmt](case, prev)
        prev = case
        b = _enc(row, encoding, first=not parts)
        if "raw_bytes" in case["muts"]:
            blob = case["blob"]
            start = 40 if encoding.startswith("utf-16") else 20  # after the marker
            if encoding.startswith("utf-16"):
                blob = blob + b"\x00" if len(blob) % 2 else blob
                start = 2 * 20 + (2 if not parts else 0)
            if len(b) > start + 2:
                i = start + case["pos"] % (len(b) - start - 1)
                if encoding.startswith("utf-16"):
                    i -= i % 2
                b = b[:i] + blob + b[i:]
        parts.append(b)
    return b"".join(parts)


def _enc(s: str, encoding: str, first: bool) -> bytes:
    if encoding == "utf-16":  # one BOM at the start of the file, little endian after it
        return (("\ufeff" if first else "") + s).encode("utf-16-le", errors="surrogatepass")
    if encoding == "utf-8-sig":
        return (("\ufeff" if first else "") + s).encode("utf-8", errors="surrogatepass")
    return s.encode(encoding, errors="replace" if encoding != "utf-8" else "surrogatepass")


def markers_in(data: bytes) -> list[str]:
    """The markers a reader could see in these bytes (UTF-16 files decoded by their BOM)."""
    utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")
    return MARKER.findall(data.decode("utf-16", errors="replace") if utf16 else data.decode("latin-1"))


# --- running the real ingest in a child process -------------------------------------------------------

@dataclass
class ChildResult:
    rc: int | None
    timed_out: bool
    max_rss_mb: float
    seconds: float
    stdout: str
    stderr: str


def run_child(cmd: list[str], env: dict[str, str], timeout_s: float, cwd: Path) -> ChildResult:
    """Run a command in its own process group; per-child max RSS from wait4; kill the group on timeout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        timed_out = False
        status, usage = 0, None
        peak_kb = 0
        while True:
            peak_kb = max(peak_kb, _vm_hwm_kb(proc.pid))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - t0 > timeout_s:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                _, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - t0
        out.seek(0)
        err.seek(0)
        # wait4's ru_maxrss would be no good: Linux carries the forking parent's RSS into the child's figure
        return ChildResult(None if timed_out else proc.returncode, timed_out, peak_kb / 1024, seconds,
                           out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


def _vm_hwm_kb(pid: int) -> int:
    """Peak resident memory of the process image now running in pid (VmHWM; 0 once it has exited)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def child_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RADFORGE_")}
    env.update(RADFORGE_HOME=str(home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONPATH=str(REPO),
               RADFORGE_LOG_LEVEL="WARNING")
    env.update(extra or {})
    return env


def worker_main(spec_path: str) -> None:
    """Child side: ingest each file on its own (one file's exception cannot hide another's)."""
    from radforge.errors import RadforgeError
    from radforge.settings import get_settings
    from radforge.site import init_site
    from warehouse.ingest import ingest_file

    spec = json.loads(Path(spec_path).read_text())
    settings = get_settings()
    init_site(settings)
    results = []
    for f in spec["files"]:
        try:
            r = ingest_file(Path(f), settings)
            results.append({"file": f, "outcome": "refused" if r.status == "refused" else "ok", "status": r.status,
                            "rows_in": r.rows_in, "rows_written": r.rows_written,
                            "rows_quarantined": r.rows_quarantined, "reasons": r.reasons})
        except RadforgeError as exc:
            results.append({"file": f, "outcome": "error", "error": type(exc).__name__})
        except Exception as exc:  # noqa: BLE001 - exactly what the fuzzer counts as a crash
            results.append({"file": f, "outcome": "crash", "error": type(exc).__name__,
                            "where": traceback.format_exc().strip().splitlines()[-3][:300]})
    Path(spec["out"]).write_text(json.dumps(results))


# --- accounting --------------------------------------------------------------------------------------

def zone_markers(home: Path) -> tuple[dict[str, int], dict[str, int]]:
    """(marker -> raw rows whose own id it is, marker -> occurrences in quarantined records)."""
    import polars as pl

    raw_files = sorted((home / "raw").glob("batch=*/part-*.parquet"))
    q_files = sorted((home / "quarantine" / "ingest").glob("batch=*/part-*.parquet"))
    raw: dict[str, int] = {}
    quar: dict[str, int] = {}
    if raw_files:
        df = pl.read_parquet(raw_files, columns=["report_id", "accession", "text"])
        # a raw row accounts for the first marker it carries (its id); more markers in one row = rows merged
        firsts = df.select(pl.concat_str([pl.col("report_id").fill_null(""), pl.col("accession").fill_null(""),
                                          pl.col("text").fill_null("")], separator="\x1f")
                           .str.extract(r"(ZQ\d{8})", 1).alias("m"))["m"].drop_nulls().to_list()
        for mk in firsts:
            raw[mk] = raw.get(mk, 0) + 1
    if q_files:
        recs = pl.read_parquet(q_files, columns=["raw_record"])["raw_record"].str.extract_all(r"ZQ\d{8}")
        for lst in recs.to_list():
            for mk in lst or []:
                quar[mk] = quar.get(mk, 0) + 1
    return raw, quar


def reconcile_site(home: Path) -> tuple[bool, int]:
    """Reconcile a finished site: (ok, rows off between the ledger and the files)."""
    from radforge.settings import get_settings
    from warehouse.reconcile import reconcile

    rep = reconcile(get_settings(home=home))
    off = sum(abs(c.expected - c.actual) for c in rep.checks if not c.ok)
    return rep.ok, off


def _file_key(home: Path, path: str | Path) -> str:
    """The key the catalog records for an export path (warehouse.ingest.file_key: no file names in the catalog)."""
    from radforge.settings import get_settings
    from warehouse.ingest import file_key

    return file_key(get_settings(home=home), path)


def refusals(home: Path) -> dict[str, str]:
    """file key -> reason, from the site's ingest_refusals table."""
    import duckdb

    cat = home / "catalog.duckdb"
    if not cat.exists():
        return {}
    con = duckdb.connect(str(cat), read_only=True)
    try:
        return {p: r for p, r in con.execute("SELECT source_file, reason FROM ingest_refusals").fetchall()}
    except duckdb.Error:
        return {}
    finally:
        con.close()


@dataclass
class Tally:
    cases: int = 0
    generated_cases: int = 0
    handmade_files: int = 0
    files: int = 0
    crashes: int = 0
    hangs: int = 0
    rows_in: int = 0
    rows_unaccounted: int = 0
    rows_raw: int = 0
    rows_quarantined: int = 0
    rows_merged: int = 0
    files_refused: int = 0
    escapes: int = 0
    max_rss_mb: float = 0.0
    max_rss_case: str = ""
    findings: list[str] = field(default_factory=list)
    save_dir: Path | None = None  # generated files behind a finding are copied here to replay them

    def save(self, path: str) -> None:
        if self.save_dir is not None:
            self.save_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, self.save_dir / Path(path).name)

    def rss(self, mb: float, what: str) -> None:
        if mb > self.max_rss_mb:
            self.max_rss_mb, self.max_rss_case = mb, what

    def finding(self, text: str) -> None:
        if len(self.findings) < 50:
            self.findings.append(text)
        print("  FINDING:", text, flush=True)


# --- part (a): generated cases ------------------------------------------------------------------------

def write_round(cases: list[dict], folder: Path, rows_per_file: int, rng: random.Random) -> list[dict]:
    """Group cases by format into files; returns [{path, fmt, rows, markers}]."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    by_fmt: dict[str, list[dict]] = {}
    for c in cases:
        by_fmt.setdefault(c["fmt"], []).append(c)
    for fmt, group in sorted(by_fmt.items()):
        for k in range(0, len(group), rows_per_file):
            chunk = group[k:k + rows_per_file]
            encoding = rng.choice(file_variants(fmt))
            data = encode_file(fmt, chunk, encoding)
            if rng.random() < 0.2 and fmt != "parquet":  # no line end after the last row
                data = data.rstrip(b"\r\n") if not encoding.startswith("utf-16") else data
            path = folder / f"{fmt}-{k // rows_per_file:04d}-{encoding}{FORMAT_EXT[fmt]}"
            path.write_bytes(data)
            files.append({"path": str(path), "fmt": fmt, "rows": len(chunk), "markers": markers_in(data),
                          "first": chunk[0]["marker"]})
    return files


def ingest_files(files: list[dict], home: Path, work: Path, timeout_s: float, tally: Tally, label: str
                 ) -> list[dict]:
    """Ingest files in one child; if it dies or hangs, again one child per file. Returns per-file results."""
    spec = work / f"{label}.spec.json"
    out = work / f"{label}.out.json"
    spec.write_text(json.dumps({"files": [f["path"] for f in files], "out": str(out)}))
    res = run_child([sys.executable, str(Path(__file__).resolve()), "--worker", str(spec)], child_env(home),
                    timeout_s * max(1, len(files)), REPO)
    tally.rss(res.max_rss_mb, label)
    if res.rc == 0 and out.exists():
        return json.loads(out.read_text())
    if len(files) == 1:
        what = "hang" if res.timed_out else f"exit {res.rc}"
        return [{"file": files[0]["path"], "outcome": "hang" if res.timed_out else "crash", "error": what,
                 "where": res.stderr.strip().splitlines()[-1][:300] if res.stderr.strip() else ""}]
    print(f"  {label}: child {'hung' if res.timed_out else f'exited {res.rc}'}; re-running file by file", flush=True)
    results = []
    for i, f in enumerate(files):
        results.extend(ingest_files([f], home, work, timeout_s, tally, f"{label}-iso{i}"))
    return results


def file_gaps(f: dict, r: dict, raw: dict[str, int], quar: dict[str, int]) -> tuple[int, list[str]]:
    """(rows put in minus rows in raw and quarantine, markers found nowhere) for one ingested file."""
    count_gap = max(0, f["rows"] - (r["rows_written"] + r["rows_quarantined"]))
    lost = sorted(mk for mk in set(f["markers"]) if not raw.get(mk) and not quar.get(mk))
    return count_gap, lost


def account_round(files: list[dict], results: list[dict], home: Path, tally: Tally, label: str) -> None:
    by_file = {r["file"]: r for r in results}
    raw, quar = zone_markers(home)
    refused = refusals(home)
    for f in files:
        r = by_file.get(f["path"], {"outcome": "crash", "error": "no result"})
        tally.files += 1
        if r["outcome"] in ("crash", "hang"):
            tally.crashes += r["outcome"] == "crash"
            tally.hangs += r["outcome"] == "hang"
            tally.finding(f"{label}: {r['outcome']} {r.get('error')} on {Path(f['path']).name} "
                          f"(first case {f['first']}) {r.get('where', '')}")
            tally.rows_unaccounted += f["rows"]
            tally.save(f["path"])
            continue
        if r["outcome"] in ("refused", "error"):
            tally.files_refused += 1
            reason = refused.get(_file_key(home, f["path"])) or refused.get(_file_key(home, Path(f["path"]).resolve()))
            tally.finding(f"{label}: generated file refused whole ({reason or r.get('error')}): {Path(f['path']).name}")
            tally.rows_unaccounted += f["rows"]  # a generated export is row-readable: refusing it loses its rows
            continue
        tally.rows_in += r["rows_in"]
        tally.rows_raw += r["rows_written"]
        tally.rows_quarantined += r["rows_quarantined"]
        count_gap, lost = file_gaps(f, r, raw, quar)
        marker_gap = len(lost)
        gap = max(count_gap, marker_gap)
        if gap:
            tally.finding(f"{label}: {gap} row(s) unaccounted in {Path(f['path']).name} "
                          f"(count gap {count_gap}, marker gap {marker_gap}; e.g. {lost[:5]})")
            tally.save(f["path"])
        tally.rows_unaccounted += gap
    ok, off = reconcile_site(home)
    if not ok:
        tally.rows_unaccounted += off
        tally.finding(f"{label}: reconcile failed ({off} rows off)")


def run_generated(args: argparse.Namespace, work: Path, tally: Tally) -> None:
    t0 = time.monotonic()
    cases = generate_cases(args.cases, args.seed)
    print(f"(a) generated {len(cases)} cases with Hypothesis in {time.monotonic() - t0:.1f}s", flush=True)
    tally.generated_cases = len(cases)
    tally.cases += len(cases)
    rng = random.Random(args.seed)
    per_round = max(1, args.round_cases)
    for r, k in enumerate(range(0, len(cases), per_round)):
        t1 = time.monotonic()
        home, landing = work / f"gen{r}" / "site", work / f"gen{r}" / "landing"
        files = write_round(cases[k:k + per_round], landing, args.rows_per_file, rng)
        results = ingest_files(files, home, work, args.timeout_s, tally, f"round{r}")
        account_round(files, results, home, tally, f"round{r}")
        print(f"  round {r}: {min(per_round, len(cases) - k)} cases in {len(files)} files, "
              f"{time.monotonic() - t1:.1f}s; crashes={tally.crashes} hangs={tally.hangs} "
              f"unaccounted={tally.rows_unaccounted} max_rss={tally.max_rss_mb:.0f}MB", flush=True)
        if not args.keep:
            shutil.rmtree(work / f"gen{r}", ignore_errors=True)
    # the same kinds of rows alone in their own files (a row at the start/end of a file, a header-only file...)
    iso = cases[:args.isolated]
    for b, k in enumerate(range(0, len(iso), 100)):
        home, landing = work / f"iso{b}" / "site", work / f"iso{b}" / "landing"
        files = []
        for i, case in enumerate(iso[k:k + 100]):
            for f in write_round([case], landing / f"{i:03d}", 1, rng):
                files.append(f)
        results = ingest_files(files, home, work, args.timeout_s, tally, f"isolated{b}")
        account_round(files, results, home, tally, f"isolated{b}")
        if not args.keep:
            shutil.rmtree(work / f"iso{b}", ignore_errors=True)
    print(f"  isolated: {len(iso)} single-row files; crashes={tally.crashes} hangs={tally.hangs} "
          f"unaccounted={tally.rows_unaccounted}", flush=True)


# --- part (b): the hand-made corpus -------------------------------------------------------------------

@dataclass
class Handmade:
    name: str
    paths: list[Path]  # what the CLI is given (files or folders)
    rows: int  # rows put in
    may_refuse: bool = False  # a whole-file refusal with a recorded reason is the right outcome
    must_refuse: bool = False
    env: dict[str, str] = field(default_factory=dict)
    timeout_factor: float = 1.0
    not_in_raw: list[str] = field(default_factory=list)  # values that must never reach the raw zone


def _jsonl_rows(n: int, prefix: str = "H", start: int = 0, **over: object) -> str:
    rows = []
    for i in range(start, start + n):
        row = {"id": f"{prefix}{i}", "accession": f"{prefix}A{i}", "mrn": f"{prefix}M{i % 97}",
               "exam_datetime": "2015-03-04T10:11:12", "version": 1,
               "text": f"FINDINGS: Lungs clear {i}.\nIMPRESSION: Normal {i}."}
        row.update(over)
        rows.append(json.dumps(row))
    return "\n".join(rows) + "\n"


def _csv_rows(n: int, prefix: str = "C", nl: str = "\r\n", **over: object) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=nl)
    w.writerow(CSV_HEADER)
    for i in range(n):
        row = {"id": f"{prefix}{i}", "AccessionNumber": f"{prefix}A{i}", "MRN": f"{prefix}M{i}", "PatientName": "Doe",
               "DOB": "1950-01-02", "ExamDateTime": "20150304101112", "Modality": "CT", "BodyPart": "CHEST",
               "Facility": "DGH", "Version": "1", "ReportText": f"FINDINGS: ok {i}.\nIMPRESSION: fine."}
        row.update({k: str(v) for k, v in over.items()})
        w.writerow([row[c] for c in CSV_HEADER])
    return buf.getvalue()


def _hl7_msg(i: int, fs: str = "|", seg: str = "\r", pid: bool = True, obr: bool = True, obx: bool = True,
             exam: str = "20150304101112") -> str:
    segs = [f"MSH{fs}^~\\&{fs}RIS{fs}DGH{fs}RF{fs}SITE{fs}20200101{fs}{fs}ORU^R01{fs}HM{i}{fs}P{fs}2.5.1"]
    if pid:
        segs.append(f"PID{fs}1{fs}{fs}HMRN{i}^^^DGH^MR{fs}{fs}DOE^JANE{fs}{fs}19500102")
    if obr:
        segs.append(f"OBR{fs}1{fs}HACC{i}{fs}HACC{i}{fs}CT^CHEST{fs}{fs}{fs}{exam}")
    if obx:
        segs.append(f"OBX{fs}1{fs}TX{fs}REPORT{fs}{fs}FINDINGS: clear {i}.")
    return seg.join(segs)


SIZES = {  # the giants of the hand-made corpus per profile: big field chars, tiny rows, HL7 segments, bomb MB
    "full": {"big": 50_000_000, "tiny": 2_000_000, "segments": 2_000_000, "zip_bomb_mb": 2048, "gz_bomb_mb": 1024},
    "quick": {"big": 5_000_000, "tiny": 100_000, "segments": 200_000, "zip_bomb_mb": 256, "gz_bomb_mb": 256},
    "test": {"big": 5_000_000, "tiny": 20_000, "segments": 20_000, "zip_bomb_mb": 80, "gz_bomb_mb": 80},
}


def build_corpus(root: Path, profile: str = "full") -> list[Handmade]:
    """Write the hand-made corpus under root (large files only where the item needs them)."""
    size = SIZES[profile]
    root.mkdir(parents=True, exist_ok=True)
    items: list[Handmade] = []

    def put(name: str, data: bytes | str, rows: int, **kw: object) -> Path:
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        items.append(Handmade(name, [p], rows, **kw))  # type: ignore[arg-type]
        return p

    # encodings and BOMs
    put("utf16_bom.csv", _csv_rows(5, "U16", nl="\n").encode("utf-16"), 5)  # BOM + little endian
    put("utf16_bom.jsonl", _jsonl_rows(5, "J16").encode("utf-16"), 5)
    put("utf16be_bom.hl7", b"\xfe\xff" + ("\n".join(_hl7_msg(i) for i in range(3)) + "\n").encode("utf-16-be"), 3)
    put("utf8_bom.jsonl", "\ufeff" + _jsonl_rows(5, "B8"), 5)
    put("utf8_bom.csv", "\ufeff" + _csv_rows(5, "B8C"), 5)
    put("latin1.csv", _csv_rows(5, "L1", ReportText="FINDINGS: épanchement pleural, café.").encode("latin-1"), 5)
    put("latin1.hl7", ("\n".join(_hl7_msg(i) for i in range(3)) + "\n").replace("clear", "cl\xe9ar").encode(
        "latin-1"), 3)
    put("utf32.jsonl", _jsonl_rows(3, "U32").encode("utf-32"), 3)
    # NUL bytes
    put("nul.csv", _csv_rows(4, "N0", ReportText="FINDINGS: a\x00b"), 4)
    put("nul.jsonl", _jsonl_rows(4, "N1").replace("Lungs", "Lu\x00ngs"), 4)
    put("nul_everywhere.hl7", "\x00".join(_hl7_msg(i) for i in range(3)), 1)  # no separator but NUL: one message
    put("all_nul.jsonl", b"\x00" * 100_000, 1)
    # line ends
    put("crlf_cr_mix.csv", _csv_rows(6, "X1", nl="\r\n").replace("\r\nX1A2", "\rX1A2", 1).replace("\r\n", "\n", 2),
        6)
    put("cr_only.jsonl", _jsonl_rows(6, "X2").replace("\n", "\r"), 6)
    put("crlf_cr_mix.jsonl", _jsonl_rows(6, "X3").replace("\n", "\r\n", 2).replace("\n", "\r", 2), 6)
    put("cr_only.hl7", "\r".join(_hl7_msg(i) for i in range(4)) + "\r", 4)
    put("lf_segments.hl7", "\n".join(_hl7_msg(i, seg="\n") for i in range(4)) + "\n", 4)
    # quotes
    csv_open = _csv_rows(10, "Q1").splitlines(keepends=True)
    csv_open[3] = csv_open[3].replace('"FINDINGS', '"FINDINGS "open', 1)  # row 3 keeps an unclosed quote
    csv_open[3] = csv_open[3].replace('fine."', "fine.", 1)
    put("unbalanced_quotes.csv", "".join(csv_open), 10)
    put("unbalanced_quote_last.csv", _csv_rows(3, "Q2") + 'Q2x,A,M,N,,20150304,CT,C,F,1,"never closed\n', 4)
    put("quote_storm.csv", ",".join(CSV_HEADER) + "\n" + "".join(f'"{i}""",""",,"\n' for i in range(200)), 200)
    # huge fields and many rows
    big = size["big"]
    put("field_50mb.csv", _csv_rows(2, "F1") + f'F1big,F1A,F1M,D,,20150304,CT,C,F,1,"{"x" * big}"\n', 3,
        timeout_factor=3)
    put("field_50mb.jsonl", _jsonl_rows(2, "F2") + '{"id": "F2big", "text": "' + "y" * big + '"}\n', 3,
        timeout_factor=3)
    put("line_50mb_no_newline.hl7", _hl7_msg(1) + "\rOBX|2|TX|R||" + "z" * big, 1, timeout_factor=3)
    put("one_message_many_segments.hl7", _hl7_msg(1) + "".join(f"\rOBX|{i}|TX|R||line {i}"
                                                                for i in range(2, size["segments"])), 1,
        timeout_factor=3)
    tiny = size["tiny"]
    put("tiny_rows.csv", "x\n" + "1\n" * tiny, tiny, timeout_factor=6)
    put("tiny_rows.jsonl", "{}\n" * tiny, tiny, timeout_factor=6)
    put("empty.csv", b"", 0)
    put("header_only.csv", ",".join(CSV_HEADER) + "\n", 0)
    put("blank_lines.jsonl", "\n\n  \n\t\n", 0)
    # archives: truncated, corrupt, a zip bomb (export formats never come zipped: refused with a reason or read)
    gz = gzip.compress(_csv_rows(50, "GZ").encode())
    put("truncated.csv.gz", gz[: len(gz) // 2], 50, may_refuse=True)
    put("corrupt.jsonl.gz", b"\x1f\x8b\x08\x00" + os.urandom(64), 1, may_refuse=True)
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("reports.jsonl", _jsonl_rows(50, "ZP"))
    zdata = zbuf.getvalue()
    put("truncated.zip", zdata[: len(zdata) // 2], 50, may_refuse=True)
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z, \
            z.open("bomb.csv", "w", force_zip64=True) as member:
        member.write((",".join(CSV_HEADER) + "\n").encode())
        block = b"0" * (1 << 20)
        for _ in range(size["zip_bomb_mb"]):  # 2 GB of zeros in a few MB
            member.write(block)
    put("zip_bomb.zip", zbuf.getvalue(), 1, may_refuse=True, must_refuse=True, timeout_factor=2)
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("../../etc/escape.jsonl", _jsonl_rows(3, "ZSL"))
    put("zip_slip.zip", zbuf.getvalue(), 3, may_refuse=True, must_refuse=True)
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a/reports.jsonl", _jsonl_rows(7, "ZOK"))
        z.writestr("b/ris.csv", _csv_rows(5, "ZOC"))
        z.writestr("c/feed.hl7", "\n".join(_hl7_msg(i) for i in range(4)))
    put("good_archive.zip", zbuf.getvalue(), 16)
    put("good_export.csv.gz", gzip.compress(_csv_rows(20, "GZOK").encode()), 20)
    bomb = io.BytesIO()
    with gzip.GzipFile(fileobj=bomb, mode="wb", compresslevel=9) as g:
        g.write(b"{}\n")
        for _ in range(size["gz_bomb_mb"]):
            g.write(b"\n" * (1 << 20))
    put("gzip_bomb.jsonl.gz", bomb.getvalue(), 1, may_refuse=True, must_refuse=True, timeout_factor=2)
    # HL7 structure
    put("hl7_wrong_field_sep.hl7", "\n".join(_hl7_msg(i, fs="#") for i in range(3)).replace("MSH#", "MSH|") + "\n", 3)
    put("hl7_alt_separators.hl7", "\n".join(_hl7_msg(i, fs="#") for i in range(3)) + "\n", 3)
    put("hl7_pipe_segments.hl7", "\n".join(_hl7_msg(i, seg="|") for i in range(3)) + "\n", 3)
    put("hl7_missing_segments.hl7", "\n".join([_hl7_msg(1, pid=False), _hl7_msg(2, obr=False), _hl7_msg(3, obx=False),
                                               "MSH|^~\\&", "PID|1||X", "OBX|1|TX|R||orphan"]) + "\n", 4)
    put("hl7_no_msh.hl7", "PID|1||M1\rOBR|1|A1|A1|CT^CHEST|||20150304\rOBX|1|TX|R||text\n", 1)
    put("hl7_mllp.hl7", "".join("\x0b" + _hl7_msg(i) + "\x1c\r" for i in range(3)), 3)
    # ids and dates
    put("duplicate_ids.jsonl", _jsonl_rows(3, "D1") + _jsonl_rows(3, "D1"), 6)
    put("missing_ids.csv", _csv_rows(4, "M0", AccessionNumber="", MRN=""), 4)
    put("missing_id_keys.jsonl", "".join(json.dumps({"text": "FINDINGS: x", "exam_datetime": "2015-01-01"}) + "\n"
                                         for _ in range(4)), 4)
    put("dates_future_and_pre1900.jsonl", "".join(_jsonl_rows(1, f"DT{d[:4]}", exam_datetime=d) for d in
                                                 ["2999-01-01", "1850-06-01", "1899-12-31T23:59:59", "0001-01-01",
                                                  "9999-12-31T23:59:59-14:00", "1900-01-01"]), 6)
    put("hl7_dates.hl7", "\n".join(_hl7_msg(i, exam=e) for i, e in enumerate(["29990101", "18500101", "0", ""])), 4)
    # JSON oddities
    put("deep_nesting.jsonl", '{"id": "DN", "text": ' + "[" * 100_000 + "]" * 100_000 + "}\n" + _jsonl_rows(2, "DN"), 3)
    put("lone_surrogates.jsonl", '{"id": "LS", "accession": "A", "mrn": "M", "exam_datetime": "2015-01-01", '
        '"text": "FINDINGS: \\ud800 bad"}\n' + _jsonl_rows(2, "LS"), 3)
    put("huge_int.jsonl", '{"id": "HI", "version": ' + "9" * 10_000 + "}\n" + _jsonl_rows(1, "HI"), 2)
    put("not_objects.jsonl", '[1, 2]\n"text"\n42\nnull\ntrue\n', 5)
    # Parquet: strings that are not UTF-8 (Parquet does not check), odd column types, a damaged row group
    import pyarrow as pa
    import pyarrow.parquet as pq

    def parquet(name: str, table: object, rows: int, damage: bool = False, **kw: object) -> None:
        p = root / name
        pq.write_table(table, p, row_group_size=1000)
        if damage:  # flip bytes inside the second row group's text pages: pyarrow fails half-way through
            data = bytearray(p.read_bytes())
            off = pq.ParquetFile(p).metadata.row_group(1).column(3).data_page_offset
            for k in range(off + 20, off + 200):
                data[k] ^= 0x5A
            p.write_bytes(bytes(data))
        items.append(Handmade(name, [p], rows, **kw))  # type: ignore[arg-type]

    raw_text = pa.array([b"FINDINGS: ok", b"\xff\xfe not utf-8"], type=pa.binary())
    parquet("parquet_bad_utf8.parquet", pa.table({
        "accession": ["PQ1", "PQ2"], "mrn": ["M1", "M2"], "exam_datetime": ["2015-01-01", "2015-01-01"],
        "text": pa.Array.from_buffers(pa.string(), len(raw_text), raw_text.buffers())}), 2)
    parquet("parquet_odd_types.parquet", pa.table({
        "accession": pa.array([b"PQB1", b"PQB2", None]), "mrn": [1, 2, 3],
        "exam_datetime": pa.array([10**18, 0, None], type=pa.timestamp("us")), "text": pa.array([[1, 2], None, [3]]),
        "version": [1.5, float("nan"), 2.0], "nothing": pa.array([None, None, None], type=pa.null())}), 3)
    parquet("parquet_no_rows.parquet", pa.table({"accession": pa.array([], type=pa.string())}), 0)
    n_pq = 3000
    parquet("parquet_damaged_row_group.parquet", pa.table({
        "accession": [f"PD{i}" for i in range(n_pq)], "mrn": [f"M{i}" for i in range(n_pq)],
        "exam_datetime": ["2015-01-01"] * n_pq, "text": [f"FINDINGS: row {i} " + "abc" * 50 for i in range(n_pq)]}),
        n_pq, damage=True, may_refuse=True, must_refuse=True)
    put("parquet_truncated.parquet", (root / "parquet_bad_utf8.parquet").read_bytes()[:-40], 2, may_refuse=True,
        must_refuse=True)
    parquet("parquet_big_field.parquet", pa.table({"accession": ["PBF"], "mrn": ["M"], "exam_datetime": ["2015"],
                                                   "text": ["w" * size["big"]]}), 1)

    # names and links
    landing = root / "names"
    landing.mkdir()
    for k, nm in enumerate(["..\\..\\evil.csv", "...jsonl", "-rf.jsonl", "name\nwith newline.jsonl",
                            "x;rm -rf ~.jsonl", " .jsonl", "über é.jsonl"]):
        (landing / nm).write_text(_csv_rows(1, f"NM{k}x") if nm.endswith(".csv") else _jsonl_rows(1, f"NM{k}x"))
    items.append(Handmade("odd_file_names/", [landing], 5))  # dot files (uploads in progress) are not walked
    dotdot = root / "dotdot" / "sub"
    dotdot.mkdir(parents=True)
    (root / "dotdot" / "up.jsonl").write_text(_jsonl_rows(2, "UP"))
    items.append(Handmade("path_with_dotdot", [dotdot / ".." / "up.jsonl"], 2))
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.jsonl").write_text(_jsonl_rows(3, "SECRET"))
    links = root / "links"
    links.mkdir()
    (links / "ok.jsonl").write_text(_jsonl_rows(2, "LK"))
    os.symlink(outside / "secret.jsonl", links / "escape.jsonl")
    os.symlink(links / "ok.jsonl", links / "inside_link.jsonl")  # a link inside the folder is fine
    os.symlink("/etc/passwd", links / "passwd.csv")
    os.symlink(outside, links / "outside_dir")  # a linked folder is not walked
    os.symlink(links / "missing.jsonl", links / "dangling.jsonl")
    items.append(Handmade("symlinks_out_of_landing/", [links], 2 + 2 + 3 + 1, may_refuse=True,
                          not_in_raw=["SECRETA0", "root"]))
    fifo_dir = root / "fifo"
    fifo_dir.mkdir()
    os.mkfifo(fifo_dir / "pipe.jsonl")
    items.append(Handmade("fifo.jsonl", [fifo_dir / "pipe.jsonl"], 0, may_refuse=True, must_refuse=True))
    return items


def run_handmade(item: Handmade, work: Path, timeout_s: float, tally: Tally, idx: int) -> dict:
    home = work / f"hm{idx}"
    env = child_env(home, item.env)
    init = run_child([sys.executable, "-m", "radforge.cli", "init"], env, timeout_s, REPO)
    if init.rc != 0:
        tally.finding(f"{item.name}: site init failed")
    res = run_child([sys.executable, "-m", "radforge.cli", "ingest", *map(str, item.paths), "--json"], env,
                    timeout_s * item.timeout_factor, REPO)
    return _judge_cli(item.name, item, res, home, tally, item.rows)


def _judge_cli(name: str, item: Handmade, res: ChildResult, home: Path, tally: Tally, rows: int) -> dict:
    tally.rss(res.max_rss_mb, name)
    tally.files += 1
    if res.timed_out:
        tally.hangs += 1
        tally.rows_unaccounted += rows
        tally.finding(f"{name}: hang (> {res.seconds:.0f}s)")
        return {}
    summary = None
    try:
        summary = json.loads(res.stdout.strip().splitlines()[-1]) if res.stdout.strip() else None
    except json.JSONDecodeError:
        summary = None
    tb = "Traceback" in res.stderr
    if tb or res.rc not in (0, 1) or (res.rc == 1 and summary is None and not _one_line_error(res.stderr)):
        tally.crashes += 1
        tally.rows_unaccounted += rows
        tally.finding(f"{name}: crash rc={res.rc} {_last_line(res.stderr)}")
        return {}
    if summary is None:  # a clean one-line refusal of the whole command (nothing recorded per file)
        tally.files_refused += 1
        if not item.may_refuse:
            tally.rows_unaccounted += rows
            tally.finding(f"{name}: refused without cause: {_last_line(res.stderr)}")
        elif rows:
            tally.rows_unaccounted += rows
            tally.finding(f"{name}: refused with no reason recorded: {_last_line(res.stderr)}")
        return {}
    judge_summary(name, item, summary, home, tally, rows)
    return summary


def judge_summary(name: str, item: Handmade, summary: dict, home: Path, tally: Tally, rows: int) -> None:
    """Account one hand-made item from its ingest summary (IngestSummary.to_dict()) and its site's zones."""
    refused_at = refusals(home)
    accounted = 0
    refused_files = [f for f in summary["files"] if f["status"] == "refused"]
    for f in summary["files"]:
        if f["status"] == "refused":
            tally.files_refused += 1
            recorded = f["file_key"] in refused_at
            if not item.may_refuse or not recorded:
                tally.finding(f"{name}: {Path(f['source_file']).name} refused ({f['reasons']}), "
                              f"{'unexpected' if recorded else 'no reason recorded'}")
                continue
            accounted += _rows_of(Path(f["source_file"]), rows)
        else:
            accounted += f["rows_written"] + f["rows_quarantined"]
            tally.rows_raw += f["rows_written"]
            tally.rows_quarantined += f["rows_quarantined"]
            tally.rows_in += f["rows_in"]
    if item.must_refuse and not refused_files:
        tally.escapes += 1
        tally.finding(f"{name}: should have been refused")
    gap = max(0, rows - accounted)
    if gap:
        tally.rows_unaccounted += gap
        tally.finding(f"{name}: {gap} of {rows} row(s) unaccounted")
    if item.not_in_raw:
        import polars as pl

        raw_files = sorted((home / "raw").glob("batch=*/part-*.parquet"))
        if raw_files:
            raw = pl.read_parquet(raw_files)
            blob = "\n".join(str(v) for v in raw.select("accession", "mrn", "text").to_dicts())
            for bad in item.not_in_raw:
                if bad in blob:
                    tally.escapes += 1
                    tally.finding(f"{name}: content from outside the landing folder reached the raw zone")
    ok, off = reconcile_site(home)
    if not ok:
        tally.rows_unaccounted += off
        tally.finding(f"{name}: reconcile failed ({off} rows off)")


def _rows_of(path: Path, default: int) -> int:
    """Rows a refused file held (for accounting); the hand-made item's count when it cannot be told."""
    name = path.name
    return {"escape.jsonl": 3, "passwd.csv": 1, "secret.jsonl": 3}.get(name, default)


def _one_line_error(stderr: str) -> bool:
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip() and " INFO " not in ln and " WARNING " not in ln]
    return 0 < len(lines) <= 2 and "Traceback" not in stderr


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:200] if lines else ""


def run_changing_file(work: Path, timeout_s: float, tally: Tally, idx: int) -> None:
    """An export still being written while ingest reads it: refused or consistent, never a mix."""
    home = work / f"hm{idx}"
    landing = work / "changing"
    landing.mkdir(parents=True, exist_ok=True)
    path = landing / "growing.jsonl"
    path.write_text(_jsonl_rows(20_000, "GR"))
    before = path.read_bytes()
    env = child_env(home, {"RADFORGE_WAREHOUSE__CHUNK_ROWS": "500"})
    run_child([sys.executable, "-m", "radforge.cli", "init"], env, timeout_s, REPO)
    stop = threading.Event()

    def grow() -> None:  # append rows as soon as ingest has committed its first chunk
        deadline = time.monotonic() + timeout_s
        while not stop.is_set() and time.monotonic() < deadline:
            if any((home / "raw").glob("batch=*/part-*.parquet")):
                with open(path, "a", encoding="utf-8") as fh:
                    fh.write(_jsonl_rows(300, "GR", start=20_000))
                return
            time.sleep(0.002)

    t = threading.Thread(target=grow)
    t.start()
    first = run_child([sys.executable, "-m", "radforge.cli", "ingest", str(path), "--json"], env, timeout_s, REPO)
    stop.set()
    t.join()
    after = path.read_bytes()
    item = Handmade("file_changing_while_read", [path], 20_300, may_refuse=True)
    tally.handmade_files += 1
    tally.cases += 1
    # consistent means: every 'done' ledger row is exactly the rows of the bytes it names
    import duckdb

    valid = {hashlib.sha256(before).hexdigest(): 20_000, hashlib.sha256(after).hexdigest(): 20_300}
    con = duckdb.connect(str(home / "catalog.duckdb"), read_only=True)
    done = con.execute("SELECT content_hash, rows_in FROM ledger WHERE status = 'done'").fetchall()
    con.close()
    for h, n in done:
        if valid.get(h) != n:
            tally.rows_unaccounted += abs(n - valid.get(h, 0))
            tally.finding(f"file_changing_while_read: ledger says done for bytes that were not read ({n} rows)")
    if first.timed_out or "Traceback" in first.stderr:
        _judge_cli(item.name, item, first, home, tally, 20_300)
        return
    second = run_child([sys.executable, "-m", "radforge.cli", "ingest", str(path), "--json"], env, timeout_s, REPO)
    _judge_cli(item.name, item, second, home, tally, 20_300)
    status = json.loads(first.stdout.strip().splitlines()[-1])["files"][0]["status"] if first.stdout.strip() else "?"
    print(f"  file_changing_while_read: first ingest {status}, then "
          f"{json.loads(second.stdout.strip().splitlines()[-1])['files'][0]['status']}", flush=True)


def run_corpus(args: argparse.Namespace, work: Path, tally: Tally) -> None:
    t0 = time.monotonic()
    corpus_dir = work / "corpus"
    items = build_corpus(corpus_dir, "quick" if args.quick else "full")
    print(f"(b) hand-made corpus: {len(items)} items written in {time.monotonic() - t0:.1f}s", flush=True)
    for i, item in enumerate(items):
        before = (tally.crashes, tally.hangs, tally.rows_unaccounted, tally.escapes)
        t1 = time.monotonic()
        summary = run_handmade(item, work, args.timeout_s, tally, i)
        outcome = ", ".join(sorted({f["status"] + (":" + next(iter(f["reasons"]), "") if f["status"] == "refused"
                                                   else "") for f in summary.get("files", [])}))
        n_files = sum(len(list(p.iterdir())) if p.is_dir() and not p.is_symlink() else 1 for p in item.paths)
        tally.handmade_files += n_files
        tally.cases += n_files
        after = (tally.crashes, tally.hangs, tally.rows_unaccounted, tally.escapes)
        print(f"  {item.name:34s} {time.monotonic() - t1:6.1f}s {'ok' if after == before else 'PROBLEM':8s}"
              f"{summary.get('rows_in', 0):>9} rows  {outcome}", flush=True)
        if not args.keep:
            shutil.rmtree(work / f"hm{i}", ignore_errors=True)
    run_changing_file(work, args.timeout_s, tally, len(items))
    if not args.keep:
        shutil.rmtree(corpus_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Fuzz radforge ingest with generated and hand-made hostile exports. "
                                 "Example: .venv/bin/python bench/fuzz.py --seed 13 --cases 10000")
    ap.add_argument("--seed", type=int, default=13, help="seed for Hypothesis and the file variants (default 13)")
    ap.add_argument("--cases", type=int, default=10_000, help="generated cases (default 10000)")
    ap.add_argument("--timeout-s", type=float, default=120.0, help="per-file hang limit in seconds (default 120)")
    ap.add_argument("--round-cases", type=int, default=2500, help="generated cases per ingest subprocess")
    ap.add_argument("--rows-per-file", type=int, default=100, help="generated cases per export file")
    ap.add_argument("--isolated", type=int, default=300, help="generated cases also run alone, one file each")
    ap.add_argument("--quick", action="store_true", help="smaller hand-made giants (5 MB field, 100k tiny rows)")
    ap.add_argument("--skip-corpus", action="store_true", help="generated cases only")
    ap.add_argument("--skip-generated", action="store_true", help="hand-made corpus only")
    ap.add_argument("--workdir", type=Path, default=None, help="where to write (default: a temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--findings-dir", type=Path, default=Path(tempfile.gettempdir()) / "radforge-fuzz-findings",
                    help="where generated files behind a finding are copied (to replay them)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker_main(args.worker)
        return 0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    t0 = time.monotonic()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="radforge-fuzz-"))
    work.mkdir(parents=True, exist_ok=True)
    tally = Tally(save_dir=args.findings_dir)
    try:
        if not args.skip_generated:
            run_generated(args, work, tally)
        if not args.skip_corpus:
            run_corpus(args, work, tally)
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    result = {"cases": tally.cases, "generated_cases": tally.generated_cases, "handmade_files": tally.handmade_files,
              "files": tally.files, "crashes": tally.crashes, "hangs": tally.hangs,
              "rows_unaccounted": tally.rows_unaccounted, "rows_in": tally.rows_in, "rows_raw": tally.rows_raw,
              "rows_quarantined": tally.rows_quarantined, "files_refused": tally.files_refused,
              "escapes": tally.escapes, "max_rss_mb": round(tally.max_rss_mb, 1), "max_rss_case": tally.max_rss_case,
              "seconds": round(time.monotonic() - t0, 1), "seed": args.seed, "findings": tally.findings}
    print(f"cases={tally.cases} crashes={tally.crashes} hangs={tally.hangs} "
          f"rows_unaccounted={tally.rows_unaccounted} max_rss={tally.max_rss_mb:.0f}MB ({tally.max_rss_case})")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The hash-chained, append-only audit trail (compliance evidence; no PHI in it, ever).

Records are JSON lines in `$RADFORGE_HOME/audit/trail.jsonl`. Each carries `seq`, `ts`,
`prev_hash` and `hash` = sha256 of the canonical JSON (sorted keys, no spaces) of the record
without `hash`. An edit breaks that record's hash; a deletion or reordering breaks the chain;
a truncation at the end is caught by `trail.head`, which holds the last seq and hash and is
rewritten atomically with every append. Appends take an exclusive lock (`trail.lock`, flock)
so several processes append safely, and are fsync'ed before the lock is released.

Callers (de-id, warehouse, ...) pass only ids, keyed hashes, types, offsets and counts.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import os
import signal
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from radforge.errors import RadforgeError
from radforge.faults import crash_hit, crash_point
from radforge.locks import exclusive

GENESIS = "0" * 64
TRAIL = "trail.jsonl"
HEAD = "trail.head"
LOCK = "trail.lock"


class AuditError(RadforgeError):
    """The audit trail cannot be written or read."""


class AuditTampered(AuditError):
    """Verification found an edit, deletion, reordering or truncation."""


def canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str).encode()


def record_hash(record: dict[str, Any]) -> str:
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(canonical(body)).hexdigest()


@dataclass
class VerifyResult:
    ok: bool
    records: int
    first_bad_seq: int | None = None
    problem: str | None = None
    note: str | None = None  # ok, but the trail ends as an interrupted append left it (repaired on the next)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "records": self.records, "first_bad_seq": self.first_bad_seq, "problem": self.problem,
                "note": self.note}


class AuditTrail:
    """One chained trail in a folder (normally the `audit` zone)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / TRAIL
        self.head_path = self.folder / HEAD
        self.lock_path = self.folder / LOCK

    @classmethod
    def for_settings(cls, settings=None) -> AuditTrail:
        from radforge.settings import get_settings

        return cls((settings or get_settings()).zone("audit"))

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with exclusive(self.lock_path):
            yield

    def _drop_torn_tail(self) -> None:
        """Cut an incomplete last record (no newline: its append was killed mid-write; its caller never
        got it back), so the chain stays readable and the next record chains to the last whole one."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        with open(self.path, "rb+") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(size - 1)
            if fh.read(1) == b"\n":
                return
            pos = size
            while pos > 0:
                step = min(pos, 65536)
                fh.seek(pos - step)
                nl = fh.read(step).rfind(b"\n")
                if nl >= 0:
                    pos = pos - step + nl + 1
                    break
                pos -= step
            fh.truncate(pos)
            os.fsync(fh.fileno())

    def _tail(self) -> tuple[int, str]:
        """(next seq, hash of the last record) read from the end of the file."""
        self._drop_torn_tail()
        if not self.path.exists() or self.path.stat().st_size == 0:
            return 0, GENESIS
        with open(self.path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            block = min(size, 65536)
            while True:
                fh.seek(size - block)
                chunk = fh.read(block)
                lines = chunk.rstrip(b"\n").split(b"\n")
                if len(lines) > 1 or block == size:
                    last = lines[-1]
                    break
                block = min(size, block * 4)
        try:
            rec = json.loads(last)
            return int(rec["seq"]) + 1, str(rec["hash"])
        except (ValueError, KeyError) as exc:
            raise AuditError(f"audit trail {self.path} ends with a damaged record; "
                             "run `radforge audit verify`") from exc

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        return self.append_many([record])[0]

    def append_many(self, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Append records under one lock and one fsync; returns them with seq/ts/prev_hash/hash."""
        records = list(records)
        if not records:
            return []
        out = []
        with self._locked():
            seq, prev = self._tail()
            if seq == 0 and not self.head_path.exists():  # a new trail: its head exists before its first record
                self._write_head(-1, GENESIS)
            lines = []
            now = datetime.now(UTC).isoformat(timespec="microseconds")
            for rec in records:
                full = {k: v for k, v in rec.items() if k not in ("seq", "prev_hash", "hash")}
                full.setdefault("ts", now)
                full["seq"] = seq
                full["prev_hash"] = prev
                full["hash"] = record_hash(full)
                lines.append(canonical(full) + b"\n")
                out.append(full)
                prev = full["hash"]
                seq += 1
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                data = b"".join(lines)
                if crash_hit("audit:torn_append"):  # a write cut short by SIGKILL (a torn record)
                    os.write(fd, data[: max(1, len(data) // 2)])
                    os.kill(os.getpid(), signal.SIGKILL)
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            crash_point("audit:mid_append")  # records written, head not yet moved
            self._write_head(seq - 1, prev)
        return out

    def _write_head(self, seq: int, last_hash: str) -> None:
        tmp = self.head_path.with_suffix(".head.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, json.dumps({"seq": seq, "hash": last_hash}).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.head_path)

    def records(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)

    def verify(self) -> VerifyResult:
        """Walk the chain; the first broken record (by seq) is named."""
        expected_seq, prev = 0, GENESIS
        count = 0
        head = None
        if self.head_path.exists():
            try:
                head = json.loads(self.head_path.read_text())
            except ValueError:
                return VerifyResult(False, count, None, "trail.head is unreadable")
        head_seq = head.get("seq") if isinstance(head, dict) else None
        note = None
        head_at = (-1, GENESIS) if head_seq == -1 else None  # (seq, hash) of the record the head names
        if self.path.exists():
            with open(self.path, encoding="utf-8") as fh:
                for lineno, line in enumerate(fh):
                    if not line.endswith("\n") and head_at is not None:
                        # The signature of an append killed mid-write: an incomplete last record after the
                        # record the head names. Not tampering; the next append cuts it (_drop_torn_tail).
                        note = f"incomplete record after seq {expected_seq - 1} (an interrupted append)"
                        break
                    if not line.strip():
                        return VerifyResult(False, count, expected_seq, f"blank line at line {lineno + 1}")
                    try:
                        rec = json.loads(line)
                    except ValueError:
                        return VerifyResult(False, count, expected_seq, f"unreadable record at line {lineno + 1}")
                    seq = rec.get("seq")
                    if seq != expected_seq:
                        return VerifyResult(False, count, expected_seq,
                                            f"record {expected_seq} missing or out of order (found seq {seq})")
                    if rec.get("prev_hash") != prev:
                        return VerifyResult(False, count, seq, f"record {seq} does not chain to record {seq - 1}")
                    if record_hash(rec) != rec.get("hash"):
                        return VerifyResult(False, count, seq, f"record {seq} was modified (hash mismatch)")
                    prev = rec["hash"]
                    if seq == head_seq:
                        head_at = (seq, prev)
                    expected_seq += 1
                    count += 1
        if head is None:
            if count:
                return VerifyResult(False, count, None, "trail.head is missing")
            return VerifyResult(True, 0, note=note)
        if head.get("seq") == expected_seq - 1 and head.get("hash") == prev:
            return VerifyResult(True, count, note=note)
        if head_at is not None and head_at[1] == head.get("hash"):
            # Whole records after the head, chained: an append killed after its write, before the head moved
            # (the next append moves it). A truncation leaves the head *ahead* of the file, which stays an error.
            return VerifyResult(True, count, note=f"records {head_seq + 1}..{expected_seq - 1} after the head "
                                                  "(an interrupted append)")
        return VerifyResult(False, count, expected_seq,
                            f"trail truncated or head changed: head says last record {head.get('seq')}, "
                            f"file ends at {expected_seq - 1}")


# --- the monthly report for an auditor ----------------------------------------------------------

def month_summary(trail: AuditTrail, month: str) -> dict[str, Any]:
    """Volumes, entity counts by type, dispositions, quarantine reasons, residual rate, engine versions."""
    try:
        datetime.strptime(month, "%Y-%m")
    except ValueError as exc:
        raise AuditError(f"month must be YYYY-MM, got {month!r}") from exc
    kinds: Counter[str] = Counter()
    entities: Counter[str] = Counter()
    dispositions: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    engines: Counter[str] = Counter()
    configs: Counter[str] = Counter()
    residual_checked = residual_hits = repeated = 0
    days: Counter[str] = Counter()
    seen: set[tuple] = set()
    for rec in trail.records():
        if not str(rec.get("ts", "")).startswith(month):
            continue
        kinds[rec.get("kind", "?")] += 1
        days[str(rec["ts"])[:10]] += 1
        if rec.get("kind") != "deid.report":
            continue
        # A partition redone after a crash or retry de-identifies the same input again with the same engine:
        # the chain keeps both records (it is append-only), the volumes count the report once.
        same = (rec.get("report_key"), rec.get("input_hash"), rec.get("config_hash"), rec.get("engine_version"),
                rec.get("mode"), rec.get("disposition"))
        if same in seen:
            repeated += 1
            continue
        seen.add(same)
        entities.update(rec.get("counts", {}))
        dispositions[rec.get("disposition", "?")] += 1
        if rec.get("reason"):
            reasons[rec["reason"]] += 1
        engines[rec.get("engine_version", "?")] += 1
        configs[rec.get("config_hash", "?")] += 1
        if rec.get("residual") is not None:
            residual_checked += 1
            if rec["residual"]:
                residual_hits += 1
    reports = sum(dispositions.values())
    return {
        "month": month, "records": sum(kinds.values()), "kinds": dict(kinds), "reports": reports,
        "repeated_reports": repeated,
        "dispositions": dict(dispositions), "quarantine_reasons": dict(reasons), "entities": dict(entities),
        "residual_checked": residual_checked, "residual_hits": residual_hits,
        "residual_rate": residual_hits / residual_checked if residual_checked else 0.0,
        "engine_versions": dict(engines), "config_hashes": dict(configs), "per_day": dict(sorted(days.items())),
        "chain": trail.verify().as_dict(),
    }


def write_month_report(trail: AuditTrail, month: str, out: Path) -> dict[str, Path]:
    """Write audit-YYYY-MM.html and audit-YYYY-MM.csv into `out`."""
    summary = month_summary(trail, month)
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / f"audit-{month}.csv"
    html_path = out / f"audit-{month}.html"
    rows: list[tuple[str, str, Any]] = [("summary", "records", summary["records"]),
                                       ("summary", "reports", summary["reports"]),
                                       ("summary", "repeated_reports", summary["repeated_reports"]),
                                       ("summary", "residual_checked", summary["residual_checked"]),
                                       ("summary", "residual_hits", summary["residual_hits"]),
                                       ("summary", "residual_rate", f"{summary['residual_rate']:.6f}"),
                                       ("chain", "ok", summary["chain"]["ok"])]
    for section in ("dispositions", "quarantine_reasons", "entities", "engine_versions", "config_hashes", "kinds",
                    "per_day"):
        rows += [(section, k, v) for k, v in sorted(summary[section].items())]
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["section", "key", "value"])
        writer.writerows(rows)
    e = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>radforge audit {e(month)}</title>",
             "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}"
             "td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}.bad{color:#b00}.ok{color:#070}</style>",
             f"</head><body><h1>De-identification audit — {e(month)}</h1>",
             f"<p>Chain integrity: <b class='{'ok' if summary['chain']['ok'] else 'bad'}'>"
             f"{'verified' if summary['chain']['ok'] else 'BROKEN: ' + e(str(summary['chain']['problem']))}</b> "
             f"({summary['chain']['records']} records in the trail)</p>",
             f"<p>Reports processed: <b>{summary['reports']}</b>; residual check run on {summary['residual_checked']}, "
             f"hits {summary['residual_hits']} (rate {summary['residual_rate']:.4%}). Identical repeats "
             f"(a partition redone after a crash or retry, counted once above): {summary['repeated_reports']}.</p>"]
    titles = {"dispositions": "Dispositions", "quarantine_reasons": "Quarantine reasons",
              "entities": "Entities removed, by type", "engine_versions": "Engine versions",
              "config_hashes": "Configuration hashes", "kinds": "Record kinds", "per_day": "Records per day"}
    for key, title in titles.items():
        parts.append(f"<h2>{title}</h2><table><tr><th>key</th><th>count</th></tr>")
        parts += [f"<tr><td>{e(str(k))}</td><td>{v}</td></tr>" for k, v in sorted(summary[key].items())]
        parts.append("</table>")
    parts.append("<p>This report holds counts, types and keyed hashes only; no protected health information.</p>"
                 "</body></html>")
    html_path.write_text("".join(parts), encoding="utf-8")
    return {"html": html_path, "csv": csv_path}

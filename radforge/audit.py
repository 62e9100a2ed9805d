"""The keyed, chained, append-only audit trail (compliance evidence; no PHI in it, ever).

Records are JSON lines in `$RADFORGE_HOME/audit/trail.jsonl`. Each carries `seq`, `ts`, `prev_hash`,
`key_fp` (the audit key's fingerprint, never the key) and `hash` = HMAC-SHA256 under the audit key of the
canonical JSON (sorted keys, no spaces) of the record without `hash` (radforge/audit_keys.py). An edit
breaks that record's MAC; a deletion or reordering breaks the chain; a truncation at the end is caught by
`trail.head` (last seq and hash, MACed, rewritten atomically with every append); a whole trail rewritten
and re-chained by someone without the key fails every MAC. Whoever holds the key could still rewrite it:
the monthly anchors the compliance officer keeps off the server catch that (radforge/audit_anchors.py).

Key changes go through `rotate_key`: a record signed with the old key names the new key's fingerprint,
and every later record must be signed with that key. Appends take an exclusive lock (`trail.lock`,
flock) so several processes append safely, and are fsync'ed before the lock is released.

Trails written before audit keys (plain SHA-256 `hash`, no `key_fp`) are kept as they are — rewriting
them would destroy the evidence — and sealed: the first keyed append (or `radforge init`) writes an
`audit.keyed` record, MACed, that chains to the last legacy record and states how many there were. From
then on, the legacy prefix cannot change without breaking that MAC, and no unsigned record is accepted
after it. A trail with no signed record at all never verifies once the site has a key.

Callers (de-id, warehouse, ...) pass only ids, keyed hashes, types, offsets and counts.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import os
import secrets
import signal
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from radforge.audit_anchors import Anchor, check_anchor, month_anchor
from radforge.audit_keys import AuditKeyError, AuditKeyring, head_mac, record_mac
from radforge.errors import RadforgeError
from radforge.faults import crash_hit, crash_point
from radforge.locks import exclusive
from radforge.secret import SECRET_BYTES, audit_key_fingerprint

if TYPE_CHECKING:
    from radforge.settings import Settings

GENESIS = "0" * 64
TRAIL = "trail.jsonl"
HEAD = "trail.head"
LOCK = "trail.lock"
SEAL = "audit.keyed"  # the first keyed record after a legacy (plain-hash) prefix
ROTATION = "audit.key_rotation"  # signed with the old key, names the new key's fingerprint
RESERVED = {SEAL, ROTATION}
TRAIL_FIELDS = ("seq", "prev_hash", "hash", "key_fp")


class AuditError(RadforgeError):
    """The audit trail cannot be written or read."""


class AuditTampered(AuditError):
    """Verification found an edit, deletion, reordering, truncation or a record not made with the audit key."""


def canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str).encode()


def _body(record: dict[str, Any]) -> bytes:
    return canonical({k: v for k, v in record.items() if k != "hash"})


def record_hash(record: dict[str, Any]) -> str:
    """The legacy scheme: plain SHA-256 of the record without `hash` (anyone can recompute it)."""
    return hashlib.sha256(_body(record)).hexdigest()


def expected_fp(last: dict[str, Any] | None) -> str | None:
    """The key fingerprint the next record must carry, by the chain; None before any keyed record."""
    if not last or "key_fp" not in last:
        return None
    return str(last["new_key_fp"]) if last.get("kind") == ROTATION else str(last["key_fp"])


@dataclass
class VerifyResult:
    ok: bool
    records: int
    first_bad_seq: int | None = None
    problem: str | None = None
    note: str | None = None  # ok, but the trail ends as an interrupted append left it (repaired on the next)
    legacy_records: int = 0  # plain-hash records before the seal (written before audit keys)
    key_fingerprints: list[str] = field(default_factory=list)  # keys the trail is signed with, in order
    anchors_checked: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "records": self.records, "first_bad_seq": self.first_bad_seq, "problem": self.problem,
                "note": self.note, "legacy_records": self.legacy_records, "key_fingerprints": self.key_fingerprints,
                "anchors_checked": self.anchors_checked}


class _Bad(Exception):
    """Internal: the walk stops at the first bad record."""

    def __init__(self, seq: int | None, problem: str) -> None:
        super().__init__(problem)
        self.seq, self.problem = seq, problem


class _Walk:
    """State of one verification walk: the chain, the keys, the legacy prefix, the anchored hashes."""

    def __init__(self, keys: dict[str, bytes], key_path: Path, wanted: set[int]) -> None:
        self.keys, self.key_path, self.wanted = keys, key_path, wanted
        self.expected_seq, self.prev, self.count = 0, GENESIS, 0
        self.legacy = self.keyed = 0
        self.fp: str | None = None
        self.fps: list[str] = []
        self.hash_at: dict[int, str] = {}

    def record(self, rec: dict[str, Any]) -> None:
        seq = rec.get("seq")
        if seq != self.expected_seq:
            raise _Bad(self.expected_seq, f"record {self.expected_seq} missing or out of order (found seq {seq})")
        if rec.get("prev_hash") != self.prev:
            raise _Bad(seq, f"record {seq} does not chain to record {seq - 1}")
        if "key_fp" in rec:
            self._keyed(seq, rec)
        elif self.keyed:
            raise _Bad(seq, f"record {seq} is not signed with the audit key (written without it)")
        elif record_hash(rec) != rec.get("hash"):
            raise _Bad(seq, f"record {seq} was modified (hash mismatch)")
        else:
            self.legacy += 1
        self.prev = rec["hash"]
        if seq in self.wanted:
            self.hash_at[seq] = self.prev
        self.expected_seq += 1
        self.count += 1

    def _keyed(self, seq: int, rec: dict[str, Any]) -> None:
        fp = str(rec["key_fp"])
        if self.fp is not None and fp != self.fp:
            raise _Bad(seq, f"record {seq} is signed with audit key {fp} but the chain expects key {self.fp} "
                            "(keys change only through `radforge audit rotate-key`)")
        key = self.keys.get(fp)
        if key is None:
            where = f"the keyring {self.key_path.parent}" if self.keys else f"{self.key_path} (missing)"
            raise _Bad(seq, f"record {seq} is signed with audit key {fp}, which is not in {where}: restore the "
                            "audit key files from the key escrow")
        if record_mac(key, _body(rec)) != rec.get("hash"):
            raise _Bad(seq, f"record {seq} was modified or written without the audit key (MAC mismatch)")
        seals = (rec.get("kind"), rec.get("legacy_records"), rec.get("legacy_last_hash")) == (SEAL, seq, self.prev)
        if not self.keyed and self.legacy and not seals:
            raise _Bad(seq, f"record {seq} is the first signed record but does not seal the {self.legacy} unsigned "
                            "records before it")
        self.fp = str(rec["new_key_fp"]) if rec.get("kind") == ROTATION else fp
        if fp not in self.fps:
            self.fps.append(fp)
        self.keyed += 1


class AuditTrail:
    """One keyed chain in a folder (normally the `audit` zone).

    `keys` is the audit keyring; without it, the site's (from settings) is used when first needed, so a
    copy of the site's trail in another folder verifies with the site's keys.
    """

    def __init__(self, folder: Path, keys: AuditKeyring | None = None) -> None:
        self.folder = Path(folder)
        self.path = self.folder / TRAIL
        self.head_path = self.folder / HEAD
        self.lock_path = self.folder / LOCK
        self._keys = keys

    @classmethod
    def for_settings(cls, settings: Settings | None = None) -> AuditTrail:
        from radforge.settings import get_settings

        settings = settings or get_settings()
        return cls(settings.zone("audit"), AuditKeyring.for_settings(settings))

    @property
    def keyring(self) -> AuditKeyring:
        if self._keys is None:
            from radforge.settings import get_settings

            self._keys = AuditKeyring.for_settings(get_settings())
        return self._keys

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

    def last_record(self) -> dict[str, Any] | None:
        """The last whole record (read from the end of the file; an incomplete last line is skipped)."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return None
        with open(self.path, "rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            block = min(size, 65536)
            while True:
                fh.seek(size - block)
                lines = fh.read(block).split(b"\n")
                whole = lines[:-1]  # the part after the last newline is empty or a torn record
                if (block == size and whole) or len(whole) > 1:
                    last = whole[-1]
                    break
                if block == size:
                    return None
                block = min(size, block * 4)
        try:
            return json.loads(last)
        except ValueError as exc:
            raise AuditError(f"audit trail {self.path} ends with a damaged record; "
                             "run `radforge audit verify`") from exc

    def _tail(self) -> tuple[int, str, dict[str, Any] | None]:
        """(next seq, hash of the last record, the last record); cuts a torn last record first."""
        self._drop_torn_tail()
        last = self.last_record()
        if last is None:
            return 0, GENESIS, None
        try:
            return int(last["seq"]) + 1, str(last["hash"]), last
        except (KeyError, TypeError, ValueError) as exc:
            raise AuditError(f"audit trail {self.path} ends with a damaged record; "
                             "run `radforge audit verify`") from exc

    def _next_key(self, last: dict[str, Any] | None) -> tuple[str, bytes, bool]:
        """(fingerprint, key, finish a rotation) for the next record: the current key file, which must be the key
        the chain expects — except right after a rotation record whose key file swap was interrupted."""
        fp, key = self.keyring.current()
        want = expected_fp(last)
        if want is None or want == fp:
            return fp, key, False
        new = self.keyring.get(want)
        if last and last.get("kind") == ROTATION and last.get("key_fp") == fp and new is not None:
            return want, new, True
        raise AuditKeyError(
            f"audit key {self.keyring.key_path} (fingerprint {fp}) is not the key this trail is signed with "
            f"(fingerprint {want}): restore that key file from the key escrow; change audit keys only through "
            "`radforge audit rotate-key`")

    def _signer(self, last: dict[str, Any] | None) -> tuple[str, bytes]:
        fp, key, finish = self._next_key(last)
        if finish:
            self.keyring.install_current(key)  # the rotation's record is written; its key file swap was not
        return fp, key

    def check_key(self) -> str:
        """The fingerprint the next record will be signed with (changes nothing); AuditKeyError when none can be."""
        return self._next_key(self.last_record())[0]

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        return self.append_many([record])[0]

    def append_many(self, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Append records under one lock and one fsync; returns them with seq/ts/prev_hash/key_fp/hash."""
        records = list(records)
        if not records:
            return []
        for rec in records:
            if rec.get("kind") in RESERVED:
                raise AuditError(f"record kind {rec['kind']!r} is written only by the audit trail itself")
        with self._locked():
            written = self._append_locked(records)
        return written[len(written) - len(records):]

    def seal(self) -> int:
        """Seal a legacy (plain-hash) trail with its `audit.keyed` record now; returns how many records it sealed."""
        with self._locked():
            written = self._append_locked([])
        return int(written[0]["legacy_records"]) if written else 0

    def _append_locked(self, records: list[dict[str, Any]], tail=None) -> list[dict[str, Any]]:
        seq, prev, last = tail or self._tail()
        fp, key = self._signer(last)
        if seq == 0 and not self.head_path.exists():  # a new trail: its head exists before its first record
            self._write_head(-1, GENESIS, fp, key)
        if last is not None and "key_fp" not in last:
            # A legacy trail: sign a head naming its last record first (so a kill below leaves an interrupted
            # append, never an unsigned head), then seal the prefix.
            self._write_head(seq - 1, prev, fp, key)
            records = [{"kind": SEAL, "legacy_records": seq, "legacy_last_hash": prev}, *records]
        if not records:
            return []
        out, lines = [], []
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        for rec in records:
            full = {k: v for k, v in rec.items() if k not in TRAIL_FIELDS}
            full.setdefault("ts", now)
            full["seq"], full["prev_hash"], full["key_fp"] = seq, prev, fp
            full["hash"] = record_mac(key, _body(full))
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
        self._write_head(seq - 1, prev, fp, key)
        return out

    def rotate_key(self, new_key: bytes | None = None) -> dict[str, Any]:
        """Change the audit key: file the new key in the keyring, append a record signed with the old key naming
        the new one's fingerprint, then make the new key the current file. Records before stay verifiable (the
        old key stays in the keyring); records after must carry the new fingerprint. A crash after the record
        and before the file swap is finished by the next append."""
        new = new_key if new_key is not None else secrets.token_bytes(SECRET_BYTES)
        new_fp = audit_key_fingerprint(new)
        with self._locked():
            tail = self._tail()
            old_fp, old = self._signer(tail[2])
            if new_fp == old_fp:
                raise AuditKeyError("the new audit key is the current audit key; nothing to rotate")
            self.keyring.add(old)
            self.keyring.add(new)
            rec = self._append_locked([{"kind": ROTATION, "old_key_fp": old_fp, "new_key_fp": new_fp}], tail)[-1]
            crash_point("audit:rotation_before_install")
            self.keyring.install_current(new)
        return {"old_key_fp": old_fp, "new_key_fp": new_fp, "rotation_seq": rec["seq"],
                "keyring": str(self.keyring.folder)}

    def _write_head(self, seq: int, last_hash: str, fp: str, key: bytes) -> None:
        tmp = self.head_path.with_suffix(".head.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            head = {"seq": seq, "hash": last_hash, "key_fp": fp, "mac": head_mac(key, seq, last_hash)}
            os.write(fd, json.dumps(head).encode())
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

    def verify(self, anchors: Iterable[Anchor] = ()) -> VerifyResult:
        """Walk the chain, check every MAC and the head, then the anchors; the first broken record is named."""
        anchors = list(anchors)
        walk = _Walk(self.keyring.keys(), self.keyring.key_path, {a.count - 1 for a in anchors})
        result = self._verify(walk)
        result.legacy_records, result.key_fingerprints = walk.legacy, walk.fps
        if not result.ok:
            return result
        for anchor in anchors:
            problem = check_anchor(anchor, walk.count, walk.hash_at)
            if problem:
                return VerifyResult(False, walk.count, min(anchor.count - 1, walk.count), problem,
                                    legacy_records=walk.legacy, key_fingerprints=walk.fps)
        result.anchors_checked = len(anchors)
        return result

    def _read_head(self) -> dict[str, Any] | None:
        if not self.head_path.exists():
            return None
        head = json.loads(self.head_path.read_text())
        if not isinstance(head, dict):
            raise ValueError("not an object")
        return head

    def _verify(self, walk: _Walk) -> VerifyResult:
        try:
            head = self._read_head()
        except ValueError:
            return VerifyResult(False, 0, None, "trail.head is unreadable")
        head_seq = head.get("seq") if head else None
        note = None
        head_at = (-1, GENESIS) if head_seq == -1 else None  # (seq, hash) of the record the head names
        if self.path.exists():
            with open(self.path, encoding="utf-8") as fh:
                for lineno, line in enumerate(fh):
                    if not line.endswith("\n") and head_at is not None:
                        # The signature of an append killed mid-write: an incomplete last record after the
                        # record the head names. Not tampering; the next append cuts it (_drop_torn_tail).
                        note = f"incomplete record after seq {walk.expected_seq - 1} (an interrupted append)"
                        break
                    if not line.strip():
                        return VerifyResult(False, walk.count, walk.expected_seq, f"blank line at line {lineno + 1}")
                    try:
                        rec = json.loads(line)
                        if not isinstance(rec, dict):
                            raise ValueError("not an object")
                        walk.record(rec)
                    except ValueError:
                        return VerifyResult(False, walk.count, walk.expected_seq,
                                            f"unreadable record at line {lineno + 1}")
                    except _Bad as bad:
                        return VerifyResult(False, walk.count, bad.seq, bad.problem)
                    if rec["seq"] == head_seq:
                        head_at = (head_seq, walk.prev)
        count, last_seq, prev = walk.count, walk.expected_seq - 1, walk.prev
        if count and not walk.keyed:
            return VerifyResult(False, count, 0, "no record is signed with the audit key: the trail was written, or "
                                                 "rewritten, without it (`radforge init` seals a trail written "
                                                 "before audit keys)")
        if head is None:
            if count:
                return VerifyResult(False, count, None, "trail.head is missing")
            return VerifyResult(True, 0, note=note)
        if walk.keyed or "mac" in head:
            key = walk.keys.get(str(head.get("key_fp")))
            if not walk.keys:
                return VerifyResult(False, count, None, f"no audit key at {walk.key_path}: restore it from the key "
                                                        "escrow (a new site gets one from `radforge init`)")
            if key is None or head_mac(key, head_seq, str(head.get("hash"))) != head.get("mac"):
                return VerifyResult(False, count, None, "trail.head is not signed with the audit key (rewritten)")
        if head_seq == last_seq and head.get("hash") == prev:
            return VerifyResult(True, count, note=note)
        if head_at is not None and head_at[1] == head.get("hash"):
            # Whole records after the head, chained: an append killed after its write, before the head moved
            # (the next append moves it). A truncation leaves the head *ahead* of the file, which stays an error.
            return VerifyResult(True, count, note=f"records {head_seq + 1}..{last_seq} after the head "
                                                  "(an interrupted append)")
        return VerifyResult(False, count, walk.expected_seq,
                            f"trail truncated or head changed: head says last record {head_seq}, "
                            f"file ends at {last_seq}")

    def anchor(self, month: str) -> Anchor:
        """This trail's anchor for `month` (its position at the month's end), for the officer to keep."""
        return month_anchor(self.records(), month)


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
        # The officer keeps this line off the server; `radforge audit verify --anchor LINE` checks it later.
        "anchor": trail.anchor(month).as_dict(),
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
                                       ("chain", "ok", summary["chain"]["ok"]),
                                       ("chain", "key_fingerprints", " ".join(summary["chain"]["key_fingerprints"])),
                                       ("anchor", "text", summary["anchor"]["text"]),
                                       ("anchor", "last_hash", summary["anchor"]["last_hash"]),
                                       ("anchor", "count", summary["anchor"]["count"])]
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
             f"({summary['chain']['records']} records in the trail; audit key "
             f"{e(', '.join(summary['chain']['key_fingerprints']) or 'none')})</p>",
             "<h2>Anchor for the compliance officer</h2><p>Keep this line outside the radforge server (print it, "
             "or add it to the anchors file you keep). <code>radforge audit verify --anchor LINE</code> fails if the "
             f"trail no longer holds this record at this position:</p><pre>{e(summary['anchor']['text'])}</pre>"
             f"<p>{summary['anchor']['count']} records up to the end of {e(month)}; last hash "
             f"<code>{e(summary['anchor']['last_hash'])}</code>.</p>",
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

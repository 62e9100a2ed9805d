"""Secret rotation: the only way to change the site secret, an explicit, audited, atomic migration.

Everything the de-identified zone holds is derived from the secret — patient/report/accession keys,
the per-patient date shift, every surrogate — so changing the secret file alone would silently split
each patient in two (old keys, new keys) and break the patient-level splits. The site preflight
refuses a secret whose fingerprint is not the recorded one; this module is the sanctioned path:

1. check: the current secret is the site's (recorded fingerprint), the new one is owner-only, valid
   and different;
2. switch, while holding the catalog's write lock (other writers wait or get CatalogBusy), under a
   journal (`rotation/journal.json`, owner-only): move the de-identified zone, the pairs zone and the
   de-id stage's quarantine (`quarantine/deid/`, and the raw text kept for review in
   `quarantine/deid-review/`) aside, forget the de-id partitions in the catalog (so every raw partition
   is pending again), drop the views over them, record the rotation in `secret_rotations`, install the
   new secret and its fingerprint, COMMIT;
3. append an audit record (counts and the two fingerprints — never a secret), delete what was moved;
4. rebuild (default): de-identify every raw partition again and rebuild the pairs under the new
   secret — the keys are re-derived from the raw values, consistently with dates and surrogates.

A crash during step 2 leaves the journal: the preflight refuses to start and `radforge secret rotate
--recover` puts the old state back (the uncommitted catalog transaction is rolled back by DuckDB
itself), or finishes the rotation when the catalog had already committed it. Snapshots are
immutable: those made before the rotation stay as they are (keyed under the old secret, recorded in
`secret_rotations.snapshots_kept`); retrain from a new snapshot to use the new keys.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from radforge.catalog import writer
from radforge.errors import SecretError
from radforge.secret import check_owner_only, fingerprint, parse_secret, read_secret
from radforge.settings import Settings
from radforge.site import read_state, write_state
from warehouse.faults import crash_point
from warehouse.ledger import ensure_tables

ROTATION_DDL = """CREATE TABLE IF NOT EXISTS secret_rotations (
    rotation_id VARCHAR PRIMARY KEY, old_fingerprint VARCHAR NOT NULL, new_fingerprint VARCHAR NOT NULL,
    partitions_reset BIGINT, deid_rows_retired BIGINT, snapshots_kept VARCHAR[], rotated_at TIMESTAMP)"""
MOVED = (("deid", ("deid",)), ("pairs", ("pairs",)), ("quarantine-deid", ("quarantine", "deid")),
         ("quarantine-deid-review", ("quarantine", "deid-review")))  # deid.quarantine's raw text, keyed report keys
VIEWS = ("deid_reports", "pairs", "rejected_pairs", "snapshot_rows")


class RotationError(SecretError):
    """The rotation cannot start or finish as asked (wrong secret, unsafe file, interrupted rotation)."""


@dataclass
class RotationResult:
    rotation_id: str
    old_fingerprint: str
    new_fingerprint: str
    partitions_reset: int
    deid_rows_retired: int
    snapshots_kept: list[str]
    rebuilt: dict[str, object] = field(default_factory=dict)
    recovered: str | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _folder(settings: Settings) -> Path:
    return settings.root / "rotation"


def _journal(settings: Settings) -> Path:
    return _folder(settings) / "journal.json"


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _source(settings: Settings, parts: tuple[str, ...]) -> Path:
    return settings.root.joinpath(*parts)


def read_new_secret(path: Path, current: bytes) -> bytes:
    if not path.exists():
        raise RotationError(f"new secret file {path} does not exist (make one with: openssl rand -hex 32 > FILE; "
                            "chmod 600 FILE)")
    check_owner_only(path)
    new = parse_secret(path.read_text(), f"new secret {path}")
    if fingerprint(new) == fingerprint(current):
        raise RotationError("the new secret is the current secret; nothing to rotate")
    return new


def rotate_secret(new_secret_file: Path, settings: Settings, rebuild: bool = True) -> RotationResult:
    """Rotate the site secret to the one in `new_secret_file` (see the module docstring)."""
    if _journal(settings).exists():
        raise RotationError(f"an earlier rotation was interrupted ({_journal(settings)}); run "
                            "`radforge secret rotate --recover` first")
    current = read_secret(settings.secret_path)
    old_fp = fingerprint(current)
    recorded = read_state(settings).get("secret_fingerprint")
    if recorded is not None and recorded != old_fp:
        raise RotationError(f"the current secret file (fingerprint {old_fp}) is not the site's recorded secret "
                            f"(fingerprint {recorded}); restore it before rotating")
    new = read_new_secret(Path(new_secret_file), current)
    new_fp = fingerprint(new)
    rotation_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    folder = _folder(settings)
    folder.mkdir(exist_ok=True)
    os.chmod(folder, 0o700)
    retired = folder / rotation_id
    with writer(settings, timeout_s=600) as con:
        ensure_tables(con)
        con.execute(ROTATION_DDL)
        partitions = con.execute("SELECT count(*), coalesce(sum(rows_deid), 0) FROM partitions").fetchone()
        snapshots = [r[0] for r in con.execute("SELECT name FROM snapshots ORDER BY name").fetchall()]
        journal = {"rotation_id": rotation_id, "state": "switching", "old_fingerprint": old_fp,
                   "new_fingerprint": new_fp, "moved": []}
        _write_private(_journal(settings), json.dumps(journal))
        _write_private(folder / "old.key", current.hex() + "\n")  # for --recover only; deleted at the end
        retired.mkdir(mode=0o700)
        for name, parts in MOVED:
            src = _source(settings, parts)
            if src.exists():
                os.replace(src, retired / name)
                journal["moved"].append(name)
                _write_private(_journal(settings), json.dumps(journal))
        settings.zone("deid").mkdir(exist_ok=True)
        settings.zone("pairs").mkdir(exist_ok=True)
        crash_point("rotation:after_move")
        con.execute("DELETE FROM partitions")
        con.execute("DELETE FROM quarantine_reasons WHERE stage = 'deid'")
        for view in VIEWS:
            con.execute(f'DROP VIEW IF EXISTS "{view}"')
        con.execute("INSERT INTO secret_rotations VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [rotation_id, old_fp, new_fp, int(partitions[0]), int(partitions[1]), snapshots,
                     datetime.now(UTC).replace(tzinfo=None)])
        _write_private(settings.secret_path, new.hex() + "\n")
        crash_point("rotation:after_secret")
        state = read_state(settings)
        state["secret_fingerprint"] = new_fp
        state.setdefault("secret_history", []).append({"rotation_id": rotation_id, "from": old_fp, "to": new_fp})
        write_state(settings, state)
        crash_point("rotation:before_commit")
    crash_point("rotation:after_commit")
    result = RotationResult(rotation_id, old_fp, new_fp, int(partitions[0]), int(partitions[1]), snapshots)
    _finish(settings, result)
    if rebuild:
        result.rebuilt = rebuild_zones(settings)
    return result


def _finish(settings: Settings, result: RotationResult) -> None:
    """After COMMIT: the audit record, then the moved data and the old secret go."""
    from radforge.audit import AuditTrail

    AuditTrail.for_settings(settings).append({
        "kind": "secret.rotation", "rotation_id": result.rotation_id, "old_fingerprint": result.old_fingerprint,
        "new_fingerprint": result.new_fingerprint, "partitions_reset": result.partitions_reset,
        "deid_rows_retired": result.deid_rows_retired, "snapshots_kept": len(result.snapshots_kept),
        "recovered": result.recovered})
    folder = _folder(settings)
    shutil.rmtree(folder / result.rotation_id, ignore_errors=True)
    (folder / "old.key").unlink(missing_ok=True)
    _journal(settings).unlink(missing_ok=True)


def rebuild_zones(settings: Settings) -> dict[str, object]:
    """De-identify every raw partition and rebuild the pairs under the (new) secret."""
    from warehouse.deid_zone import run_deid_zone
    from warehouse.pairs import build_pairs
    from warehouse.views import refresh_views

    deid = run_deid_zone(settings).to_dict()
    out: dict[str, object] = {"partitions": deid["partitions_done"], "rows_deid": deid["rows_deid"],
                              "rows_quarantined": deid["rows_quarantined"]}
    if deid["rows_deid"]:
        pairs = build_pairs(settings, force=True)
        out["pairs"] = pairs.pairs
    refresh_views(settings)
    return out


def recover(settings: Settings) -> RotationResult:
    """Finish or undo an interrupted rotation, whichever the catalog says (committed = finish)."""
    path = _journal(settings)
    if not path.exists():
        raise RotationError("no interrupted rotation to recover")
    journal = json.loads(path.read_text())
    rid = journal["rotation_id"]
    retired = _folder(settings) / rid
    with writer(settings, timeout_s=600) as con:
        con.execute(ROTATION_DDL)
        row = con.execute("SELECT partitions_reset, deid_rows_retired, snapshots_kept FROM secret_rotations "
                          "WHERE rotation_id = ?", [rid]).fetchone()
    if row is not None:  # the catalog committed: the new state stands; make the files agree and finish
        new = read_secret(settings.secret_path)
        if fingerprint(new) != journal["new_fingerprint"]:
            raise RotationError("the catalog committed the rotation but the secret file is not the new secret; "
                                "put the new secret file back and run --recover again")
        state = read_state(settings)
        state["secret_fingerprint"] = journal["new_fingerprint"]
        write_state(settings, state)
        result = RotationResult(rid, journal["old_fingerprint"], journal["new_fingerprint"], int(row[0]),
                                int(row[1]), list(row[2] or []), recovered="finished")
        _finish(settings, result)
        return result
    # not committed: DuckDB already rolled the catalog back; put the files and the secret back
    old_key = _folder(settings) / "old.key"
    if old_key.exists():
        _write_private(settings.secret_path, old_key.read_text())
    if fingerprint(read_secret(settings.secret_path)) != journal["old_fingerprint"]:
        raise RotationError("cannot restore the old secret (rotation/old.key is missing); restore the secret file "
                            "from the site backup and run --recover again")
    for name, parts in reversed(MOVED):
        src = retired / name
        if name in journal["moved"] and src.exists():
            dest = _source(settings, parts)
            if dest.exists():
                shutil.rmtree(dest)
            os.replace(src, dest)
    state = read_state(settings)
    state["secret_fingerprint"] = journal["old_fingerprint"]
    write_state(settings, state)
    from radforge.audit import AuditTrail

    AuditTrail.for_settings(settings).append({"kind": "secret.rotation_rolled_back", "rotation_id": rid,
                                              "old_fingerprint": journal["old_fingerprint"],
                                              "new_fingerprint": journal["new_fingerprint"]})
    shutil.rmtree(retired, ignore_errors=True)
    old_key.unlink(missing_ok=True)
    path.unlink()
    return RotationResult(rid, journal["old_fingerprint"], journal["new_fingerprint"], 0, 0, [],
                          recovered="rolled_back")

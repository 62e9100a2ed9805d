"""The run registry: `runs/<run_id>/run.json` (the source of truth next to the artefacts) mirrored
into the catalog table `runs` for queries and the DAGs.

run.json is written atomically (temp file + rename) so a reader never sees half a record; the
catalog row is upserted from it in one short writer transaction. Only rank 0 writes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from pathlib import Path
from typing import Any

from radforge.errors import RadforgeError
from radforge.faults import crash_point
from radforge.settings import Settings, get_settings

STATUSES = ("queued", "running", "completed", "failed")
RUN_FILE = "run.json"

_COLUMNS: dict[str, str] = {
    "run_id": "VARCHAR PRIMARY KEY",
    "name": "VARCHAR",
    "status": "VARCHAR",
    "method": "VARCHAR",
    "launcher": "VARCHAR",
    "base_model": "VARCHAR",
    "base_model_hash": "VARCHAR",
    "snapshot_name": "VARCHAR",
    "snapshot_hash": "VARCHAR",
    "config_hash": "VARCHAR",
    "code_version": "VARCHAR",
    "prompt_format": "VARCHAR",
    "adapter_path": "VARCHAR",
    "model_path": "VARCHAR",
    "run_dir": "VARCHAR",
    "metrics": "JSON",
    "timings": "JSON",
    "error": "VARCHAR",
    "created_at": "TIMESTAMP",
    "updated_at": "TIMESTAMP",
}


class RunNotFound(RadforgeError):
    """No run with that id in the runs zone."""


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def new_run_id(name: str) -> str:
    """Sortable and unique: `<UTC timestamp>-<config name>-<random>`."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)[:40] or "run"
    return f"{stamp}-{safe}-{secrets.token_hex(3)}"


def run_dir(run_id: str, settings: Settings | None = None) -> Path:
    settings = settings or get_settings()
    if not run_id or "/" in run_id or run_id.startswith("."):
        raise RunNotFound(f"invalid run id {run_id!r}")
    return settings.zone("runs") / run_id


def ensure_table(con: Any) -> None:
    cols = ", ".join(f"{name} {kind}" for name, kind in _COLUMNS.items())
    con.execute(f"CREATE TABLE IF NOT EXISTS runs ({cols})")


def _row(record: dict[str, Any]) -> list[Any]:
    snap = record.get("snapshot") or {}
    values = {
        **{k: record.get(k) for k in _COLUMNS},
        "snapshot_name": snap.get("name"),
        "snapshot_hash": snap.get("hash"),
        "metrics": json.dumps(record.get("metrics") or {}),
        "timings": json.dumps(record.get("timings") or {}),
        "created_at": _ts(record.get("created_at")),
        "updated_at": _ts(record.get("updated_at")),
    }
    return [values[k] for k in _COLUMNS]


def _ts(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)


def write_run(record: dict[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    """Persist the run record: run.json (atomic) and the catalog row (upsert)."""
    settings = settings or get_settings()
    if record.get("status") not in STATUSES:
        raise ValueError(f"invalid run status {record.get('status')!r}")
    record["updated_at"] = now_iso()
    folder = run_dir(record["run_id"], settings)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{RUN_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(record, indent=2, sort_keys=False))
    tmp.replace(folder / RUN_FILE)
    crash_point("registry:after_json")
    mirror_run(record, settings)
    return record


def mirror_run(record: dict[str, Any], settings: Settings | None = None) -> None:
    """Upsert the catalog row of a run from its record (run.json stays the source of truth)."""
    from radforge.catalog import writer

    with writer(settings or get_settings()) as con:
        ensure_table(con)
        con.execute("DELETE FROM runs WHERE run_id = ?", [record["run_id"]])
        con.execute(f"INSERT INTO runs VALUES ({', '.join('?' for _ in _COLUMNS)})", _row(record))
        crash_point("registry:commit")


def update_run(run_id: str, settings: Settings | None = None, **changes: Any) -> dict[str, Any]:
    record = get_run(run_id, settings)
    record.update(changes)
    return write_run(record, settings)


def get_run(run_id: str, settings: Settings | None = None) -> dict[str, Any]:
    """The run.json content of a run (contract with evaluation and the DAGs)."""
    path = run_dir(run_id, settings) / RUN_FILE
    if not path.exists():
        raise RunNotFound(f"run {run_id!r} not found; list runs with `radforge train list`")
    return json.loads(path.read_text())


def list_runs(settings: Settings | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Newest first, from the catalog (falls back to the run folders when the catalog has no table)."""
    from radforge.catalog import reader

    settings = settings or get_settings()
    rows: list[dict[str, Any]] = []
    if settings.catalog_path.exists():
        with reader(settings) as con:
            exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'runs'").fetchone()
            if exists and exists[0]:
                cur = con.execute("SELECT run_id, name, status, method, snapshot_name, created_at, metrics "
                                  "FROM runs ORDER BY created_at DESC, run_id DESC LIMIT ?", [limit])
                names = [d[0] for d in cur.description]
                for values in cur.fetchall():
                    row = dict(zip(names, values, strict=True))
                    row["created_at"] = row["created_at"].isoformat() if row["created_at"] else None
                    row["metrics"] = json.loads(row["metrics"]) if row["metrics"] else {}
                    rows.append(row)
                return rows
    for path in sorted(settings.zone("runs").glob(f"*/{RUN_FILE}"), reverse=True)[:limit]:
        rec = json.loads(path.read_text())
        rows.append({k: rec.get(k) for k in ("run_id", "name", "status", "method", "created_at", "metrics")}
                    | {"snapshot_name": (rec.get("snapshot") or {}).get("name")})
    return rows

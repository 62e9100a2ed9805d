"""Concurrency on the catalog with real processes and real DuckDB.

- readers querying while an ingest writes (many short write transactions): every query answers or,
  at worst, says "catalog busy" in one line; none crashes, the ingest completes.
- two ingests started at once (different files, and the same file twice): both complete, every row is
  in the raw zone exactly once, the ledger agrees, reconciliation holds.
- a writer that cannot get the lock gets `CatalogBusy` — a one-line "catalog busy" error from the CLI,
  not a DuckDB stack trace.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import polars as pl
import pytest

REPO = Path(__file__).resolve().parents[2]
RADFORGE = str(Path(sys.executable).with_name("radforge"))


def _env(site, **extra: str) -> dict[str, str]:
    env = {**os.environ, "RADFORGE_HOME": str(site.root), "PYTHONPATH": str(REPO), "RADFORGE_LOG_LEVEL": "WARNING",
           "RADFORGE_WAREHOUSE__CHUNK_ROWS": "40", **extra}
    env.pop("RADFORGE_CONFIG", None)
    return env


@pytest.fixture
def exports(site, tmp_path):
    from sources.synth import write_corpus

    a, b = tmp_path / "a", tmp_path / "b"
    write_corpus(a, reports=400, seed=21, formats=("jsonl",))
    write_corpus(b, reports=300, seed=22, formats=("csv",))
    return a / "reports.jsonl", b / "reports.csv"


def _raw_ids(site) -> list[str]:
    files = sorted(site.zone("raw").rglob("*.parquet"))
    return pl.concat([pl.read_parquet(f, columns=["report_id"]) for f in files])["report_id"].to_list() if files else []


def _ingest(site, path: Path, **extra: str) -> subprocess.Popen:
    return subprocess.Popen([RADFORGE, "ingest", str(path), "--json"], env=_env(site, **extra), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


READER = textwrap.dedent("""
    import sys, time, json
    from radforge.catalog import CatalogBusy, reader
    from radforge.settings import get_settings
    deadline = time.monotonic() + float(sys.argv[1])
    ok = busy = 0
    settings = get_settings()
    while time.monotonic() < deadline:
        try:
            with reader(settings, timeout_s=20) as con:
                con.execute("SELECT count(*) FROM information_schema.tables").fetchone()
                tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
                if "ledger_chunks" in tables:
                    con.execute("SELECT count(*), sum(rows_written) FROM ledger_chunks").fetchone()
            ok += 1
        except CatalogBusy:
            busy += 1
        time.sleep(0.01)
    print(json.dumps({"ok": ok, "busy": busy}))
""")


def test_readers_keep_answering_while_an_ingest_writes(site, exports) -> None:
    from radforge.catalog import writer
    from warehouse.ledger import ensure_tables

    with writer(site) as con:
        ensure_tables(con)
    readers = [subprocess.Popen([sys.executable, "-c", READER, "10"], env=_env(site), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    time.sleep(1.0)
    ingest = _ingest(site, exports[0])
    out, err = ingest.communicate(timeout=300)
    assert ingest.returncode == 0, err[-2000:]
    summary = json.loads(out)
    results = []
    for r in readers:
        r_out, r_err = r.communicate(timeout=120)
        assert r.returncode == 0, r_err[-2000:]
        assert "Traceback" not in r_err
        results.append(json.loads(r_out))
    assert all(r["ok"] > 5 for r in results), results
    ids = _raw_ids(site)
    assert len(ids) == len(set(ids)) == summary["files"][0]["rows_written"]


def test_two_ingests_at_once_lose_nothing_and_duplicate_nothing(site, exports) -> None:
    from warehouse.reconcile import reconcile

    procs = [_ingest(site, exports[0]), _ingest(site, exports[1]), _ingest(site, exports[0])]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-2000:]
        assert "Traceback" not in err
        results.append(json.loads(out)["files"][0])
    written = {r["batch_id"]: r for r in results}
    assert len(written) == 2  # the same file twice is one batch
    ids = _raw_ids(site)
    assert len(ids) == len(set(ids)), "a row was written twice"
    expected = {r["batch_id"]: r["rows_written"] for r in results if r["status"] != "skipped"}
    from radforge.catalog import reader

    with reader(site) as con:
        ledger = dict(con.execute("SELECT batch_id, rows_written FROM ledger WHERE status = 'done'").fetchall())
    assert set(ledger) == set(written)
    assert sum(ledger.values()) == len(ids)
    assert all(ledger[b] == n for b, n in expected.items())
    report = reconcile(site)
    ingest_checks = [c for c in report.checks if c.name.startswith("ingest")]
    assert len(ingest_checks) == 2 and all(c.ok for c in ingest_checks), [c.__dict__ for c in report.checks]


HOLDER = textwrap.dedent("""
    import sys, time
    from radforge.catalog import writer
    from radforge.settings import get_settings
    with writer(get_settings()) as con:
        con.execute("CREATE TABLE IF NOT EXISTS hold (x INTEGER)")
        print("holding", flush=True)
        time.sleep(float(sys.argv[1]))
""")


def test_a_writer_that_cannot_get_the_lock_gets_a_one_line_catalog_busy(site, exports) -> None:
    from radforge.catalog import CatalogBusy, writer

    holder = subprocess.Popen([sys.executable, "-c", HOLDER, "600"], env=_env(site), text=True,  # until killed
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == "holding"
        t0 = time.monotonic()
        with pytest.raises(CatalogBusy, match="busy"), writer(site, timeout_s=1.5):
            pass
        assert time.monotonic() - t0 < 10
        p = subprocess.run([RADFORGE, "ingest", str(exports[1])], env=_env(site, RADFORGE_CATALOG_WAIT_S="1.5"),
                           capture_output=True, text=True, timeout=120)
        err = p.stderr.strip()
        assert p.returncode == 1, err
        assert err.startswith("error:") and "busy" in err and "Traceback" not in err
        assert len(err.replace("\n", " ").split("error:")) == 2  # one message
    finally:
        holder.kill()
        holder.wait()
    # once the holder is gone the same ingest goes through, and nothing half-done is left behind
    p = subprocess.run([RADFORGE, "ingest", str(exports[1]), "--json"], env=_env(site), capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    ids = _raw_ids(site)
    assert len(ids) == len(set(ids)) == json.loads(p.stdout)["files"][0]["rows_written"]


def _started_waiting(proc: subprocess.Popen, timeout_s: float = 120) -> str:
    """Read the process's stderr until it says it waits for a lock (or ends); returns what was read."""
    import selectors

    sel = selectors.DefaultSelector()
    sel.register(proc.stderr, selectors.EVENT_READ)
    deadline, seen = time.monotonic() + timeout_s, ""
    while "waiting for lock" not in seen and time.monotonic() < deadline and proc.poll() is None:
        if sel.select(timeout=1.0):
            seen += proc.stderr.readline()
    return seen


def test_a_second_ingest_of_the_same_file_waits_for_the_first(site, exports) -> None:
    """The same file ingested twice at once: the second waits on the file's lock, then skips it.

    Without the lock both wrote the same chunks, and one's stale-temp sweep removed the other's file
    mid-rename (a FileNotFoundError on CI).
    """
    from radforge.hashing import file_sha256
    from radforge.locks import exclusive, work_lock

    with exclusive(work_lock(site.root, "ingest", file_sha256(exports[0]))):
        proc = _ingest(site, exports[0], RADFORGE_LOG_LEVEL="INFO")
        seen = _started_waiting(proc)
        assert "waiting for lock" in seen, seen[-2000:]
        assert proc.poll() is None and not _raw_ids(site)  # nothing written while the other holds it
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-2000:]
    result = json.loads(out)["files"][0]
    assert result["status"] == "ingested"
    ids = _raw_ids(site)
    assert len(ids) == len(set(ids)) == result["rows_written"] > 0


def test_a_pairs_build_waits_for_the_one_under_way(site, exports) -> None:
    """Two pairs builds over different partitions would interleave pairs.parquet, rejected.parquet and
    run.json; the second waits on the zone's lock and writes nothing meanwhile."""
    from radforge.locks import exclusive, work_lock
    from warehouse.deid_zone import run_deid_zone
    from warehouse.ingest import ingest_paths
    from warehouse.reconcile import reconcile

    ingest_paths([exports[1]], site)
    run_deid_zone(site)
    with exclusive(work_lock(site.root, "pairs", "zone")):
        proc = subprocess.Popen([RADFORGE, "pairs", "--json"], env=_env(site, RADFORGE_LOG_LEVEL="INFO"), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        seen = _started_waiting(proc)
        assert "waiting for lock" in seen, seen[-2000:]
        assert proc.poll() is None and not (site.zone("pairs") / "run.json").exists()
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-2000:]
    assert json.loads(out)["pairs"] > 0 and reconcile(site).ok


def test_the_stale_temp_sweep_spares_a_live_writer(tmp_path) -> None:
    from warehouse.atomic import remove_stale_tmp

    live = subprocess.Popen(["sleep", "60"])
    dead = subprocess.Popen(["true"])
    dead.wait()
    try:
        (tmp_path / f"part-00000.parquet.tmp-{live.pid}").write_bytes(b"being written")
        (tmp_path / f"part-00001.parquet.tmp-{dead.pid}").write_bytes(b"left by a crash")
        assert remove_stale_tmp(tmp_path) == 1
        assert [p.name for p in tmp_path.iterdir()] == [f"part-00000.parquet.tmp-{live.pid}"]
    finally:
        live.kill()
        live.wait()


def test_two_deid_runs_at_once_do_each_partition_once(site, exports) -> None:
    """A DAG's de-id task and an engineer's `radforge deid-zone` at the same moment: every partition is
    de-identified by exactly one of them (the other waits on the partition's lock, then skips it)."""
    from warehouse.reconcile import reconcile

    for path in exports:
        p = _ingest(site, path)
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]
    from warehouse.deid_zone import pending_partitions

    pending = len(pending_partitions(site))
    assert pending >= 10  # 40-row chunks: enough partitions for the two runs to meet
    procs = [subprocess.Popen([RADFORGE, "deid-zone", "--json"], env=_env(site), text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    done = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-2000:]
        done.append(json.loads(out)["partitions_done"])
    assert sum(done) == pending, done  # none twice, none left out
    keys = pl.concat([pl.read_parquet(f, columns=["report_key"])
                      for f in site.zone("deid").rglob("part-*.parquet")])["report_key"]
    assert keys.n_unique() == keys.len()
    assert reconcile(site).ok, [c.__dict__ for c in reconcile(site).checks if not c.ok]

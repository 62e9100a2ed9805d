"""A real crash (SIGKILL, no cleanup) in the middle of an ingest, then a resume: no duplicate, no loss."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import polars as pl
import pytest
from wh_helpers import raw_rows, report, write_jsonl

from warehouse.ingest import ingest_paths

SCRIPT = "import sys; from warehouse.ingest import ingest_paths; ingest_paths(sys.argv[1:])"


def _run_until_killed(path, crash_at: str, skip: int) -> None:
    env = {**os.environ, "RADFORGE_WAREHOUSE__CHUNK_ROWS": "5", "RADFORGE_CRASH_AT": crash_at,
           "RADFORGE_CRASH_SKIP": str(skip)}
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(path)], env=env, capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]


@pytest.mark.parametrize("crash_at", ["ingest:after_write", "ingest:mid_write"])
def test_resume_after_sigkill_mid_file(site, tmp_path, monkeypatch, crash_at):
    rows = [report(i) for i in range(1, 18)] + [report(99, text="")]  # 18 rows -> 4 chunks of 5
    path = write_jsonl(tmp_path / "feed.jsonl", rows)
    _run_until_killed(path, crash_at, skip=1)  # dies in the second chunk

    from radforge.catalog import reader

    with reader(site) as con:
        assert con.execute("SELECT status FROM ledger").fetchone() == ("started",)
        assert con.execute("SELECT list(chunk ORDER BY chunk) FROM ledger_chunks").fetchone() == ([0],)
    visible = sorted(site.zone("raw").glob("batch=*/part-*.parquet"))
    leftovers = sorted(site.zone("raw").rglob("*.tmp-*"))
    if crash_at == "ingest:mid_write":  # the half-written file is only a temporary one, under no zone glob
        assert [p.name for p in visible] == ["part-00000.parquet"] and len(leftovers) == 1
    else:  # chunk 1 was renamed into place but never committed: the resume rewrites it under the same name
        assert [p.name for p in visible] == ["part-00000.parquet", "part-00001.parquet"] and not leftovers

    monkeypatch.setenv("RADFORGE_WAREHOUSE__CHUNK_ROWS", "5")
    from radforge.settings import get_settings

    result = ingest_paths([path], get_settings()).files[0]
    assert result.status == "resumed"
    raw = raw_rows(site)
    assert raw.height == 17 and raw["row_id"].n_unique() == 17
    assert sorted(raw["report_id"].to_list()) == sorted(r["id"] for r in rows[:17])
    assert (result.rows_in, result.rows_written, result.rows_quarantined) == (18, 17, 1)
    assert not list(site.zone("raw").rglob("*.tmp-*"))
    assert ingest_paths([path], get_settings()).files[0].status == "skipped"


def test_deid_zone_crash_after_write_leaves_nothing_counted_twice(site):
    """Files renamed into the de-identified zone without their ledger row are replaced on resume."""
    from wh_helpers import deid_row

    from warehouse.deid_zone import commit_partition
    from warehouse.ledger import init_catalog
    from warehouse.reconcile import reconcile
    from warehouse.schema import DEID_SCHEMA, QUARANTINE_SCHEMA

    init_catalog(site)
    rows = [deid_row(i, "FINDINGS: x IMPRESSION: y", year=2014 + i % 2) for i in range(6)]
    df = pl.DataFrame(rows, schema=DEID_SCHEMA)
    # A crashed run: its files made it into the zone (stale, different content), its ledger row did not.
    stale = site.zone("deid") / "exam_year=2014" / "part-b-00000.parquet"
    stale.parent.mkdir(parents=True)
    pl.concat([df, df]).write_parquet(stale)
    assert not reconcile(site).ok  # an orphan file with no ledger row is a mismatch
    commit_partition(site, "b-00000", "b", site.zone("raw") / "none.parquet", 6, df,
                     pl.DataFrame(schema=QUARANTINE_SCHEMA), "test")
    files = sorted(site.zone("deid").rglob("*.parquet"))
    assert [f.parent.name for f in files] == ["exam_year=2014", "exam_year=2015"]
    assert pl.read_parquet(files).height == 6


def test_deid_zone_resumes_after_sigkill_with_the_real_engine(site, tmp_path, monkeypatch):
    """Killed after a partition's files were renamed into the zone but before its ledger commit."""
    from warehouse.deid_zone import run_deid_zone
    from warehouse.reconcile import reconcile

    monkeypatch.setenv("RADFORGE_WAREHOUSE__CHUNK_ROWS", "4")
    from radforge.settings import get_settings

    settings = get_settings()
    path = write_jsonl(tmp_path / "feed.jsonl", [report(i) for i in range(1, 11)])  # 3 raw partitions
    ingest_paths([path], settings)
    env = {**os.environ, "RADFORGE_CRASH_AT": "deid:after_write", "RADFORGE_CRASH_SKIP": "1"}
    script = ("from radforge.process import start; start(preflight=False); "  # a process starts, then de-identifies
              "from warehouse.deid_zone import run_deid_zone; run_deid_zone()")
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    from radforge.catalog import reader

    with reader(settings) as con:
        assert con.execute("SELECT count(*) FROM partitions").fetchone() == (1,)
    assert not reconcile(settings).ok  # the uncommitted partition's files are orphans until the resume

    summary = run_deid_zone(settings, 1)
    assert summary.pending_before == 2 and len(summary.partitions) == 2
    files = sorted(settings.zone("deid").rglob("*.parquet"))
    zone = pl.read_parquet(files)
    assert zone.height == 10 and zone["raw_row_id_hash"].n_unique() == 10
    report_ = reconcile(settings)
    assert report_.ok, report_.mismatches

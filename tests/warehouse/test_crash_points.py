"""Regression tests for what bench/chaos.py found: real SIGKILLs at the pairs and snapshot commit points.

- A snapshot killed while being built was visible: its hidden build folder matched the
  `snapshot_rows` view's glob (DuckDB's `*` matches hidden names) and stayed there for good.
- A snapshot killed between its rename and its catalog row could never be finished:
  `create_snapshot` refused the name, `snapshot_if_changed` returned it with no catalog row.
- A pairs run killed after `run.json` but before its catalog commit was never committed: the
  resumed run saw the same partitions and returned early, leaving no `pair_runs` row and no view.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from wh_helpers import commit_deid, deid_row, pair_text

from radforge.catalog import reader
from warehouse.errors import SnapshotExists
from warehouse.pairs import build_pairs
from warehouse.snapshot import create_snapshot, list_snapshots, snapshot_if_changed

REPO = Path(__file__).resolve().parents[2]
FINDINGS = "The lungs are clear. There is no effusion. The heart size is normal. Finding number {i} is noted."


def _rows(n: int = 60) -> list[dict]:
    return [deid_row(i, pair_text(FINDINGS.format(i=i), f"Finding {i}."), patient=f"p{i % 20:03d}",
                     year=2015 + i % 4) for i in range(n)]


def _killed(code: str, point: str, skip: int = 0) -> None:
    env = {**os.environ, "RADFORGE_CRASH_AT": point, "RADFORGE_CRASH_SKIP": str(skip), "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=120, cwd=REPO)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]


def _visible_snapshot_files(settings) -> list[str]:  # noqa: ANN001
    pattern = str(settings.zone("snapshots") / "*" / "*.parquet")  # the snapshot_rows view's glob
    return [r[0] for r in duckdb.sql(f"SELECT file FROM glob('{pattern}')").fetchall()]


@pytest.fixture
def pairs_site(site):
    commit_deid(site, _rows())
    build_pairs(site)
    return site


def test_snapshot_killed_mid_build_is_invisible_and_cleaned(pairs_site):
    _killed("from warehouse.snapshot import create_snapshot; create_snapshot('s1')", "snapshot:mid_write", skip=1)
    assert _visible_snapshot_files(pairs_site) == []  # train.parquet was written, but out of every reader's reach
    assert list_snapshots(pairs_site) == []
    building = pairs_site.zone("snapshots") / ".building"
    assert len(list(building.iterdir())) == 1  # the dead build folder ...
    info = create_snapshot("s1", pairs_site)
    assert not list(building.iterdir())  # ... is removed by the next build
    assert sorted(Path(f).name for f in _visible_snapshot_files(pairs_site)) == \
        ["test.parquet", "train.parquet", "validation.parquet"]
    assert sum(info.splits.values()) > 0


def test_snapshot_killed_before_its_catalog_row_is_finished_by_the_rerun(pairs_site):
    _killed("from warehouse.snapshot import create_snapshot; create_snapshot('s1')", "snapshot:after_rename")
    with reader(pairs_site) as con:
        assert con.execute("SELECT count(*) FROM snapshots").fetchone() == (0,)
    with pytest.raises(SnapshotExists):  # another request under that name is still refused
        create_snapshot("s1", pairs_site, split="temporal")
    info = create_snapshot("s1", pairs_site)  # the same request: registers the folder already in place
    with reader(pairs_site) as con:
        assert con.execute("SELECT name, hash FROM snapshots").fetchall() == [("s1", info.hash)]
        assert con.execute("SELECT count(*) FROM snapshot_rows").fetchone()[0] == sum(info.splits.values())
    with pytest.raises(SnapshotExists):
        create_snapshot("s1", pairs_site)


def test_auto_snapshot_killed_before_its_catalog_row_is_registered(pairs_site):
    _killed("from warehouse.snapshot import snapshot_if_changed; snapshot_if_changed()", "snapshot:after_rename")
    out = snapshot_if_changed(pairs_site)
    assert out["created"] is False
    with reader(pairs_site) as con:
        assert con.execute("SELECT name FROM snapshots").fetchall() == [(out["snapshot"],)]


def test_pairs_killed_after_run_json_commits_on_the_rerun(site):
    commit_deid(site, _rows())
    _killed("from warehouse.pairs import build_pairs; build_pairs()", "pairs:after_run_json")
    run_id = json.loads((site.zone("pairs") / "run.json").read_text())["run_id"]
    with reader(site) as con:
        assert con.execute("SELECT count(*) FROM pair_runs").fetchone() == (0,)
    result = build_pairs(site)
    assert result.changed is False and result.run_id == run_id
    with reader(site) as con:
        assert con.execute("SELECT run_id FROM pair_runs").fetchall() == [(run_id,)]
        assert con.execute("SELECT count(*) FROM funnel WHERE run_id = ?", [run_id]).fetchone()[0] == \
            len(result.funnel)
        assert con.execute("SELECT count(*) FROM pairs").fetchone()[0] == result.pairs  # the view exists


def test_snapshot_killed_in_its_view_refresh_is_finished_by_the_rerun(pairs_site):
    """The views come before the catalog row: a kill between them is finished by rerunning the same command."""
    _killed("from warehouse.snapshot import create_snapshot; create_snapshot('s1')", "views:commit")
    with reader(pairs_site) as con:
        assert con.execute("SELECT count(*) FROM snapshots").fetchone() == (0,)
    info = create_snapshot("s1", pairs_site)
    with reader(pairs_site) as con:
        assert con.execute("SELECT count(*) FROM snapshot_rows").fetchone()[0] == sum(info.splits.values())


def test_deid_zone_rerun_with_nothing_pending_refreshes_the_views(site):
    """All partitions committed but the final view refresh killed: the rerun has nothing to do but the views."""
    from warehouse.deid_zone import run_deid_zone

    commit_deid(site, _rows(12))  # commits partitions exactly as run_deid_zone does, without the refresh
    with reader(site) as con:
        views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert "deid_reports" not in views
    summary = run_deid_zone(site, 1)
    assert summary.pending_before == 0
    with reader(site) as con:
        assert con.execute("SELECT count(*) FROM deid_reports").fetchone() == (12,)

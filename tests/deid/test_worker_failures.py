"""Workers that fail loudly: a worker that cannot start or dies ends the run with one clear error, never a hang.

Real processes throughout: the CLI runs as a subprocess, and a worker is killed with SIGKILL at the named
crash point `deid:worker_chunk` (radforge/faults.py), which the forked or spawned workers inherit.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deid import RawReport, deidentify_parallel
from deid.parallel import WORKER_DIED, _portable
from radforge.errors import ConfigError, EgressBlocked, WorkerFailed

REPO = Path(__file__).resolve().parents[2]
CLI = "from radforge.cli import main; main()"
TEXTS = [f"Report {i}: discussed with Dr. Roe on 0{1 + i % 9}/1{i % 10}/2020. MRN: 55{i:05d}." for i in range(24)]


def _radforge(args: list[str], home: Path, timeout: float = 120, **env: str) -> tuple:
    """Run the real `radforge` entry point; (the finished process, seconds it took)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("RADFORGE_")}
    full.update(RADFORGE_HOME=str(home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", **env)
    t0 = time.monotonic()
    done = subprocess.run([sys.executable, "-c", CLI, *args], env=full, cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)
    return done, time.monotonic() - t0


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def test_two_workers_without_a_secret_exit_at_once_with_the_one_worker_message(tmp_path):
    """Regression (#17): `Pool` respawned workers whose initializer failed, printing tracebacks forever."""
    home = tmp_path / "no-site"  # never initialised: no site.toml, no secret
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps({"id": f"r{i}", "text": t}) + "\n" for i, t in enumerate(TEXTS)))
    two, seconds = _radforge(["deid", "--in", str(inp), "--out", str(tmp_path / "two.jsonl"), "--workers", "2"],
                             home, timeout=60)
    one, _ = _radforge(["deid", "--in", str(inp), "--out", str(tmp_path / "one.jsonl"), "--workers", "1"], home)
    assert two.returncode == 1, two.stderr[-2000:]
    assert seconds < 30
    assert _error_lines(two.stderr) == _error_lines(one.stderr), two.stderr[-2000:]
    [line] = _error_lines(two.stderr)
    assert line.startswith("error: site secret") and "missing" in line and "radforge init" in line


def test_a_worker_start_error_is_raised_in_the_parent_as_itself(deid_settings):
    """A bad setting fails every worker's start: the parent raises the same ConfigError one engine raises."""
    reports = [RawReport(f"r{i}", t) for i, t in enumerate(TEXTS[:4])]
    with pytest.raises(ConfigError, match="de-id mode must be") as one:
        list(deidentify_parallel(reports, workers=1, settings=deid_settings, mode="bogus"))
    with pytest.raises(ConfigError, match="de-id mode must be") as two:
        list(deidentify_parallel(reports, workers=2, settings=deid_settings, mode="bogus", chunk_size=1))
    assert str(two.value) == str(one.value)
    assert not mp.active_children()


def test_a_start_error_that_does_not_pickle_becomes_worker_failed_with_its_type():
    """EgressBlocked's __init__ takes (host, port): rebuilt from its message it would read differently."""
    error = _portable(EgressBlocked("10.1.2.3", 443))
    assert isinstance(error, WorkerFailed)
    assert str(error).startswith("a de-id worker could not start: EgressBlocked: egress blocked: connection to "
                                 "10.1.2.3:443 refused")


def test_a_worker_killed_mid_run_ends_the_run_with_worker_failed(engine, deid_settings, monkeypatch):
    """SIGKILL (the OOM killer, an operator) in a worker: the pool is broken, the run stops within seconds."""
    monkeypatch.setenv("RADFORGE_CRASH_AT", "deid:worker_chunk")
    monkeypatch.setenv("RADFORGE_CRASH_SKIP", "1")  # each worker does one chunk, then dies before its second
    reports = [RawReport(f"r{i}", t) for i, t in enumerate(TEXTS)]
    got: list[str] = []
    t0 = time.monotonic()
    first: float | None = None  # the first result: the workers are up and the kill is one chunk away
    with pytest.raises(WorkerFailed, match="worker process died"):
        for result in deidentify_parallel(reports, workers=2, settings=deid_settings, engine=engine, chunk_size=2):
            first = first or time.monotonic()
            got.append(result.report_id)
    ended = time.monotonic()
    # What is guarded is a hang: the run ends within seconds of the kill. The start-up is bounded apart: where
    # the parent has threads besides its own (an xdist worker after torch tests), workers are spawned and each
    # loads spaCy and Presidio first (1 s forked on an idle box, 36 s spawned on a loaded one).
    assert ended - (first or t0) < 30
    assert ended - t0 < 120
    assert got == [f"r{i}" for i in range(len(got))] and len(got) < len(TEXTS)  # in order, up to the failure
    assert not mp.active_children()


def test_deid_zone_with_a_killed_worker_fails_in_one_line_and_resumes(site, tmp_path, monkeypatch):
    """`radforge deid-zone --workers 2`: a worker killed mid-partition fails the command (exit 1, one line),
    commits nothing half-done, and the next run de-identifies every row exactly once."""
    from warehouse.deid_zone import run_deid_zone
    from warehouse.ingest import ingest_paths
    from warehouse.reconcile import reconcile

    monkeypatch.setenv("RADFORGE_WAREHOUSE__CHUNK_ROWS", "4")
    from radforge.settings import get_settings

    settings = get_settings()
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({
        "id": f"r{i:04d}", "mrn": f"MRN{i:05d}", "accession": f"ACC{i:06d}", "patient_name": "Test Patient",
        "dob": "1960-02-03", "exam_datetime": f"20{10 + i % 5}-03-04T10:11:12", "modality": "CT", "body_part": "CHEST",
        "facility": "Demo General", "version": 1, "text": f"FINDINGS: Nodule {i} mm.\nIMPRESSION: Nodule {i} mm."})
        + "\n" for i in range(1, 11)))  # 3 raw partitions of at most 4 rows
    ingest_paths([feed], settings)

    done, seconds = _radforge(["deid-zone", "--workers", "2", "--json"], settings.root, timeout=120,
                              RADFORGE_WAREHOUSE__CHUNK_ROWS="4", RADFORGE_CRASH_AT="deid:worker_chunk")
    assert done.returncode == 1, done.stderr[-2000:]
    assert _error_lines(done.stderr) == [f"error: {WORKER_DIED}"]
    assert seconds < 60
    assert not list(settings.zone("deid").rglob("*.parquet"))

    summary = run_deid_zone(settings, 1)
    assert summary.pending_before == 3 and sum(p.rows_in for p in summary.partitions) == 10
    assert reconcile(settings).ok

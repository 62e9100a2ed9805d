"""A small `make deploy-check` in `make test`: a DAG under a real scheduler, DAG processor and API server.

LocalExecutor on a real PostgreSQL (pgserver), Airflow configured from platform/airflow/airflow.single-server.cfg
and pools.json: two tiny exports land, `radforge_ingest` is triggered through the REST API (token from the
SimpleAuthManager), its two mapped file tasks run at once, and the API lists every run as success; no row
lost or twice, reconciliation and the audit chain hold. The full check (ingest -> de-id -> pairs through the
asset triggers, both executors, two Celery workers, one SIGKILLed mid-task) is `make deploy-check`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from deploy_check import missing_deploy_extra  # bench/deploy_check.py

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow
MISSING = missing_deploy_extra()


@pytest.mark.skipif(MISSING is not None, reason=f"the deploy extra is not installed: {MISSING}")
def test_local_executor_on_postgres_runs_ingest_under_a_real_scheduler(tmp_path):
    cmd = [sys.executable, str(REPO / "bench" / "deploy_check.py"), "--executor", "local", "--only-ingest",
           "--reports", "12", "--timeout", "300", "--home", str(tmp_path / "deploy")]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RADFORGE_", "AIRFLOW"))}
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=800, cwd=REPO, check=False)
    lines = proc.stdout.strip().splitlines()
    assert lines and lines[-1].startswith("{"), proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(lines[-1])["executors"]["local"]
    detail = "\n".join(lines[-12:])
    assert result["ok"], detail
    assert result["parallel_peak"] >= 2 and result["rows_lost"] == 0 and result["rows_duplicated"] == 0, detail

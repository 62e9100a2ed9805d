"""A small `make deploy-check` in `make test`: the chain under a real scheduler, DAG processor and API server.

LocalExecutor on a real PostgreSQL (pgserver), two tiny exports landed, `radforge_ingest` triggered through
the REST API, the asset triggers carry them through de-id (two mapped tasks at once in the `deid` pool) and
pairs. The full check (both executors, two Celery workers, one SIGKILLed mid-task) is `make deploy-check`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))

from deploy_check import missing_deploy_extra  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.mark.skipif(missing_deploy_extra() is not None, reason=f"deploy extra missing: {missing_deploy_extra()}")
def test_local_executor_on_postgres_runs_the_chain(tmp_path):
    cmd = [sys.executable, str(REPO / "bench" / "deploy_check.py"), "--executor", "local", "--reports", "12",
           "--chunk-rows", "6", "--timeout", "300", "--home", str(tmp_path / "deploy")]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RADFORGE_", "AIRFLOW"))}
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=REPO, check=False)
    lines = proc.stdout.strip().splitlines()
    assert lines and lines[-1].startswith("{"), proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(lines[-1])["executors"]["local"]
    detail = "\n".join(lines[-12:])
    assert result["ok"], detail
    assert result["parallel_peak"] >= 2 and result["rows_lost"] == 0 and result["rows_duplicated"] == 0, detail

"""The de-id DAG with two workers, one killed (SIGKILL) mid-partition: its task fails within seconds, never hangs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = ("import json, os; from pathlib import Path; from radforge.airflow_local import prepare, run_dag; "
          "prepare(Path(os.environ['AIRFLOW_HOME'])); o = run_dag('radforge_deid'); "
          "print('OUTCOME ' + json.dumps({'state': o.state, 'tasks': o.tasks}))")


def test_a_killed_deid_worker_fails_the_task(site, tmp_path, monkeypatch):
    from warehouse.ingest import ingest_paths

    monkeypatch.setenv("RADFORGE_WAREHOUSE__CHUNK_ROWS", "4")
    from radforge.settings import get_settings

    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({
        "id": f"r{i:04d}", "mrn": f"MRN{i:05d}", "accession": f"ACC{i:06d}", "patient_name": "Test Patient",
        "dob": "1960-02-03", "exam_datetime": f"2015-03-0{i}T10:11:12", "modality": "CT", "body_part": "CHEST",
        "facility": "Demo General", "version": 1, "text": f"FINDINGS: Nodule {i} mm.\nIMPRESSION: Nodule {i} mm."})
        + "\n" for i in range(1, 5)))  # one raw partition: one mapped task
    ingest_paths([feed], get_settings())
    env = {**os.environ, "RADFORGE_DEID__WORKERS": "2", "RADFORGE_CRASH_AT": "deid:worker_chunk"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith("OUTCOME ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    outcome = json.loads(lines[-1].removeprefix("OUTCOME "))
    assert outcome["state"] == "failed"
    assert outcome["tasks"] == {"pending_partitions": "success", "deidentify_partition[0]": "failed",
                                "publish": "upstream_failed"}
    assert "WorkerFailed" in done.stdout + done.stderr

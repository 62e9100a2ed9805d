"""DAG default arguments follow the environment when a DAG file is parsed, not when radforge was first imported.

Regression: `make test` on two workers ran a DAG test in a process that had imported radforge.orchestration
before `airflow_local.prepare()` set `RADFORGE_TASK_RETRIES=0`; the failing task kept two retries 300 s apart
and `dag.test()` waited ten minutes for them.
"""

from __future__ import annotations

import radforge.orchestration  # noqa: F401 - imported first on purpose, before the variables below are set


def _retries(monkeypatch, retries: str, delay: str) -> set[tuple[int, float]]:
    from radforge.airflow_local import load_dagbag

    monkeypatch.setenv("RADFORGE_TASK_RETRIES", retries)
    monkeypatch.setenv("RADFORGE_TASK_RETRY_DELAY_S", delay)
    dag = load_dagbag().dags["radforge_ingest"]  # parsed now, not read back from the metadata DB
    return {(t.retries, t.retry_delay.total_seconds()) for t in dag.tasks}


def test_dag_retries_are_read_at_parse_time(monkeypatch):
    assert _retries(monkeypatch, "0", "1") == {(0, 1.0)}
    assert _retries(monkeypatch, "3", "7") == {(3, 7.0)}

"""Run radforge's DAGs through real Airflow on one machine: for `make demo` and the DAG tests.

Airflow reads its configuration once, at first import, so `prepare()` sets AIRFLOW_HOME and friends
before anything imports airflow, migrates the SQLite metadata database and imports the pools.
`run_dag()` then runs one DAG with `dag.test()` and returns its state and per-task states: a failed
run does not raise in `dag.test()`, so callers must look at the state.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from radforge.settings import REPO_ROOT

DAGS_FOLDER = REPO_ROOT / "dags"
POOLS_FILE = REPO_ROOT / "platform" / "airflow" / "pools.json"


@dataclass
class DagOutcome:
    dag_id: str
    state: str
    tasks: dict[str, str] = field(default_factory=dict)
    returns: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.state == "success" and all(s in ("success", "skipped") for s in self.tasks.values())


def airflow_env(airflow_home: Path) -> dict[str, str]:
    return {
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        # dag.test() waits out retry delays in-process: keep them short here, fail fast.
        "RADFORGE_TASK_RETRIES": os.environ.get("RADFORGE_TASK_RETRIES", "0"),
        "RADFORGE_TASK_RETRY_DELAY_S": os.environ.get("RADFORGE_TASK_RETRY_DELAY_S", "1"),
    }


def prepare(airflow_home: Path) -> None:
    """Set the Airflow environment for this process, migrate the metadata DB, import the pools."""
    if "airflow" in sys.modules and os.environ.get("AIRFLOW_HOME") != str(airflow_home):
        raise RuntimeError("airflow was imported before its environment was set; call prepare() first")
    airflow_home.mkdir(parents=True, exist_ok=True)
    env = airflow_env(airflow_home)
    os.environ.update(env)
    airflow = Path(sys.executable).with_name("airflow")
    stamp = airflow_home / ".migrated"
    if not stamp.exists():
        subprocess.run([str(airflow), "db", "migrate"], check=True, env={**os.environ, **env},
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run([str(airflow), "pools", "import", str(POOLS_FILE)], check=True, env={**os.environ, **env},
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stamp.touch()


def load_dagbag():  # noqa: ANN201 - airflow type imported lazily
    """Parse the DAG folder as Airflow's DAG processor and task runner do: with the folder on `sys.path`.

    The DAG files import `dags/assets.py` as `assets`; a plain `DagBag` would not find it.
    """
    from airflow.dag_processing.dagbag import BundleDagBag

    bag = BundleDagBag(dag_folder=str(DAGS_FOLDER), bundle_path=DAGS_FOLDER)
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {sorted(bag.import_errors)}")
    return bag


def run_dag(dag_id: str, conf: dict[str, Any] | None = None, logical_date: datetime | None = None) -> DagOutcome:
    """Run one DAG with dag.test() and collect its state, task states and task return values."""
    bag = load_dagbag()
    dag = bag.get_dag(dag_id)
    if dag is None:
        raise KeyError(f"no DAG {dag_id!r} in {DAGS_FOLDER}")
    kwargs: dict[str, Any] = {"run_conf": conf or {}}
    if logical_date is not None:
        kwargs["logical_date"] = logical_date
    run = dag.test(**kwargs)
    outcome = DagOutcome(dag_id=dag_id, state=str(run.state))
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        for ti in run.get_task_instances(session=session):
            key = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
            outcome.tasks[key] = str(ti.state)
            rows = session.query(XComModel).filter_by(dag_id=dag_id, run_id=run.run_id, task_id=ti.task_id,
                                                      map_index=ti.map_index, key="return_value").all()
            if rows:
                value = rows[0].value
                outcome.returns[key] = XComModel.deserialize_value(rows[0]) if isinstance(value, str | bytes) \
                    else value
    return outcome

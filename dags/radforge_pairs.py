"""
### radforge_pairs

Triggered by newly de-identified reports. Extracts FINDINGS and IMPRESSION (Polars), applies the
pair filters and stores the funnel (counts per filter), then cuts a dataset snapshot when the pairs
changed, and reconciles the counts (raw = de-identified + quarantined; de-identified = pairs +
rejected). A re-run on unchanged data does no new work and creates no new snapshot.

Emits the **pairs** asset, which the yearly retrain listens to.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from radforge.orchestration import DEFAULT_ARGS
from warehouse.tasks import DEFAULT_TASK, TASKS

from assets import DEID_REPORTS, PAIRS


@dag(
    dag_id="radforge_pairs",
    schedule=[DEID_REPORTS],
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["radforge", "warehouse"],
    params={
        "task": Param(DEFAULT_TASK, enum=list(TASKS)),
        "split": Param("patient", enum=["patient", "temporal"]),
    },
    doc_md=__doc__,
)
def radforge_pairs():
    @task(pool="catalog_writer")
    def build_pairs() -> dict:
        from radforge.orchestration import task_settings
        from warehouse.pairs import build_pairs as build

        return build(task_settings()).to_dict()

    @task(pool="catalog_writer", outlets=[PAIRS])
    def snapshot(funnel: dict, params: dict | None = None) -> dict:
        from radforge.orchestration import task_settings
        from warehouse.snapshot import snapshot_if_changed

        params = params or {}
        return snapshot_if_changed(task_settings(), split=params.get("split", "patient"),
                                   task=params.get("task", DEFAULT_TASK))

    @task
    def reconcile(snap: dict) -> dict:
        from radforge.orchestration import task_settings
        from warehouse.reconcile import reconcile as run_reconcile

        result = run_reconcile(task_settings())
        if not result.ok:
            raise RuntimeError(f"reconciliation failed: {result.mismatches}")
        return result.to_dict()

    reconcile(snapshot(build_pairs()))


radforge_pairs()

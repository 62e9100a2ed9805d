"""
### radforge_deid

Triggered by new raw reports. One mapped task per raw partition not yet de-identified, in the
`deid` pool (one Presidio + spaCy engine per slot). Each partition is written atomically into the
de-identified zone (Parquet, partitioned by exam year); reports with residual PHI go to quarantine;
every report gets an audit record. The ledger makes a re-run skip partitions already done.

`publish` emits the **de-identified reports** asset, which starts `radforge_pairs`, once all of the
run's partitions are done: emitted by each mapped task, it started a pairs run after the first
partition, beside the others still running (seen under a real scheduler, `make deploy-check`).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from radforge.orchestration import DEFAULT_ARGS

from assets import DEID_REPORTS, RAW_REPORTS


@dag(
    dag_id="radforge_deid",
    schedule=[RAW_REPORTS],
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["radforge", "deid", "phi"],
    doc_md=__doc__,
)
def radforge_deid():
    @task
    def pending_partitions() -> list[str]:
        from radforge.orchestration import task_settings
        from warehouse.deid_zone import pending_partitions as pending

        return pending(task_settings())

    @task(pool="deid")
    def deidentify_partition(partition: str) -> dict:
        from radforge.orchestration import task_settings
        from warehouse.deid_zone import run_deid_partition

        return run_deid_partition(partition, task_settings())

    @task(outlets=[DEID_REPORTS])
    def publish(results: list[dict]) -> dict:
        """Counts of the run's partitions (skipped with them when none was pending: no pairs run then)."""
        results = list(results)
        return {"partitions": len(results), "rows_deid": sum(int(r.get("rows_deid", 0)) for r in results)}

    publish(deidentify_partition.expand(partition=pending_partitions()))


radforge_deid()

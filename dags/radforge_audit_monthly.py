"""
### radforge_audit_monthly

On the first of every month: verifies the whole de-identification audit chain — every record's MAC
under the audit key, the chain and its head (fails loudly, and stops, if any record was edited,
deleted, reordered or written without the key) — then writes the compliance report of the previous
month (HTML + CSV: volumes, entity counts by type, quarantine reasons, residual-check rate, engine
versions) for the compliance officer, with the month's **anchor** (`YYYY-MM:<last hash>:<record
count>`). The officer keeps the anchor outside this server; `radforge audit verify --anchors FILE`
later proves the trail was not rewritten since, even by someone holding the audit key.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from radforge.orchestration import DEFAULT_ARGS


@dag(
    dag_id="radforge_audit_monthly",
    schedule="0 4 1 * *",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    default_args={**DEFAULT_ARGS, "retries": 0},
    tags=["radforge", "audit", "compliance"],
    params={"month": Param("", type="string", description="YYYY-MM; empty = the month before the run")},
    doc_md=__doc__,
)
def radforge_audit_monthly():
    @task
    def verify_chain() -> dict:
        from radforge.audit import AuditTampered, AuditTrail
        from radforge.orchestration import task_settings

        result = AuditTrail.for_settings(task_settings()).verify()
        if not result.ok:
            raise AuditTampered(f"audit chain broken at record {result.first_bad_seq}: {result.problem}")
        return result.as_dict()

    @task
    def monthly_report(verified: dict, params: dict | None = None, logical_date=None) -> dict:
        from radforge.audit import AuditTrail, write_month_report
        from radforge.orchestration import task_settings

        previous = (logical_date or pendulum.now("UTC")).subtract(months=1)
        month = (params or {}).get("month") or previous.format("YYYY-MM")
        settings = task_settings()
        trail = AuditTrail.for_settings(settings)
        paths = write_month_report(trail, month, settings.zone("audit") / "reports")
        anchor = trail.anchor(month)
        print(f"audit anchor for {month} (for the compliance officer, to keep off this server): {anchor.text}")
        return {"month": month, "html": str(paths["html"]), "csv": str(paths["csv"]), "anchor": anchor.text}

    monthly_report(verify_chain())


radforge_audit_monthly()

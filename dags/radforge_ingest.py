"""
### radforge_ingest

Picks up hospital export files (CSV, JSONL, Parquet, HL7 ORU) from the site's landing folder and
ingests each one into the raw zone — one mapped task per file. Ingest is idempotent: the ledger
knows every file by content hash, so a re-run or a retry never ingests a file twice. Rows that fail
validation go to the quarantine zone with a reason. A file refused whole (a symlink out of the
folder, a truncated archive or zip bomb, a file changed while read) fails its own mapped task, with
the reason in the catalog's `ingest_refusals`; the other files go on. Tasks pass keyed file keys,
never file names (a RIS job may name exports after the patient).

Emits the **raw reports** asset, which starts `radforge_deid`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from radforge.orchestration import DEFAULT_ARGS

from assets import RAW_REPORTS


@dag(
    dag_id="radforge_ingest",
    schedule="*/30 * * * *",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["radforge", "ingest", "phi"],
    params={"landing_dir": Param("", type="string", description="Folder to scan; empty = the site's landing folder")},
    doc_md=__doc__,
)
def radforge_ingest():
    @task
    def list_landing_files(params: dict | None = None) -> list[str]:
        """Keys of the files to ingest (keyed hashes: export file names may be PHI, Airflow keeps task results)."""
        from radforge.orchestration import task_settings
        from warehouse.ingest import landing_file_keys

        return landing_file_keys(task_settings(), (params or {}).get("landing_dir") or None)

    @task(outlets=[RAW_REPORTS], max_active_tis_per_dagrun=4)
    def ingest_file(file_key: str, params: dict | None = None) -> dict:
        from radforge.orchestration import task_settings
        from warehouse.ingest import IngestSummary, ingest_paths, landing_path

        settings = task_settings()
        path = landing_path(file_key, settings, (params or {}).get("landing_dir") or None)
        if path is None:  # ingested by another run meanwhile, or removed from the landing folder
            return IngestSummary([]).to_dict(paths=False)
        summary = ingest_paths([path], settings)
        if summary.refused:  # this file's task goes red; the other files' tasks are not held up
            from warehouse.errors import IngestError

            reasons = sorted({r for f in summary.refused for r in f.reasons})
            raise IngestError(f"file {file_key} refused whole ({', '.join(reasons)}); recorded in ingest_refusals")
        return summary.to_dict(paths=False)

    ingest_file.expand(file_key=list_landing_files())


radforge_ingest()

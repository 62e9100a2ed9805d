"""Every DAG imports, names only pools that exist, and keeps heavy imports out of the module top."""

from __future__ import annotations

import json
import os
from pathlib import Path

from radforge.airflow_local import DAGS_FOLDER, POOLS_FILE

EXPECTED = {"radforge_ingest", "radforge_deid", "radforge_pairs", "radforge_retrain_yearly",
            "radforge_evaluate", "radforge_audit_monthly"}


def test_every_dag_imports_without_error():
    from radforge.airflow_local import prepare

    prepare(Path(os.environ["AIRFLOW_HOME"]))
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    assert bag.import_errors == {}
    assert set(bag.dag_ids) >= EXPECTED
    pools = set(json.loads(POOLS_FILE.read_text())) | {"default_pool"}
    for dag_id in EXPECTED:
        dag = bag.get_dag(dag_id)
        assert dag.doc_md, f"{dag_id} has no Markdown docstring for the UI"
        assert "radforge" in dag.tags
        for t in dag.tasks:
            assert t.pool in pools, f"{dag_id}.{t.task_id} uses unknown pool {t.pool}"
            assert t.on_failure_callback, f"{dag_id}.{t.task_id} has no failure callback"


def test_dag_files_import_no_heavy_package_at_module_top():
    for path in DAGS_FOLDER.glob("*.py"):
        top = [line for line in path.read_text().splitlines() if line.startswith(("import ", "from "))]
        heavy = [line for line in top if any(p in line for p in ("deid", "warehouse", "training", "evaluation",
                                                                 "torch", "transformers", "presidio"))]
        assert not heavy, f"{path.name} imports at module top: {heavy}"

"""Every DAG imports, names only pools that exist, and keeps heavy imports out of the module top."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from radforge.airflow_local import DAGS_FOLDER, POOLS_FILE

EXPECTED = {"radforge_ingest", "radforge_deid", "radforge_pairs", "radforge_retrain_yearly",
            "radforge_evaluate", "radforge_audit_monthly"}


@pytest.fixture(scope="module")
def bag():
    """The DAG folder parsed as Airflow's DAG processor parses it (the folder on sys.path, for `assets`)."""
    from radforge.airflow_local import prepare

    prepare(Path(os.environ["AIRFLOW_HOME"]))
    from airflow.dag_processing.dagbag import BundleDagBag

    return BundleDagBag(dag_folder=str(DAGS_FOLDER), bundle_path=DAGS_FOLDER)


def test_every_dag_imports_without_error(bag):
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


def _asset_keys(condition) -> list[tuple]:
    """(name, uri, group) of every asset in a schedule's condition, however nested (any/all)."""
    if hasattr(condition, "objects"):
        return [key for part in condition.objects for key in _asset_keys(part)]
    return [(condition.name, getattr(condition, "uri", None), getattr(condition, "group", None))]


def test_every_scheduled_or_emitted_asset_is_one_of_dags_assets(bag):
    """A URI spelled twice with a typo would leave the consumer DAG never scheduled: every DAG imports its
    assets from dags/assets.py, and every asset a DAG waits for is emitted by a task of another DAG."""
    import assets  # dags/ is on sys.path since the DagBag was filled

    defined = {(a.name, a.uri, a.group) for a in assets.ASSETS}
    assert len(defined) == len(assets.ASSETS)
    scheduled, emitted = set(), set()
    for dag in bag.dags.values():
        condition = getattr(dag.timetable, "asset_condition", None)
        if condition is not None:
            scheduled.update((dag.dag_id, key) for key in _asset_keys(condition))
        for t in dag.tasks:
            emitted.update(key for outlet in t.outlets for key in _asset_keys(outlet))
    undefined = ({key for _, key in scheduled} | emitted) - defined
    assert not undefined, f"assets not defined in dags/assets.py: {undefined}"
    assert {d for d, _ in scheduled} == {"radforge_deid", "radforge_pairs", "radforge_retrain_yearly"}
    assert emitted == defined  # each defined asset is emitted by some task
    orphans = {(d, key) for d, key in scheduled if key not in emitted}
    assert not orphans, f"DAGs waiting for an asset no task emits: {orphans}"


# The task table is the one warehouse module a DAG reads when it is parsed (its `task` param's choices): it
# imports only radforge.errors and the standard library.
LIGHT = ("from warehouse.tasks import ",)


def test_dag_files_import_no_heavy_package_at_module_top():
    for path in DAGS_FOLDER.glob("*.py"):
        top = [line for line in path.read_text().splitlines()
               if line.startswith(("import ", "from ")) and not line.startswith(LIGHT)]
        heavy = [line for line in top if any(p in line for p in ("deid", "warehouse", "training", "evaluation",
                                                                 "torch", "transformers", "presidio"))]
        assert not heavy, f"{path.name} imports at module top: {heavy}"

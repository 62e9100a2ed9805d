"""
### radforge_retrain_yearly

When a new exam year is complete (checked on every new batch of pairs, and on a yearly schedule in
January), builds the temporal snapshot (train on years ≤ Y−1, test on year Y), fine-tunes in the
`gpu` pool through the site's launcher (local, torchrun, deepspeed with a hostfile, or a Slurm
submit-and-wait), evaluates the new model and the production model on the same test split, and
**promotes** the new model only if it beats production by the configured margin with a significant
paired bootstrap. Otherwise production stays and the reason is recorded in the registry.

Idempotent: a year already decided is skipped; a finished run or evaluation is reused on retry.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task
from airflow.timetables.assets import AssetOrTimeSchedule
from airflow.timetables.trigger import CronTriggerTimetable

from radforge.orchestration import DEFAULT_ARGS
from warehouse.tasks import DEFAULT_TASK, TASKS

from assets import PAIRS, PRODUCTION


@dag(
    dag_id="radforge_retrain_yearly",
    schedule=AssetOrTimeSchedule(timetable=CronTriggerTimetable("0 3 15 1 *", timezone="UTC"), assets=[PAIRS]),
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["radforge", "training", "gpu"],
    params={
        "task": Param(DEFAULT_TASK, enum=list(TASKS)),
        "preset": Param("", type="string", description="Training preset; empty = the site's default_preset"),
        "year": Param(0, type="integer", description="Test year Y; 0 = the latest complete exam year"),
        "force": Param(False, type="boolean", description="Retrain even if year Y was already decided"),
        "launcher": Param("", type="string", description="local|torchrun|deepspeed|slurm; empty = site setting"),
        "eval_limit": Param(0, type="integer", description="Evaluate on the first N test examples (0 = all)"),
    },
    doc_md=__doc__,
)
def radforge_retrain_yearly():
    @task.short_circuit
    def new_complete_year(params: dict | None = None) -> dict | bool:
        from evaluation.promotion import year_to_retrain
        from radforge.orchestration import task_settings

        p = params or {}
        year = year_to_retrain(task_settings(), task=p["task"], year=int(p.get("year") or 0),
                               force=bool(p.get("force")))
        return {"year": year, "task": p["task"]} if year else False

    @task
    def temporal_snapshot(plan: dict, params: dict | None = None) -> dict:
        from radforge.orchestration import task_settings
        from training.yearly import retrieval_of_preset
        from warehouse.snapshot import temporal_snapshot as make

        settings = task_settings()  # the preset's retrieval index must be in the snapshot it trains on
        retrieval = retrieval_of_preset(settings, (params or {}).get("preset") or None)
        return {**plan, **make(settings, test_year=plan["year"], task=plan["task"], retrieval=retrieval)}

    @task(pool="gpu", execution_timeout=pendulum.duration(hours=72))
    def train(plan: dict, params: dict | None = None) -> dict:
        from radforge.orchestration import task_settings
        from training.yearly import train_for_snapshot

        p = params or {}
        run_id = train_for_snapshot(plan["snapshot"], settings=task_settings(), preset=p.get("preset") or None,
                                    launcher=p.get("launcher") or None, task=plan["task"])
        return {**plan, "run_id": run_id}

    @task(pool="gpu")
    def evaluate(plan: dict, params: dict | None = None) -> dict:
        from evaluation.promotion import evaluate_candidate_and_production
        from radforge.orchestration import task_settings

        limit = int((params or {}).get("eval_limit") or 0)
        return {**plan, **evaluate_candidate_and_production(task_settings(), plan["run_id"], plan["snapshot"],
                                                            limit=limit, task=plan["task"])}

    @task(outlets=[PRODUCTION])
    def promote(plan: dict) -> dict:
        from evaluation.promotion import decide_and_promote
        from radforge.orchestration import task_settings

        return decide_and_promote(task_settings(), plan)

    promote(evaluate(train(temporal_snapshot(new_complete_year()))))


radforge_retrain_yearly()

"""
### radforge_evaluate

Manual, parameterised evaluation of a training run (or a local model folder) on a snapshot split:
batched generation, ROUGE / BERTScore / BLEU with paired-bootstrap CIs beside the baselines, and the
local LLM judge with the chosen rubric. Writes `evals/<eval_id>/report.html` and a catalog record.
A re-run with the same parameters resumes the predictions it already has.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from radforge.orchestration import DEFAULT_ARGS


@dag(
    dag_id="radforge_evaluate",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["radforge", "evaluation"],
    params={
        "run_id": Param("", type="string", description="Training run to evaluate (or set model_path)"),
        "model_path": Param("", type="string", description="Local model folder (instead of run_id)"),
        "snapshot": Param("", type="string", description="Snapshot name; empty = the run's snapshot"),
        "split": Param("test", enum=["test", "validation"]),
        "rubric": Param("mgh-0-10", enum=["mgh-0-10", "chexprompt", "none"]),
        "limit": Param(0, type="integer", description="Evaluate only the first N examples (0 = all)"),
    },
    doc_md=__doc__,
)
def radforge_evaluate():
    @task(pool="gpu")
    def evaluate(params: dict | None = None) -> dict:
        from evaluation.run import evaluate_from_params
        from radforge.orchestration import task_settings

        return evaluate_from_params(task_settings(), params or {})

    evaluate()


radforge_evaluate()

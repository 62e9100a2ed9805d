"""`make demo`: the main job end to end, through Airflow itself, on a generated synthetic corpus.

synth → landing → radforge_ingest → radforge_deid → radforge_pairs → radforge_retrain_yearly
(temporal snapshot, tiny LoRA on CPU, evaluation vs production/base, promotion) → radforge_evaluate
(with the local judge) → radforge_audit_monthly. Each DAG runs with `dag.test()` under an Airflow home
inside RADFORGE_HOME (SQLite); the script prints where every output is.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
import time

from rich.console import Console

console = Console()


def _step(title: str) -> float:
    console.rule(f"[bold]{title}")
    return time.perf_counter()


def main() -> int:
    from radforge.process import start
    from radforge.site import init_site

    os.environ.setdefault("RADFORGE_LOG_LEVEL", "WARNING")
    settings = start(preflight=False)  # threads, logging, egress guard; the site is made below
    reports = int(os.environ.get("DEMO_REPORTS", "3000"))
    eval_limit = int(os.environ.get("DEMO_EVAL_LIMIT", "24"))
    judge_limit = int(os.environ.get("DEMO_JUDGE_LIMIT", "6"))

    started = t = _step("1. site and local models")
    info = init_site(settings)
    from radforge.models import DEMO_LLM_DIRNAME, prepare_demo_llm

    llm = prepare_demo_llm(settings.zone("models") / DEMO_LLM_DIRNAME)
    console.print(f"site {info['home']}; base LLM {llm} ({time.perf_counter() - t:.0f}s)")

    t = _step(f"2. synthetic hospital export: {reports} reports")
    from sources.synth import write_corpus

    corpus = settings.root / "synth"
    summary = write_corpus(corpus, reports=reports, seed=11, formats=("jsonl", "csv", "hl7"), workers=1)
    landing = settings.landing_path
    landing.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(corpus / "reports.csv", landing / "ris_export.csv")
    console.print(f"{summary['reports']} reports of {summary['patients']} patients → {landing / 'ris_export.csv'}")

    from radforge.airflow_local import prepare, run_dag

    t = _step("3. Airflow (SQLite metadata DB, dag.test)")
    airflow_home = settings.root / "airflow"
    prepare(airflow_home)
    console.print(f"AIRFLOW_HOME={airflow_home}")

    outcomes = {}

    def run(dag_id: str, conf: dict | None = None) -> dict:
        t0 = time.perf_counter()
        outcome = run_dag(dag_id, conf)
        outcomes[dag_id] = outcome
        colour = "green" if outcome.ok else "red"
        console.print(f"[{colour}]{dag_id}: {outcome.state}[/] in {time.perf_counter() - t0:.0f}s  "
                      + ", ".join(f"{k}={v}" for k, v in outcome.tasks.items()))
        if not outcome.ok:
            console.print(f"[red]demo stopped: {dag_id} did not succeed; task logs under {airflow_home}/logs")
            sys.exit(1)
        return outcome.returns

    ingest = run("radforge_ingest")
    rows = [v for k, v in ingest.items() if k.startswith("ingest_file")]
    keys = ("rows_in", "rows_written", "rows_quarantined")
    console.print(f"ingested: {json.dumps([{k: r.get(k) for k in keys} for r in rows])}")
    deid = run("radforge_deid")
    console.print(f"de-identified partitions: {len([k for k in deid if k.startswith('deidentify_partition')])}")
    pairs = run("radforge_pairs")
    console.print(f"snapshot: {json.dumps(pairs.get('snapshot', {}), default=str)[:300]}")
    console.print(f"reconciliation: {json.dumps(pairs.get('reconcile', {}), default=str)[:400]}")

    retrain = run("radforge_retrain_yearly", {"eval_limit": eval_limit})
    decision = retrain.get("promote") or {}
    console.print(f"promotion decision: {json.dumps(decision, default=str)}")
    # the other direction (impression → report, as the Heidelberg system does), same DAG, same machinery
    reverse = run("radforge_retrain_yearly", {"eval_limit": eval_limit, "task": "impression-to-report"})
    reverse_decision = reverse.get("promote") or {}
    console.print(f"impression-to-report decision: {json.dumps(reverse_decision, default=str)}")

    run_id = decision.get("run_id") or (retrain.get("train") or {}).get("run_id", "")
    evaluation = run("radforge_evaluate", {"run_id": run_id, "rubric": "mgh-0-10", "limit": judge_limit})
    month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    audit = run("radforge_audit_monthly", {"month": month})

    _step("done: where things are")
    ev = evaluation.get("evaluate", {})
    for label, path in [
        ("site home", settings.root), ("catalog (radforge sql)", settings.catalog_path),
        ("de-identified zone", settings.zone("deid")), ("quarantine", settings.zone("quarantine")),
        ("snapshots", settings.zone("snapshots")), ("training runs", settings.zone("runs")),
        ("findings→impression report", (retrain.get("evaluate") or {}).get("candidate_report")),
        ("impression→report report", (reverse.get("evaluate") or {}).get("candidate_report")),
        ("production model", decision.get("production_path") or "(kept previous / none)"),
        ("judged evaluation report", ev.get("report")),
        ("audit report", (audit.get("monthly_report") or {}).get("html")),
    ]:
        console.print(f"  {label:28s} {path}")
    console.print(f"[green]demo finished in {time.perf_counter() - started:.0f}s[/]")
    return 0


if __name__ == "__main__":
    sys.exit(main())

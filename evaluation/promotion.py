"""Promotion: a new model replaces production only when it is measurably better.

The yearly retrain evaluates the candidate and the current production model (or, before the first
promotion, the base model) on the same test split, compares them with the paired bootstrap, and
promotes only when the primary metric improves by more than the site's margin *and* the improvement
is significant *and* the candidate is significantly better than the best simple baseline of that
split (constant, top-1 retrieval, k-NN vote, copy-source: evaluation.baselines) — a model the
nearest old report beats is not worth a radiologist's time, however much it improves on production.
Every decision — promoted or refused, and why — is a row in the catalog table
`promotions`; production itself is a stable path, `$RADFORGE_HOME/models/production/<task>`, a
symlink swapped atomically to the promoted model's standalone folder.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from radforge.catalog import reader, writer
from radforge.log import get_logger
from radforge.settings import Settings
from warehouse.tasks import DEFAULT_TASK

log = get_logger("evaluation.promotion")

_TABLE = """
CREATE TABLE IF NOT EXISTS promotions (
    decided_at TIMESTAMP, task VARCHAR, year INTEGER, candidate_run VARCHAR, candidate_eval VARCHAR,
    production_run VARCHAR, production_eval VARCHAR, promoted BOOLEAN, reason VARCHAR,
    metric VARCHAR, delta DOUBLE, delta_low DOUBLE, delta_high DOUBLE, p_value DOUBLE, margin DOUBLE,
    production_path VARCHAR
)"""


def production_dir(settings: Settings, task: str) -> Path:
    return settings.zone("models") / "production" / task


def current_production(settings: Settings, task: str) -> dict[str, Any] | None:
    """The record of the model now in production for `task`, or None before the first promotion."""
    record = production_dir(settings, task).with_suffix(".json")
    return json.loads(record.read_text()) if record.exists() else None


def decisions(settings: Settings, task: str | None = None) -> list[dict[str, Any]]:
    if not settings.catalog_path.exists():
        return []
    with reader(settings) as con:
        sql = "SELECT count(*) FROM information_schema.tables WHERE table_name = 'promotions'"
        exists = con.execute(sql).fetchone()
        if not exists or not exists[0]:
            return []
        sql = "SELECT * FROM promotions" + (" WHERE task = ?" if task else "") + " ORDER BY decided_at"
        cur = con.execute(sql, [task] if task else [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _deid_years(settings: Settings) -> list[int]:
    years = []
    for part in settings.zone("deid").glob("exam_year=*"):
        try:
            years.append(int(part.name.split("=", 1)[1]))
        except ValueError:
            continue
    return sorted(years)


def year_to_retrain(settings: Settings, task: str = DEFAULT_TASK, year: int = 0,
                    force: bool = False, today: dt.date | None = None) -> int | None:
    """The test year of the next yearly retrain, or None when there is nothing new to decide.

    A year is complete once a later year has reports or the calendar has moved past it. A year already
    decided (promoted or refused) is skipped unless `force`.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    years = _deid_years(settings)
    if not year:
        complete = [y for y in years if y < today.year or any(later > y for later in years)]
        trainable = [y for y in complete if any(earlier < y for earlier in years)]
        if not trainable:
            log.info("no complete exam year with earlier years to train on (years=%s)", years)
            return None
        year = max(trainable)
    if not force and any(d["year"] == year for d in decisions(settings, task)):
        log.info("year %d already decided for task %s; nothing to do", year, task)
        return None
    return year


def evaluate_candidate_and_production(settings: Settings, run_id: str, snapshot: str, limit: int | None = None,
                                      task: str = DEFAULT_TASK) -> dict[str, Any]:
    """Evaluate the candidate run and the production (or base) model on the same test split."""
    from evaluation.config import EvalConfig
    from evaluation.data import run_record
    from evaluation.run import evaluate

    limit = limit or None
    candidate = evaluate(EvalConfig(snapshot=snapshot, split="test", run_id=run_id, limit=limit), settings)
    production = current_production(settings, task)
    if production is not None:
        baseline = evaluate(EvalConfig(snapshot=snapshot, split="test", model_path=production["path"],
                                       prompt_format=production.get("prompt_format"), limit=limit,
                                       retrieval=_usable_retrieval(settings, snapshot, production.get("retrieval"))),
                            settings)
        production_run = production.get("run_id")
    else:
        run = run_record(run_id, settings)
        baseline = evaluate(EvalConfig(snapshot=snapshot, split="test", model_path=run["base_model"],
                                       prompt_format=run.get("prompt_format"), limit=limit), settings)
        production_run = None
    return {"candidate_eval": candidate["eval_id"], "production_eval": baseline["eval_id"],
            "production_run": production_run, "candidate_report": candidate["paths"]["report"]}


def _usable_retrieval(settings: Settings, snapshot: str, retrieval: dict[str, Any] | None) -> dict[str, Any] | None:
    """Production's retrieval when this snapshot stores a compatible index; else None (it is scored without)."""
    from evaluation.data import load_manifest
    from radforge.errors import ConfigError
    from warehouse.retrieval import RetrievalSpec, check_compatible

    try:
        check_compatible(load_manifest(settings, snapshot), RetrievalSpec.parse(retrieval), snapshot)
    except ConfigError:
        log.warning("snapshot %s has no index for production's retrieval %s: production is evaluated without it",
                    snapshot, retrieval)
        return None
    return retrieval


def _standalone_model(settings: Settings, run_id: str) -> tuple[Path, str | None]:
    """The folder a production symlink can point at: the full model, or the merged LoRA model."""
    from training import registry
    from training.merge import merge_run

    run = registry.get_run(run_id, settings)
    if run.get("model_path") and not run.get("adapter_path"):
        return Path(run["model_path"]), run.get("prompt_format")
    return merge_run(run_id, settings), run.get("prompt_format")


def _point_production(settings: Settings, task: str, target: Path, record: dict[str, Any]) -> Path:
    link = production_dir(settings, task)
    link.parent.mkdir(parents=True, exist_ok=True)
    tmp = link.with_name(f".{link.name}.tmp")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target.resolve(), tmp)
    os.replace(tmp, link)  # atomic swap: readers see the old or the new model, never neither
    meta = link.with_suffix(".json")
    meta_tmp = meta.with_name(meta.name + ".tmp")
    meta_tmp.write_text(json.dumps(record, indent=2))
    os.replace(meta_tmp, meta)
    return link


def decide_and_promote(settings: Settings, plan: dict[str, Any]) -> dict[str, Any]:
    """Compare candidate vs production; promote when better by the margin and significant; record why."""
    from evaluation.compare import compare

    task = plan.get("task", DEFAULT_TASK)
    result = compare(plan["candidate_eval"], plan["production_eval"], settings)
    primary = result["metrics"][result["primary_metric"]]
    margin = settings.evaluation.promote_margin
    vs_best = result["vs_best_baseline"]["a"]  # the candidate against the best baseline on the same reports
    beats_baselines = bool(vs_best["significant"] and vs_best["delta"] > 0)
    promoted = bool(primary["significant"] and primary["delta"] > margin and beats_baselines)
    best_claim = (f"candidate vs best baseline ({vs_best['baseline']}): {result['primary_metric']} "
                  f"{vs_best['delta']:+.3f} [{vs_best['delta_low']:+.3f}, {vs_best['delta_high']:+.3f}] "
                  f"p={vs_best['p_value']:.3f}")
    if promoted:
        reason = f"promoted: {result['claim']}; {best_claim}"
    elif primary["significant"] and primary["delta"] > margin:
        reason = f"kept production: the candidate is not significantly better than the best baseline; {best_claim}"
    elif primary["delta"] <= margin:
        reason = f"kept production: improvement not above margin {margin:+.3f}; {result['claim']}"
    else:
        reason = f"kept production: improvement not significant; {result['claim']}"
    path = None
    if promoted:
        from training import registry

        target, prompt_format = _standalone_model(settings, plan["run_id"])
        record = {"task": task, "run_id": plan["run_id"], "eval_id": plan["candidate_eval"], "year": plan.get("year"),
                  "snapshot": plan.get("snapshot"), "path": str(target), "prompt_format": prompt_format,
                  "retrieval": registry.get_run(plan["run_id"], settings).get("retrieval"),
                  "promoted_at": dt.datetime.now(dt.UTC).isoformat(), "claim": result["claim"]}
        path = str(_point_production(settings, task, target, record))
    with writer(settings) as con:
        con.execute(_TABLE)
        con.execute("INSERT INTO promotions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            dt.datetime.now(dt.UTC).replace(tzinfo=None), task, plan.get("year"), plan["run_id"],
            plan["candidate_eval"], plan.get("production_run"), plan["production_eval"], promoted, reason,
            result["primary_metric"], primary["delta"], primary["delta_low"], primary["delta_high"],
            primary["p_value"], margin, path])
    log.info("promotion decision task=%s year=%s run=%s promoted=%s", task, plan.get("year"), plan["run_id"], promoted)
    return {"promoted": promoted, "reason": reason, "production_path": path, "run_id": plan["run_id"],
            "year": plan.get("year"), "delta": primary["delta"], "p_value": primary["p_value"],
            "best_baseline": vs_best["baseline"], "beats_best_baseline": beats_baselines,
            "delta_vs_best_baseline": vs_best["delta"]}

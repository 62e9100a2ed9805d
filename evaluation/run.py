"""One evaluation, end to end: generate → score model and baselines → CIs → judge → report → catalog.

`evaluate(config)` is the Python API the CLI and the DAGs call, a recipe in the torchtune sense: an
`EvalConfig` (evaluation.config: a YAML file, the CLI's options or a DAG's params) in, each step a
named function below. Its eval id is derived from what is evaluated (model, adapter, prompt format,
snapshot hash, split, limit, max-new-tokens), so running the same evaluation again resumes its
predictions instead of starting a new folder.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from evaluation.baselines import BASELINES, baseline_predictions
from evaluation.bootstrap import paired_bootstrap, system_intervals
from evaluation.config import EvalConfig, JudgeConfig
from evaluation.data import (
    ModelUnderTest,
    load_manifest,
    load_split,
    model_from_path,
    model_from_run,
    orient,
    retrieval_examples,
    task_of,
)
from evaluation.errors import EvaluationError
from evaluation.metrics import METRICS, PRIMARY_METRIC, SampleScores, corpus_scores, score_samples
from evaluation.subsets import templated_normal_flags
from radforge.log import get_logger
from radforge.settings import Settings, get_settings
from warehouse.leakage import leaked_mask, split_leakage
from warehouse.tasks import get_task

log = get_logger("evaluation.run")
SYSTEMS = ("model", *BASELINES)


def make_eval_id(mut: ModelUnderTest, snapshot: str, snapshot_hash: str, split: str, limit: int | None,
                 max_new_tokens: int, num_beams: int = 1) -> str:
    # greedy evaluations keep the ids they had before beams existed (their resumable predictions too)
    beams = {"num_beams": num_beams} if num_beams > 1 else {}
    ident = json.dumps({**mut.identity(), "snapshot_hash": snapshot_hash, "split": split, "limit": limit,
                        "max_new_tokens": max_new_tokens, **beams}, sort_keys=True)
    label = re.sub(r"[^A-Za-z0-9_.-]+", "-", mut.label or "model")[:40].strip("-") or "model"
    return f"{label}-{snapshot}-{split}-{hashlib.sha256(ident.encode()).hexdigest()[:8]}"


def evaluate(config: EvalConfig, settings: Settings | None = None, *, subsets: Mapping[str, set[str]] | None = None,
             eval_id: str | None = None, progress: bool = False) -> dict[str, Any]:
    """Evaluate a run (or a model folder) on a snapshot split as `config` says; returns the summary (also summary.json).

    The keywords are what a caller knows at run time, not configuration: `subsets` (name → report_keys)
    adds metric breakdowns, e.g. {"abnormal": ..., "not_leaked": ...}; `eval_id` names the evaluation
    instead of the id derived from what is evaluated; `progress` shows bars on a terminal.
    """
    settings = settings or get_settings()
    config = _with_site_defaults(config, settings)
    mut = _model_under_test(config, settings)
    manifest, task, test, train = _load_snapshot(config, settings, mut)
    eval_id = eval_id or make_eval_id(mut, config.snapshot, manifest.get("hash", ""), config.split, config.limit,
                                      config.max_new_tokens, config.num_beams)
    eval_dir = settings.zone("evals") / eval_id
    eval_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    frame, generation, loaded = _generate(config, settings, manifest, mut, task, test, eval_dir, progress)
    judge_reuse = _judge_reuse(config.judge, settings, mut, loaded)  # the demo judges with the model under test
    del loaded  # free the model under test before a judge loads another
    preds, scores = _score(settings, train, frame)
    _write_predictions(eval_dir, frame, preds, scores)
    summary = _summarise(config, eval_id, mut, manifest, frame, generation, scores, train, subsets)
    if config.judge.enabled:
        summary["judge"] = _run_judge(config, settings, frame, eval_dir, judge_reuse, task)
    summary["seconds"] = round(time.perf_counter() - started, 2)
    _write_report(summary, eval_dir, config, settings)
    return summary


def _with_site_defaults(config: EvalConfig, settings: Settings) -> EvalConfig:
    """The config with the site's defaults ([evaluation], [models].judge) in place of its Nones: what runs."""
    cfg = settings.evaluation
    judge = config.judge
    if judge.enabled:
        from radforge.models import judge_llm_path

        # an endpoint (the run's, else the site's [models].judge_endpoint) is the judge unless a model is named
        endpoint = judge.endpoint or (None if judge.model_path else settings.models.judge_endpoint or None)
        judge = replace(judge, rubric=judge.rubric or cfg.judge_rubric, endpoint=endpoint,
                        model_path=judge.model_path or (None if endpoint else judge_llm_path(settings)),
                        limit=judge.limit or cfg.judge_limit or None,
                        rationale_chars=judge.rationale_chars or cfg.judge_rationale_chars)
    return replace(config, max_new_tokens=config.max_new_tokens or cfg.max_new_tokens,
                   batch_size=config.batch_size or cfg.batch_size, num_beams=config.num_beams or cfg.num_beams,
                   bootstrap_samples=config.bootstrap_samples or cfg.bootstrap_samples, judge=judge)


def _model_under_test(config: EvalConfig, settings: Settings) -> ModelUnderTest:
    if config.run_id:
        return model_from_run(config.run_id, settings)
    return model_from_path(config.model_path, config.prompt_format, config.adapter_path, config.retrieval)


def _load_snapshot(config: EvalConfig, settings: Settings,
                   mut: ModelUnderTest) -> tuple[dict[str, Any], str, pl.DataFrame, pl.DataFrame]:
    """The snapshot's manifest, its task, the evaluated split and train (the baselines'), seen through the task."""
    manifest = load_manifest(settings, config.snapshot)
    task = task_of(manifest)
    if mut.task and mut.task != task:  # the model would be scored on the other direction's references
        raise EvaluationError(f"run {config.run_id} was trained for {mut.task}, snapshot {config.snapshot!r} is a "
                              f"{task} snapshot: evaluate it on a {mut.task} snapshot")
    test = orient(load_split(settings, config.snapshot, config.split, config.limit), task)
    if test.height == 0:
        raise EvaluationError(f"snapshot {config.snapshot!r} split {config.split!r} is empty")
    train = orient(load_split(settings, config.snapshot, "train"), task)
    return manifest, task, test, train


def _generate(config: EvalConfig, settings: Settings, manifest: dict[str, Any], mut: ModelUnderTest, task: str,
              test: pl.DataFrame, eval_dir: Path, progress: bool) -> tuple[pl.DataFrame, dict[str, Any], tuple | None]:
    """Predictions for every example (resumable): the split joined with them and the model's input text.

    Returns that frame, the generation figures, and (model, tokenizer) when they were loaded.
    """
    from evaluation.generation import done_keys, generate_predictions, load_model, read_generated

    rows = test.select("report_key", "findings").to_dicts()
    examples = retrieval_examples(settings, config.snapshot, manifest, mut, config.split, task,
                                  [r["report_key"] for r in rows])
    for r in rows:
        r["examples"] = examples.get(r["report_key"])
    contexts = {r["report_key"]: get_task(task).context_text(r["findings"], r["examples"]) for r in rows}
    loaded = None
    if len(done_keys(eval_dir) & {r["report_key"] for r in rows}) < len(rows):
        loaded = load_model(mut.model_path, mut.adapter_path)
        gen = generate_predictions(*loaded, rows, eval_dir, prompt_format=mut.prompt_format,
                                   max_new_tokens=config.max_new_tokens, batch_size=config.batch_size,
                                   num_beams=config.num_beams,
                                   progress=progress, task=task)
        generation = {"generated": gen.generated, "resumed": gen.skipped, "new_tokens": gen.new_tokens,
                      "seconds": round(gen.seconds, 2), "tokens_per_s": round(gen.tokens_per_s, 2)}
    else:
        generation = {"generated": 0, "resumed": len(rows), "new_tokens": 0, "seconds": 0.0, "tokens_per_s": 0.0}
    frame = test.join(read_generated(eval_dir), on="report_key", how="left").with_columns(
        pl.col("prediction").fill_null(""), pl.col("report_key").replace_strict(contexts, return_dtype=pl.String,
                                                                                default="").alias("context"))
    return frame, generation, loaded


def _judge_reuse(judge: JudgeConfig, settings: Settings, mut: ModelUnderTest, loaded: tuple | None) -> tuple | None:
    """The loaded model under test when it is also the local judge (the demo's case): it is not loaded twice."""
    if (judge.enabled and loaded is not None and mut.adapter_path is None
            and not (judge.endpoint or settings.models.judge_endpoint)
            and judge.model_path.resolve() == mut.model_path.resolve()):
        return loaded
    return None


def _score(settings: Settings, train: pl.DataFrame,
           frame: pl.DataFrame) -> tuple[dict[str, list[str]], dict[str, SampleScores]]:
    """Per-sample metrics of the model and of every baseline (fitted on train) against the references."""
    from radforge.models import bertscore_path

    refs = frame["impression"].to_list()
    preds = {"model": frame["prediction"].to_list(),
             **baseline_predictions(train["findings"].to_list(), train["impression"].to_list(),
                                    frame["findings"].to_list())}
    bs_model = bertscore_path(settings)
    return preds, {name: score_samples(p, refs, bs_model) for name, p in preds.items()}


def _summarise(config: EvalConfig, eval_id: str, mut: ModelUnderTest, manifest: dict[str, Any],
               frame: pl.DataFrame, generation: dict[str, Any], scores: dict[str, SampleScores],
               train: pl.DataFrame, subsets: Mapping[str, set[str]] | None) -> dict[str, Any]:
    """Corpus scores with intervals, the model against every baseline, breakdowns, leakage and subsets."""
    samples = config.bootstrap_samples
    keys = frame["report_key"].to_list()
    summary_systems = {name: {"corpus": corpus_scores(s), "ci": system_intervals(s, samples)}
                       for name, s in scores.items()}
    vs_baselines = {b: _paired(scores["model"], scores[b], samples) for b in BASELINES}
    best = max(BASELINES, key=lambda b: summary_systems[b]["corpus"][PRIMARY_METRIC])
    margin = vs_baselines[best][PRIMARY_METRIC]
    summary: dict[str, Any] = {
        "eval_id": eval_id, "created_unix": int(time.time()), "model": mut.identity(),
        "snapshot": {"name": config.snapshot, "hash": manifest.get("hash"), "task": manifest.get("task"),
                     "retrieval": manifest.get("retrieval") and {k: manifest["retrieval"][k] for k in ("k", "index")}},
        "retrieval": mut.retrieval,
        "split": config.split, "limit": config.limit, "n": len(keys), "max_new_tokens": config.max_new_tokens,
        "num_beams": config.num_beams,
        "bootstrap_samples": samples, "primary_metric": PRIMARY_METRIC, "metrics": list(METRICS),
        "generation": generation, "systems": summary_systems, "model_vs_baselines": vs_baselines,
        "model_vs_best_baseline": {"baseline": best, "metric": PRIMARY_METRIC, "delta": margin["delta"],
                                   "delta_low": margin["delta_low"], "delta_high": margin["delta_high"],
                                   "p_value": margin["p_value"], "significant": margin["significant"],
                                   "model_better": margin["delta"] > 0 and margin["significant"]},
        "by_modality": _breakdown(frame, scores, "modality"), "by_body_part": _breakdown(frame, scores, "body_part"),
    }
    standard, leakage = _standard_subsets(train, frame)
    summary["leakage"] = leakage
    summary["subsets"] = _subsets(keys, scores, {**standard, **(subsets or {})}, samples)
    return summary


def _write_report(summary: dict[str, Any], eval_dir: Path, config: EvalConfig, settings: Settings) -> None:
    """summary.json (with the config that ran), report.html and the catalog row."""
    from evaluation.report import write_report
    from evaluation.store import record

    summary["paths"] = {"dir": str(eval_dir), "predictions": str(eval_dir / "predictions.parquet"),
                        "scores": str(eval_dir / "scores.parquet"), "summary": str(eval_dir / "summary.json"),
                        "report": str(eval_dir / "report.html")}
    summary["config"] = config.to_dict()
    (eval_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=_json_default))
    write_report(summary, eval_dir)
    record(summary, settings)
    log.info("evaluation %s: n=%d, %s=%.4f", summary["eval_id"], summary["n"], PRIMARY_METRIC,
             summary["systems"]["model"]["corpus"][PRIMARY_METRIC])


def evaluate_from_params(settings: Settings, params: Mapping[str, Any]) -> dict[str, Any]:
    """The Airflow task's entry (radforge_evaluate DAG): params in, a small XCom-safe result out.

    params: run_id or model_path; snapshot ("" = the run's snapshot); split; rubric ("none" = no
    judge); limit (0 = all).
    """
    run_id = params.get("run_id") or None
    model_path = params.get("model_path") or None
    snapshot = params.get("snapshot") or None
    if snapshot is None and run_id:
        from evaluation.data import run_record

        snapshot = (run_record(run_id, settings).get("snapshot") or {}).get("name")
    if not snapshot:
        raise EvaluationError("no snapshot given and none recorded for the run")
    rubric = params.get("rubric") or settings.evaluation.judge_rubric
    config = EvalConfig(snapshot=snapshot, split=params.get("split") or "test", run_id=run_id, model_path=model_path,
                        limit=int(params.get("limit") or 0) or None,
                        judge=JudgeConfig(enabled=rubric != "none", rubric=None if rubric == "none" else rubric))
    return brief(evaluate(config, settings))


def brief(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The few numbers a DAG, a log line or a promotion decision needs (ids and scores, no text)."""
    vb = summary["model_vs_best_baseline"]
    judge = summary.get("judge") or {}
    return {"eval_id": summary["eval_id"], "n": summary["n"], "snapshot": summary["snapshot"]["name"],
            "rougeL": summary["systems"]["model"]["corpus"]["rougeL"], "best_baseline": vb["baseline"],
            "margin_rougeL": vb["delta"], "margin_significant": vb["significant"],
            "judge_rubric": judge.get("rubric"), "judge_mean": judge.get("mean_quality"),
            "judge_failed": judge.get("failed"), "report": summary["paths"]["report"]}


def _paired(a: SampleScores, b: SampleScores, samples: int) -> dict[str, dict[str, Any]]:
    return {m: paired_bootstrap(m, a.samples(m), b.samples(m), samples).as_dict() for m in METRICS}


def _write_predictions(eval_dir: Path, frame: pl.DataFrame, preds: dict[str, list[str]],
                       scores: dict[str, SampleScores]) -> None:
    base = frame.select("report_key", "modality", "body_part", "findings", "context",
                        pl.col("impression").alias("reference"))
    model_cols = {k: v for k, v in scores["model"].columns().items()}
    extra = [c for c in ("exam_year", "new_tokens") if c in frame.columns]
    base.hstack(frame.select(extra)).with_columns(
        pl.Series("prediction", preds["model"]), *[pl.Series(k, v) for k, v in model_cols.items()]).write_parquet(
        eval_dir / "predictions.parquet")
    long = []
    for name, s in scores.items():
        cols = s.columns()
        long.append(pl.DataFrame({"report_key": frame["report_key"], "system": [name] * frame.height,
                                  "prediction": preds[name], **{k: v for k, v in cols.items()}}))
    pl.concat(long).write_parquet(eval_dir / "scores.parquet")


def _breakdown(frame: pl.DataFrame, scores: dict[str, SampleScores], column: str) -> dict[str, dict[str, Any]]:
    values = frame[column].fill_null("unknown").to_list()
    out: dict[str, dict[str, Any]] = {}
    for group in sorted(set(values)):
        mask = np.array([v == group for v in values])
        out[group] = {"n": int(mask.sum()),
                      **{name: {m: float(getattr(s, m)[mask].mean()) for m in ("rouge1", "rougeL", "bertscore")}
                         for name, s in scores.items()}}
    return out


def _standard_subsets(train: pl.DataFrame, frame: pl.DataFrame) -> tuple[dict[str, set[str]], dict[str, Any] | None]:
    """Issue #10's honest subsets: test rows not leaked from train (the warehouse's leakage check),
    templated normals vs abnormal (the warehouse's normal-template detector, through evaluation.subsets)."""
    keys = frame["report_key"].to_list()
    report = split_leakage(train, frame)
    flags = leaked_mask(report)
    normal = templated_normal_flags(frame["impression"].to_list())
    out = {"not_leaked": {k for k, leaked in zip(keys, flags, strict=True) if not leaked},
           "templated_normal": {k for k, f in zip(keys, normal, strict=True) if f},
           "abnormal": {k for k, f in zip(keys, normal, strict=True) if not f}}
    return out, report.to_dict()


def _subset(s: SampleScores, mask: np.ndarray) -> SampleScores:
    return SampleScores(**{m: getattr(s, m)[mask] for m in METRICS}, bleu_stats=s.bleu_stats[mask])


def _subsets(keys: list[str], scores: dict[str, SampleScores], subsets: Mapping[str, set[str]],
             samples: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, members in subsets.items():
        mask = np.array([k in members for k in keys])
        if not mask.any():
            out[name] = {"n": 0}
            continue
        sub = {sys_: _subset(s, mask) for sys_, s in scores.items()}
        best = max(BASELINES, key=lambda b: corpus_scores(sub[b])[PRIMARY_METRIC])
        out[name] = {"n": int(mask.sum()),
                     "systems": {k: {"corpus": corpus_scores(v), "ci": system_intervals(v, samples)}
                                 for k, v in sub.items()},
                     "model_vs_best_baseline": {"baseline": best, **paired_bootstrap(
                         PRIMARY_METRIC, sub["model"].samples(PRIMARY_METRIC), sub[best].samples(PRIMARY_METRIC),
                         samples).as_dict()}}
    return out


def _run_judge(config: EvalConfig, settings: Settings, frame: pl.DataFrame, eval_dir: Path, reuse: tuple | None,
               task: str) -> dict[str, Any]:
    from evaluation.bootstrap import bootstrap_ci
    from evaluation.judge import JudgeItem, get_rubric, make_judge
    from evaluation.judge.resume import VERDICT_PARTS_DIR, judge_resumable

    wanted = config.judge  # with the site's defaults in place
    rubric = get_rubric(wanted.rubric, wanted.rationale_chars, task)  # worded for the direction
    loaded = {"model": reuse[0], "tokenizer": reuse[1]} if reuse else {}
    judge = make_judge(settings, rubric, model_path=wanted.model_path, endpoint=wanted.endpoint,
                       batch_size=config.batch_size, **loaded)
    part = frame.head(wanted.limit) if wanted.limit else frame
    # the judge reads what the model read: the source, after the similar reports of a retrieval-augmented run
    items = [JudgeItem(r["report_key"], r["context"], r["impression"], r["prediction"])
             for r in part.select("report_key", "context", "impression", "prediction").to_dicts()]
    started = time.perf_counter()
    verdicts = judge_resumable(judge, items, eval_dir / VERDICT_PARTS_DIR)  # resumes; a bar on a terminal
    seconds = time.perf_counter() - started
    rows = [v.as_row() for v in verdicts]
    pl.DataFrame(rows, schema={"key": pl.String, "rubric": pl.String, "rubric_version": pl.String,
                               "judge": pl.String, "status": pl.String, "attempts": pl.Int64,
                               "verdict": pl.String, "quality": pl.Float64, "prompt": pl.String,
                               "prompt_sha256": pl.String, "raw_output": pl.String}).write_parquet(
        eval_dir / "verdicts.parquet")
    ok = [v for v in verdicts if v.status == "ok"]
    quality = np.array([v.quality for v in ok], dtype=float)
    out: dict[str, Any] = {"judge": judge.name, "rubric": rubric.name, "rubric_version": rubric.version,
                           "judged": len(verdicts), "ok": len(ok), "failed": len(verdicts) - len(ok),
                           "verdicts_per_s": round(len(verdicts) / seconds, 3) if seconds else None,
                           "mean_quality": float(quality.mean()) if len(quality) else None,
                           "quality_ci": bootstrap_ci("rougeL", quality, config.bootstrap_samples).as_dict()
                           if len(quality) else None}
    if rubric.name == "mgh-0-10":
        out["score_histogram"] = {str(s): sum(1 for v in ok if v.verdict["score"] == s) for s in range(11)}
    else:
        totals: dict[str, int] = {}
        for v in ok:
            for k, n in rubric.error_counts(v.verdict).items():
                totals[k] = totals.get(k, 0) + n
        out["error_totals"] = totals
    return out


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(type(obj).__name__)

"""One evaluation, end to end: generate → score model and baselines → CIs → judge → report → catalog.

`evaluate()` is the Python API the CLI and the DAGs call. Its eval id is derived from what is
evaluated (model, adapter, prompt format, snapshot hash, split, limit, max-new-tokens), so running
the same evaluation again resumes its predictions instead of starting a new folder.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from evaluation.baselines import BASELINES, baseline_predictions
from evaluation.bootstrap import paired_bootstrap, system_intervals
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
from radforge.tasks import get_task
from warehouse.leakage import leaked_mask, split_leakage

log = get_logger("evaluation.run")
SYSTEMS = ("model", *BASELINES)


def make_eval_id(mut: ModelUnderTest, snapshot: str, snapshot_hash: str, split: str, limit: int | None,
                 max_new_tokens: int) -> str:
    ident = json.dumps({**mut.identity(), "snapshot_hash": snapshot_hash, "split": split, "limit": limit,
                        "max_new_tokens": max_new_tokens}, sort_keys=True)
    label = re.sub(r"[^A-Za-z0-9_.-]+", "-", mut.label or "model")[:40].strip("-") or "model"
    return f"{label}-{snapshot}-{split}-{hashlib.sha256(ident.encode()).hexdigest()[:8]}"


def evaluate(*, snapshot: str, split: str = "test", run_id: str | None = None, model_path: Path | str | None = None,
             adapter_path: Path | str | None = None, prompt_format: str | None = None, limit: int | None = None,
             judge: bool = False, rubric: str | None = None, judge_model: Path | str | None = None,
             judge_endpoint: str | None = None, judge_limit: int | None = None, rationale_chars: int | None = None,
             retrieval: dict[str, Any] | None = None,
             max_new_tokens: int | None = None, batch_size: int | None = None, bootstrap_samples: int | None = None,
             subsets: Mapping[str, set[str]] | None = None, eval_id: str | None = None,
             settings: Settings | None = None, progress: bool = False) -> dict[str, Any]:
    """Evaluate a run (or a model folder) on a snapshot split; returns the summary (also summary.json).

    `subsets` (name → report_keys) adds metric breakdowns, e.g. {"abnormal": ..., "not_leaked": ...}.
    `retrieval` ({"k", "index"}) for a model folder trained with retrieval-augmented prompts (a run
    records its own): its prompts, the judge's context and the report show the snapshot's stored
    k nearest train pairs.
    """
    settings = settings or get_settings()
    cfg = settings.evaluation
    max_new_tokens = max_new_tokens or cfg.max_new_tokens
    batch_size = batch_size or cfg.batch_size
    samples = bootstrap_samples or cfg.bootstrap_samples
    if (run_id is None) == (model_path is None):
        raise EvaluationError("give exactly one of a run id or a model path")
    mut = (model_from_run(run_id, settings) if run_id else
           model_from_path(Path(model_path), prompt_format, Path(adapter_path) if adapter_path else None, retrieval))
    manifest = load_manifest(settings, snapshot)
    task = task_of(manifest)
    if mut.task and mut.task != task:  # the model would be scored on the other direction's references
        raise EvaluationError(f"run {run_id} was trained for {mut.task}, snapshot {snapshot!r} is a {task} snapshot: "
                              f"evaluate it on a {mut.task} snapshot")
    test = orient(load_split(settings, snapshot, split, limit), task)
    if test.height == 0:
        raise EvaluationError(f"snapshot {snapshot!r} split {split!r} is empty")
    train = orient(load_split(settings, snapshot, "train"), task)
    eval_id = eval_id or make_eval_id(mut, snapshot, manifest.get("hash", ""), split, limit, max_new_tokens)
    eval_dir = settings.zone("evals") / eval_id
    eval_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    # 1. generation (resumable)
    from evaluation.generation import done_keys, generate_predictions, load_model, read_generated
    from radforge.models import bertscore_path

    rows = test.select("report_key", "findings").to_dicts()
    examples = retrieval_examples(settings, snapshot, manifest, mut, split, task, [r["report_key"] for r in rows])
    for r in rows:
        r["examples"] = examples.get(r["report_key"])
    contexts = {r["report_key"]: get_task(task).context_text(r["findings"], r["examples"]) for r in rows}
    model = tokenizer = None
    if len(done_keys(eval_dir) & {r["report_key"] for r in rows}) < len(rows):
        model, tokenizer = load_model(mut.model_path, mut.adapter_path)
        gen = generate_predictions(model, tokenizer, rows, eval_dir, prompt_format=mut.prompt_format,
                                   max_new_tokens=max_new_tokens, batch_size=batch_size, progress=progress,
                                   task=task)
        generation = {"generated": gen.generated, "resumed": gen.skipped, "new_tokens": gen.new_tokens,
                      "seconds": round(gen.seconds, 2), "tokens_per_s": round(gen.tokens_per_s, 2)}
    else:
        generation = {"generated": 0, "resumed": len(rows), "new_tokens": 0, "seconds": 0.0, "tokens_per_s": 0.0}
    generated = read_generated(eval_dir)
    frame = test.join(generated, on="report_key", how="left").with_columns(
        pl.col("prediction").fill_null(""), pl.col("report_key").replace_strict(contexts, return_dtype=pl.String,
                                                                                default="").alias("context"))

    # 2. metrics for the model and every baseline, per sample
    refs = frame["impression"].to_list()
    preds = {"model": frame["prediction"].to_list(),
             **baseline_predictions(train["findings"].to_list(), train["impression"].to_list(),
                                    frame["findings"].to_list())}
    bs_model = bertscore_path(settings)
    scores = {name: score_samples(p, refs, bs_model) for name, p in preds.items()}
    _write_predictions(eval_dir, frame, preds, scores)

    # 3. intervals, margins, breakdowns
    keys = frame["report_key"].to_list()
    summary_systems = {name: {"corpus": corpus_scores(s), "ci": system_intervals(s, samples)}
                       for name, s in scores.items()}
    vs_baselines = {b: _paired(scores["model"], scores[b], samples) for b in BASELINES}
    best = max(BASELINES, key=lambda b: summary_systems[b]["corpus"][PRIMARY_METRIC])
    margin = vs_baselines[best][PRIMARY_METRIC]
    summary: dict[str, Any] = {
        "eval_id": eval_id, "created_unix": int(time.time()), "model": mut.identity(),
        "snapshot": {"name": snapshot, "hash": manifest.get("hash"), "task": manifest.get("task"),
                     "retrieval": manifest.get("retrieval") and {k: manifest["retrieval"][k] for k in ("k", "index")}},
        "retrieval": mut.retrieval,
        "split": split, "limit": limit, "n": len(keys), "max_new_tokens": max_new_tokens,
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

    # 4. the judge (optional)
    if judge:
        from radforge.models import judge_llm_path

        judge_path = Path(judge_model) if judge_model else judge_llm_path(settings)
        reuse = None  # the demo judges with the model under test: do not load it twice
        if (model is not None and mut.adapter_path is None and not (judge_endpoint or settings.models.judge_endpoint)
                and judge_path.resolve() == mut.model_path.resolve()):
            reuse = (model, tokenizer)
        del model, tokenizer  # free the model under test before loading another judge
        summary["judge"] = _run_judge(settings, frame, eval_dir, rubric or cfg.judge_rubric, judge_path,
                                      judge_endpoint, judge_limit, rationale_chars, batch_size, samples, reuse, task)
    summary["seconds"] = round(time.perf_counter() - started, 2)
    summary["paths"] = {"dir": str(eval_dir), "predictions": str(eval_dir / "predictions.parquet"),
                        "scores": str(eval_dir / "scores.parquet"), "summary": str(eval_dir / "summary.json"),
                        "report": str(eval_dir / "report.html")}
    (eval_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=_json_default))

    # 5. report and catalog
    from evaluation.report import write_report
    from evaluation.store import record

    write_report(summary, eval_dir)
    record(summary, settings)
    log.info("evaluation %s: n=%d, %s=%.4f", eval_id, len(keys), PRIMARY_METRIC,
             summary_systems["model"]["corpus"][PRIMARY_METRIC])
    return summary


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
    summary = evaluate(snapshot=snapshot, split=params.get("split") or "test", run_id=run_id, model_path=model_path,
                       limit=int(params.get("limit") or 0) or None, judge=rubric != "none",
                       rubric=None if rubric == "none" else rubric, settings=settings)
    return brief(summary)


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


def _run_judge(settings: Settings, frame: pl.DataFrame, eval_dir: Path, rubric_name: str,
               judge_model: Path | str | None, endpoint: str | None, judge_limit: int | None,
               rationale_chars: int | None, batch_size: int, samples: int, reuse: tuple | None,
               task: str) -> dict[str, Any]:
    from evaluation.bootstrap import bootstrap_ci
    from evaluation.judge import JudgeItem, get_rubric, make_judge
    from evaluation.judge.resume import VERDICT_PARTS_DIR, judge_resumable

    cfg = settings.evaluation
    rubric = get_rubric(rubric_name, rationale_chars or cfg.judge_rationale_chars, task)  # worded for the direction
    loaded = {"model": reuse[0], "tokenizer": reuse[1]} if reuse else {}
    judge = make_judge(settings, rubric, model_path=Path(judge_model) if judge_model else None, endpoint=endpoint,
                       batch_size=batch_size, **loaded)
    judge_limit = judge_limit or cfg.judge_limit or None
    part = frame.head(judge_limit) if judge_limit else frame
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
                           "quality_ci": bootstrap_ci("rougeL", quality, samples).as_dict() if len(quality) else None}
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

"""Compare two evaluations on their common test examples: paired bootstrap per metric.

This is what backs a claim like the MGH study's "+100% ROUGE-L vs the base model": the relative
change comes with its 95% interval and p-value, and the three baselines sit beside both models.
`promote` is what a promotion DAG reads: A beats B on the primary metric, significantly, by more
than the site's promote_margin.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from evaluation.baselines import BASELINES
from evaluation.bootstrap import paired_bootstrap
from evaluation.errors import EvaluationError
from evaluation.metrics import METRICS, PRIMARY_METRIC, SampleScores, corpus_scores
from radforge.settings import Settings, get_settings


def resolve_eval(ref: str, settings: Settings) -> Path:
    """An eval id, or a run id (its latest evaluation), to the evaluation's folder."""
    folder = settings.zone("evals") / ref
    if (folder / "summary.json").exists():
        return folder
    from evaluation.store import latest_eval_of_run

    eval_id = latest_eval_of_run(ref, settings)
    if eval_id and (settings.zone("evals") / eval_id / "summary.json").exists():
        return settings.zone("evals") / eval_id
    raise EvaluationError(f"no evaluation or evaluated run named {ref!r}")


def _scores(frame: pl.DataFrame) -> SampleScores:
    return SampleScores.from_columns({c: frame[c].to_numpy() for c in frame.columns})


def compare(a: str, b: str, settings: Settings | None = None, samples: int | None = None) -> dict[str, Any]:
    """A minus B on every metric, on the report keys both evaluated (same snapshot split expected)."""
    settings = settings or get_settings()
    samples = samples or settings.evaluation.bootstrap_samples
    da, db = resolve_eval(a, settings), resolve_eval(b, settings)
    sa, sb = (json.loads((d / "summary.json").read_text()) for d in (da, db))
    fa, fb = (pl.read_parquet(d / "scores.parquet") for d in (da, db))
    common = sorted(set(fa.filter(pl.col("system") == "model")["report_key"].to_list())
                    & set(fb.filter(pl.col("system") == "model")["report_key"].to_list()))
    if not common:
        raise EvaluationError(f"evaluations {sa['eval_id']} and {sb['eval_id']} share no test examples")

    def system(frame: pl.DataFrame, name: str) -> SampleScores:
        part = frame.filter((pl.col("system") == name) & pl.col("report_key").is_in(common)).sort("report_key")
        return _scores(part)

    ma, mb = system(fa, "model"), system(fb, "model")
    metrics = {m: paired_bootstrap(m, ma.samples(m), mb.samples(m), samples).as_dict() for m in METRICS}
    present = set(fa["system"].unique().to_list())  # an evaluation older than a baseline simply lacks it
    baselines = {name: corpus_scores(system(fa, name)) for name in BASELINES if name in present}
    best = max(baselines, key=lambda n: baselines[n][PRIMARY_METRIC])
    vs_best = {}
    for label, sc in (("a", ma), ("b", mb)):
        vs_best[label] = {"baseline": best, **paired_bootstrap(
            PRIMARY_METRIC, sc.samples(PRIMARY_METRIC), system(fa, best).samples(PRIMARY_METRIC), samples).as_dict()}
    primary = metrics[PRIMARY_METRIC]
    margin = settings.evaluation.promote_margin
    out: dict[str, Any] = {
        "a": sa["eval_id"], "b": sb["eval_id"], "a_model": sa["model"], "b_model": sb["model"],
        "same_snapshot": sa["snapshot"].get("hash") == sb["snapshot"].get("hash") and sa["split"] == sb["split"],
        "n": len(common), "bootstrap_samples": samples, "primary_metric": PRIMARY_METRIC, "metrics": metrics,
        "baselines": baselines, "vs_best_baseline": vs_best,
        "promote": bool(primary["significant"] and primary["delta"] > margin),
        "claim": claim(primary),
    }
    judge = _judge_compare(da, db, sa, sb, samples)
    if judge:
        out["judge"] = judge
    return out


def claim(r: dict[str, Any]) -> str:
    """One sentence with the uncertainty attached, e.g. for a model card or the promotion log."""
    rel = ""
    if r.get("relative") is not None:
        rel = f" ({100 * r['relative']:+.0f}%"
        if r.get("relative_low") is not None:
            rel += f", 95% CI {100 * r['relative_low']:+.0f}% to {100 * r['relative_high']:+.0f}%"
        rel += ")"
    verdict = "significant" if r["significant"] else "not significant"
    return (f"{r['metric']}: {r['a']:.3f} vs {r['b']:.3f}, difference {r['delta']:+.3f}{rel}, "
            f"95% CI {r['delta_low']:+.3f} to {r['delta_high']:+.3f}, p = {r['p_value']:.3g} ({verdict}, "
            f"paired bootstrap, n = {r['n']})")


def _judge_compare(da: Path, db: Path, sa: dict, sb: dict, samples: int) -> dict[str, Any] | None:
    ja, jb = sa.get("judge"), sb.get("judge")
    if not ja or not jb or ja["rubric"] != jb["rubric"] or ja["rubric_version"] != jb["rubric_version"]:
        return None
    va, vb = (pl.read_parquet(d / "verdicts.parquet").filter(pl.col("status") == "ok") for d in (da, db))
    both = va.join(vb, on="key", suffix="_b").sort("key")
    if both.height == 0:
        return None
    res = paired_bootstrap("judge", np.asarray(both["quality"]), np.asarray(both["quality_b"]), samples)
    return {"rubric": ja["rubric"], **res.as_dict(), "metric": f"judge {ja['rubric']}"}

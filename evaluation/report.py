"""A self-contained HTML report per evaluation: tables with CIs, figures inline, de-identified text only.

Everything the report shows comes from summary.json and the eval folder's Parquet files; images
are matplotlib PNGs embedded as base64, so the file can be mailed or archived alone. All text goes
through Jinja2's autoescape: a report impression containing "<script>" is shown, never run.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import polars as pl

from evaluation.baselines import BASELINES

WORST_EXAMPLES = 5
LABELS = {"model": "model", "constant": "constant (most frequent train impression)",
          "retrieval": "retrieval (TF-IDF nearest train findings)",
          "knn_vote": "k-NN vote (most frequent impression of the 5 nearest)", "copy_findings": "copy findings"}
COLORS = {"model": "#1f77b4", "constant": "#bbbbbb", "retrieval": "#ff7f0e", "knn_vote": "#d62728",
          "copy_findings": "#2ca02c"}


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _figures(summary: dict[str, Any], scores: pl.DataFrame) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs: dict[str, str] = {}
    systems = list(summary["systems"])
    # metric bars with 95% CIs
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
    for ax, metric in zip(axes, ("rouge1", "rougeL", "bertscore"), strict=True):
        vals = [summary["systems"][s]["ci"][metric] for s in systems]
        ax.bar(range(len(systems)), [v["value"] for v in vals],
               yerr=[[v["value"] - v["low"] for v in vals], [v["high"] - v["value"] for v in vals]],
               color=[COLORS.get(s, "#888") for s in systems], capsize=4)
        ax.set_xticks(range(len(systems)), systems, rotation=20, fontsize=8)
        ax.set_title(f"{metric} (95% CI)")
        ax.set_ylim(0, 1)
    figs["metrics"] = _png(fig)
    # per-sample ROUGE-L distributions
    fig, ax = plt.subplots(figsize=(7, 3.2))
    for s in systems:
        ax.hist(scores.filter(pl.col("system") == s)["rougeL"].to_numpy(), bins=20, range=(0, 1), histtype="step",
                linewidth=1.8, label=s, color=COLORS.get(s, "#888"))
    ax.set_xlabel("ROUGE-L per report")
    ax.set_ylabel("reports")
    ax.legend(fontsize=8)
    figs["distribution"] = _png(fig)
    # per-modality
    by = summary.get("by_modality") or {}
    if by:
        groups = list(by)
        fig, ax = plt.subplots(figsize=(7, 3.2))
        width = 0.8 / len(systems)
        for j, s in enumerate(systems):
            ax.bar([i + j * width for i in range(len(groups))], [by[g][s]["rougeL"] for g in groups], width,
                   label=s, color=COLORS.get(s, "#888"))
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(groups))], [f"{g} (n={by[g]['n']})" for g in groups])
        ax.set_ylabel("ROUGE-L")
        ax.legend(fontsize=8)
        figs["modality"] = _png(fig)
    judge = summary.get("judge") or {}
    if judge.get("error_totals"):
        from evaluation.judge.rubrics import ERROR_KINDS

        fig, ax = plt.subplots(figsize=(8, 3.2))
        sig = [judge["error_totals"].get(f"{k}_significant", 0) for k in ERROR_KINDS]
        ins = [judge["error_totals"].get(f"{k}_insignificant", 0) for k in ERROR_KINDS]
        ax.bar(range(len(ERROR_KINDS)), sig, label="clinically significant", color="#d62728")
        ax.bar(range(len(ERROR_KINDS)), ins, bottom=sig, label="insignificant", color="#ff9896")
        ax.set_xticks(range(len(ERROR_KINDS)), [k.replace("_", " ") for k in ERROR_KINDS], rotation=20, fontsize=8)
        ax.set_ylabel("errors (all judged reports)")
        ax.legend(fontsize=8)
        figs["judge"] = _png(fig)
    elif judge.get("score_histogram"):
        fig, ax = plt.subplots(figsize=(7, 3.2))
        hist = judge["score_histogram"]
        ax.bar([int(k) for k in hist], list(hist.values()), color="#9467bd")
        ax.set_xlabel("judge score (0-10)")
        ax.set_ylabel("reports")
        figs["judge"] = _png(fig)
    return figs


def render(summary: dict[str, Any], eval_dir: Path) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    scores = pl.read_parquet(eval_dir / "scores.parquet")
    preds = pl.read_parquet(eval_dir / "predictions.parquet")
    if "context" not in preds.columns:  # an evaluation written before retrieval-augmented prompts
        preds = preds.with_columns(pl.col("findings").alias("context"))
    # `context` is what the model read: the findings, after the similar reports of a retrieval-augmented run
    worst = preds.sort(["rougeL", "report_key"]).head(WORST_EXAMPLES).select(
        "report_key", "modality", "context", "reference", "prediction", "rougeL").to_dicts()
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters["f"] = lambda v, d=3: "–" if v is None else f"{v:.{d}f}"
    return env.get_template("report.html.j2").render(
        s=summary, figs=_figures(summary, scores), worst=worst, labels=LABELS, baselines=BASELINES)


def write_report(summary: dict[str, Any], eval_dir: Path) -> Path:
    path = eval_dir / "report.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render(summary, eval_dir), encoding="utf-8")
    tmp.rename(path)
    return path

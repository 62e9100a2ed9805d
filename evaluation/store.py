"""The `evals` catalog table: one row per evaluation, replaced when an evaluation is re-run."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from radforge.catalog import reader, writer
from radforge.settings import Settings

_DDL = """
CREATE TABLE IF NOT EXISTS evals (
    eval_id VARCHAR PRIMARY KEY,
    created_at TIMESTAMP,
    run_id VARCHAR,
    model_path VARCHAR,
    adapter_path VARCHAR,
    snapshot VARCHAR,
    snapshot_hash VARCHAR,
    split VARCHAR,
    n INTEGER,
    rouge1 DOUBLE, rouge2 DOUBLE, rougeL DOUBLE, bertscore DOUBLE, bleu DOUBLE,
    best_baseline VARCHAR,
    margin_rougeL DOUBLE,
    margin_significant BOOLEAN,
    judge_rubric VARCHAR,
    judge_rubric_version VARCHAR,
    judge_mean DOUBLE,
    judge_failed INTEGER,
    summary_path VARCHAR,
    report_path VARCHAR,
    summary_json VARCHAR
)
"""


def record(summary: dict[str, Any], settings: Settings) -> None:
    model = summary["systems"]["model"]["corpus"]
    vs = summary.get("model_vs_best_baseline") or {}
    judge = summary.get("judge") or {}
    row = [summary["eval_id"], datetime.now(UTC).replace(tzinfo=None), summary["model"].get("run_id"),
           summary["model"]["model_path"], summary["model"].get("adapter_path"), summary["snapshot"]["name"],
           summary["snapshot"].get("hash"), summary["split"], summary["n"], model["rouge1"], model["rouge2"],
           model["rougeL"], model["bertscore"], model["bleu"], vs.get("baseline"), vs.get("delta"),
           vs.get("significant"), judge.get("rubric"), judge.get("rubric_version"), judge.get("mean_quality"),
           judge.get("failed"), summary["paths"]["summary"], summary["paths"]["report"], json.dumps(summary)]
    with writer(settings) as con:
        con.execute(_DDL)
        con.execute(f"INSERT OR REPLACE INTO evals VALUES ({', '.join('?' * len(row))})", row)


def list_evals(settings: Settings) -> list[dict[str, Any]]:
    if not settings.catalog_path.exists():
        return []
    with reader(settings) as con:
        if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'evals'").fetchone()[0]:
            return []
        cur = con.execute("SELECT eval_id, created_at, run_id, snapshot, split, n, rougeL, bertscore, best_baseline, "
                          "margin_rougeL, margin_significant, judge_rubric, judge_mean FROM evals "
                          "ORDER BY created_at DESC")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def latest_eval_of_run(run_id: str, settings: Settings) -> str | None:
    for row in list_evals(settings):
        if row["run_id"] == run_id:
            return str(row["eval_id"])
    return None

"""The whole chain through real Airflow (`dag.test()`), on real files, over two exam years.

Year ≤ 2023 lands first: ingest → de-id → pairs → yearly retrain (temporal snapshot, tiny LoRA,
evaluation against the base model, promotion decision) → monthly audit. A second run of every DAG
does no double work. Then 2024's reports land — with a de-id task killed midway (SIGKILL) and run
again — and the yearly retrain trains on the new snapshot and promotes or refuses, with its reason.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import yaml

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chain_site(tmp_path_factory, tiny_llama_path):
    """A site with two landing exports (years ≤ 2023 and 2024) and a tiny-Llama training config."""
    home = tmp_path_factory.mktemp("chain-site")
    env = {"RADFORGE_HOME": str(home), "RADFORGE_EVALUATION__MAX_NEW_TOKENS": "8",
           "RADFORGE_EVALUATION__BOOTSTRAP_SAMPLES": "200", "RADFORGE_EVALUATION__BATCH_SIZE": "8"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    from radforge.airflow_local import prepare
    from radforge.settings import get_settings
    from radforge.site import init_site
    from sources.synth import write_corpus

    settings = get_settings()
    init_site(settings)
    corpus = home / "synth"
    write_corpus(corpus, reports=260, seed=5, formats=("csv",), workers=1)
    export = pl.read_csv(corpus / "reports.csv", infer_schema=False)
    year = pl.col("ExamDateTime").str.slice(0, 4).cast(pl.Int32)
    exports = {"upto2023": export.filter(year <= 2023), "y2024": export.filter(year == 2024)}
    for name, frame in exports.items():
        frame.write_csv(home / f"{name}.csv")
    base = yaml.safe_load((Path(__file__).resolve().parents[2] / "training/presets/demo-lora.yaml").read_text())
    base.update(name="tiny-yearly", base_model=str(tiny_llama_path), max_steps=3, checkpoint_every=2,
                max_seq_len=256, logging_steps=1)
    base["dataset"]["max_eval_examples"] = 4
    config = home / "tiny-yearly.yaml"
    config.write_text(yaml.safe_dump(base))
    prepare(Path(os.environ["AIRFLOW_HOME"]))
    yield {"home": home, "settings": settings, "config": str(config), "exports": exports}
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _run(dag_id: str, conf: dict | None = None):
    from radforge.airflow_local import run_dag

    outcome = run_dag(dag_id, conf)
    assert outcome.ok, (dag_id, outcome.state, outcome.tasks)
    return outcome


def _land(site: dict, name: str) -> None:
    from radforge.settings import get_settings

    (get_settings().landing_path / f"{name}.csv").write_bytes((site["home"] / f"{name}.csv").read_bytes())


def _deid_rows(settings) -> int:
    files = list(settings.zone("deid").glob("exam_year=*/*.parquet"))
    return pl.scan_parquet(files).select(pl.len()).collect().item() if files else 0


def _reconcile_ok(settings) -> None:
    from warehouse.reconcile import reconcile

    result = reconcile(settings)
    assert result.ok, result.to_dict()


def test_year_one_chain_then_rerun_does_no_double_work(chain_site):
    from evaluation.promotion import decisions
    from radforge.settings import get_settings
    from training.registry import get_run

    settings = get_settings()
    _land(chain_site, "upto2023")
    ingest = _run("radforge_ingest")
    written = sum(v["rows_written"] for k, v in ingest.returns.items() if k.startswith("ingest_file"))
    assert written > 150
    deid = _run("radforge_deid")
    assert any(k.startswith("deidentify_partition") for k in deid.tasks)
    years = sorted(int(p.name.split("=")[1]) for p in settings.zone("deid").glob("exam_year=*"))
    assert years[-1] == 2023 and len(years) > 5
    pairs = _run("radforge_pairs")
    snap = pairs.returns["snapshot"]
    assert (settings.zone("snapshots") / snap["snapshot"] / "manifest.json").exists()

    retrain = _run("radforge_retrain_yearly", {"preset": chain_site["config"], "eval_limit": 6})
    plan = retrain.returns["promote"]
    assert plan["year"] == 2023
    run = get_run(plan["run_id"], settings)
    assert run["status"] == "completed"
    manifest = json.loads((settings.zone("snapshots") / retrain.returns["temporal_snapshot"]["snapshot"]
                           / "manifest.json").read_text())
    assert manifest["splits"]["test"] > 0
    assert Path(retrain.returns["evaluate"]["candidate_report"]).exists()
    made = decisions(settings)
    assert len(made) == 1 and made[0]["year"] == 2023 and made[0]["reason"]
    if plan["promoted"]:
        assert (settings.zone("models") / "production" / "findings-to-impression" / "config.json").exists()

    month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    audit = _run("radforge_audit_monthly", {"month": month})
    assert Path(audit.returns["monthly_report"]["html"]).exists()
    assert audit.returns["verify_chain"]["ok"] is True
    anchor = audit.returns["monthly_report"]["anchor"]  # for the compliance officer; verify checks it later
    assert anchor in Path(audit.returns["monthly_report"]["html"]).read_text()
    from radforge.audit import AuditTrail
    from radforge.audit_anchors import parse_anchor

    assert AuditTrail.for_settings(settings).verify([parse_anchor(anchor)]).anchors_checked == 1

    # a second run of the same DAGs does no double work
    rows_before = _deid_rows(settings)
    runs_before = len(list(settings.zone("runs").glob("*/run.json")))
    again = _run("radforge_ingest")
    assert not any(k.startswith("ingest_file") and v["rows_written"] for k, v in again.returns.items())
    _run("radforge_deid")
    assert _deid_rows(settings) == rows_before
    assert _run("radforge_pairs").returns["snapshot"]["created"] is False
    rerun = _run("radforge_retrain_yearly", {"preset": chain_site["config"], "eval_limit": 6})
    assert rerun.tasks["new_complete_year"] == "success" and rerun.tasks["train"] == "skipped"
    assert len(list(settings.zone("runs").glob("*/run.json"))) == runs_before
    assert len(decisions(settings)) == 1
    _reconcile_ok(settings)


def test_new_year_with_a_killed_deid_task_then_yearly_retrain(chain_site):
    from evaluation.promotion import decisions
    from radforge.settings import get_settings

    settings = get_settings()
    _land(chain_site, "y2024")
    _run("radforge_ingest")
    rows_before = _deid_rows(settings)

    # the de-id task is killed (SIGKILL) in the middle of writing its partition ...
    script = ("import os; from pathlib import Path; from radforge.airflow_local import prepare, run_dag; "
              "prepare(Path(os.environ['AIRFLOW_HOME'])); run_dag('radforge_deid')")
    killed = subprocess.run([sys.executable, "-c", script], env={**os.environ, "RADFORGE_CRASH_AT": "deid:mid_write"},
                            capture_output=True, timeout=600)
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert _deid_rows(settings) == rows_before, "a killed task left partial rows visible to readers"

    # ... and the retry finishes the work exactly once
    _run("radforge_deid")
    assert 2024 in {int(p.name.split("=")[1]) for p in settings.zone("deid").glob("exam_year=*")}
    added = _deid_rows(settings) - rows_before
    assert added > 0
    _run("radforge_pairs")
    _reconcile_ok(settings)

    retrain = _run("radforge_retrain_yearly", {"preset": chain_site["config"], "eval_limit": 6})
    decision = retrain.returns["promote"]
    assert decision["year"] == 2024
    made = decisions(settings)
    assert [d["year"] for d in made] == [2023, 2024]
    assert made[-1]["candidate_run"] != made[0]["candidate_run"]
    assert made[-1]["reason"].startswith(("promoted", "kept production"))


def test_a_refused_file_fails_its_own_ingest_task_and_names_no_file(chain_site):
    """A truncated archive beside a good export: the good one is ingested, the bad one's mapped task fails,
    the reason is in `ingest_refusals`, and no file name reaches Airflow's task results."""
    from radforge.airflow_local import run_dag
    from radforge.catalog import reader
    from radforge.settings import get_settings

    settings = get_settings()  # local Airflow runs have no retries (radforge.airflow_local)
    good = settings.landing_path / "Doe_Jane_31415926.csv"
    good.write_bytes((chain_site["home"] / "y2024.csv").read_bytes()[:4000].rsplit(b"\n", 1)[0] + b"\n")
    bad = settings.landing_path / "Roe_Rick_27182818.jsonl.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 12)  # a gzip header and nothing after it
    outcome = run_dag("radforge_ingest")
    assert not outcome.ok
    states = sorted(s for k, s in outcome.tasks.items() if k.startswith("ingest_file"))
    assert states == ["failed", "success"], outcome.tasks
    assert "31415926" not in json.dumps(outcome.returns, default=str)
    with reader(settings) as con:
        reasons = [r for (r,) in con.execute("SELECT reason FROM ingest_refusals").fetchall()]
    assert len(reasons) == 1 and reasons[0] in ("truncated_archive", "corrupt_archive")

"""End to end on a real tiny model and a snapshot: predictions, baselines, CIs, catalog, report, compare, CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from shared_data import fresh_site, make_pairs, write_snapshot
from typer.testing import CliRunner

XSS = "<script>alert('x')</script> & <b>bold</b>"


@pytest.fixture(scope="module")
def evals(tmp_path_factory, tiny_llama_path):
    home = tmp_path_factory.mktemp("evalsite")
    with fresh_site(home) as settings:
        rows = make_pairs(60)
        # the first test row (by report_key) carries markup: the report must show it, never run it
        rows[-1] = {**rows[-1], "report_key": "a-markup", "findings": XSS, "impression": XSS}
        write_snapshot(settings.zone("snapshots"), "tiny", rows)
        from evaluation.config import EvalConfig, JudgeConfig
        from evaluation.run import evaluate

        first = evaluate(EvalConfig(snapshot="tiny", model_path=tiny_llama_path, limit=8, max_new_tokens=4,
                                    batch_size=4, bootstrap_samples=200), settings)
        second = evaluate(EvalConfig(snapshot="tiny", model_path=tiny_llama_path, limit=8, max_new_tokens=6,
                                     batch_size=4, bootstrap_samples=200,
                                     judge=JudgeConfig(enabled=True, rubric="chexprompt", model_path=tiny_llama_path,
                                                       limit=3)), settings)
        yield settings, first, second


def test_summary_has_model_and_four_baselines_with_intervals(evals) -> None:
    settings, s, _ = evals
    assert s["n"] == 8 and set(s["systems"]) == {"model", "constant", "retrieval", "knn_vote", "copy_findings"}
    for name, sys_ in s["systems"].items():
        for m in ("rouge1", "rouge2", "rougeL", "bertscore", "bleu"):
            ci = sys_["ci"][m]
            assert ci["low"] <= ci["value"] <= ci["high"], (name, m)
            assert ci["value"] == pytest.approx(sys_["corpus"][m])
    vb = s["model_vs_best_baseline"]
    best = max(("constant", "retrieval", "knn_vote", "copy_findings"),
               key=lambda b: s["systems"][b]["corpus"]["rougeL"])
    assert vb["baseline"] == best
    corpus = {k: v["corpus"]["rougeL"] for k, v in s["systems"].items()}
    assert vb["delta"] == pytest.approx(corpus["model"] - corpus[best])
    assert set(s["model_vs_baselines"]) == {"constant", "retrieval", "knn_vote", "copy_findings"}
    assert {"not_leaked", "templated_normal", "abnormal"} <= set(s["subsets"]) and s["leakage"]["n_test"] == 8
    assert s["subsets"]["templated_normal"]["n"] + s["subsets"]["abnormal"]["n"] == 8
    assert json.loads(Path(s["paths"]["summary"]).read_text())["eval_id"] == s["eval_id"]


def test_summary_records_the_config_that_ran_with_the_site_defaults(evals, tiny_llama_path) -> None:
    from evaluation.config import EvalConfig

    settings, s1, s2 = evals
    assert s1["config"]["judge"]["enabled"] is False and s1["config"]["limit"] == 8
    judge = s2["config"]["judge"]
    assert judge == {"enabled": True, "rubric": "chexprompt", "model_path": str(tiny_llama_path), "endpoint": None,
                     "limit": 3, "rationale_chars": settings.evaluation.judge_rationale_chars}
    again = EvalConfig.from_dict(json.loads(Path(s2["paths"]["summary"]).read_text())["config"])
    assert (again.max_new_tokens, again.batch_size, again.bootstrap_samples) == (6, 4, 200)
    assert (s2["split"], s2["limit"], s2["max_new_tokens"], s2["bootstrap_samples"]) == ("test", 8, 6, 200)


def test_predictions_parquet_is_keyed_by_report_key_and_scores_match(evals) -> None:
    from evaluation.metrics import rouge_scores

    _, s, _ = evals
    preds = pl.read_parquet(s["paths"]["predictions"])
    assert preds["report_key"].n_unique() == 8 and preds["report_key"][0] == "a-markup"
    assert {"prediction", "reference", "findings", "modality", "rougeL", "bertscore"} <= set(preds.columns)
    direct = rouge_scores(preds["prediction"].to_list(), preds["reference"].to_list())["rougeL"]
    assert preds["rougeL"].to_list() == pytest.approx(list(direct))
    scores = pl.read_parquet(s["paths"]["scores"])
    assert scores.group_by("system").len().sort("system")["len"].to_list() == [8, 8, 8, 8, 8]
    copy = scores.filter(pl.col("system") == "copy_findings").sort("report_key")
    assert copy["prediction"].to_list() == [" ".join(f.split()) for f in preds.sort("report_key")["findings"]]


def test_catalog_records_both_evaluations(evals) -> None:
    from evaluation.store import list_evals

    settings, s1, s2 = evals
    rows = {r["eval_id"]: r for r in list_evals(settings)}
    assert {s1["eval_id"], s2["eval_id"]} <= set(rows) and s1["eval_id"] != s2["eval_id"]
    assert rows[s1["eval_id"]]["n"] == 8 and rows[s1["eval_id"]]["best_baseline"] == s1["model_vs_best_baseline"][
        "baseline"]


def test_report_renders_metric_table_images_and_escapes_text(evals) -> None:
    _, s, _ = evals
    html = Path(s["paths"]["report"]).read_text()
    assert 'id="metric-table"' in html and "retrieval (TF-IDF nearest train findings)" in html
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) >= 3
    import base64

    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)
    assert "<script>" not in html and "&lt;script&gt;" in html  # worst examples include the markup row
    assert "http://" not in html and "https://" not in html  # self-contained: nothing fetched


def test_judged_evaluation_keeps_every_verdict_with_prompt_and_rubric(evals) -> None:
    from evaluation.judge.rubrics import ERROR_KINDS

    _, _, s = evals
    j = s["judge"]
    assert j["rubric"] == "chexprompt" and j["judged"] == 3 and j["ok"] + j["failed"] == 3 and j["failed"] == 0
    assert set(j["error_totals"]) == {f"{k}_{t}" for k in ERROR_KINDS for t in ("significant", "insignificant")}
    verdicts = pl.read_parquet(Path(s["paths"]["dir"]) / "verdicts.parquet")
    assert verdicts.height == 3 and set(verdicts["rubric_version"]) == {"1"}
    assert all("CANDIDATE IMPRESSION" in p for p in verdicts["prompt"])
    assert all(json.loads(v)["significant"] is not None for v in verdicts["verdict"])
    html = Path(s["paths"]["report"]).read_text()
    assert "LLM judge" in html and "rubric chexprompt v1" in html


def test_predictions_resume_after_an_interruption(evals, tiny_llama_path) -> None:
    from evaluation.generation import PARTS_DIR, generate_predictions, load_model, read_generated

    settings, s, _ = evals
    eval_dir = Path(s["paths"]["dir"])
    rows = pl.read_parquet(s["paths"]["predictions"]).select("report_key", "findings").to_dicts()
    work = eval_dir.parent / "resume-check"
    model, tok = load_model(tiny_llama_path)
    first = generate_predictions(model, tok, rows, work, prompt_format="chat-template", max_new_tokens=3,
                                 batch_size=2, chunk_size=2)
    parts = sorted((work / PARTS_DIR).glob("part-*.parquet"))
    assert first.generated == 8 and len(parts) == 4
    before = read_generated(work)
    lost = set(pl.read_parquet(parts[-1])["report_key"].to_list())
    parts[-1].unlink()  # the process died before its last chunk was written
    again = generate_predictions(model, tok, rows, work, prompt_format="chat-template", max_new_tokens=3,
                                 batch_size=2, chunk_size=2)
    assert again.generated == len(lost) == 2 and again.skipped == 6
    after = read_generated(work)
    assert after.height == 8 and after["report_key"].n_unique() == 8
    assert after.sort("report_key").equals(before.sort("report_key"))  # greedy: same text regenerated
    # and evaluate() itself resumes: the same evaluation again generates nothing
    from evaluation.config import EvalConfig
    from evaluation.run import evaluate

    rerun = evaluate(EvalConfig(snapshot="tiny", model_path=tiny_llama_path, limit=8, max_new_tokens=4, batch_size=4,
                                bootstrap_samples=50), settings)
    assert rerun["eval_id"] == s["eval_id"] and rerun["generation"] == {**rerun["generation"], "generated": 0,
                                                                         "resumed": 8}


def test_compare_two_evaluations_and_one_with_itself(evals) -> None:
    from evaluation.compare import compare

    settings, s1, s2 = evals
    res = compare(s2["eval_id"], s1["eval_id"], settings=settings, samples=200)
    assert res["n"] == 8 and res["same_snapshot"] and set(res["baselines"]) == {"constant", "retrieval",
                                                                                  "knn_vote", "copy_findings"}
    r = res["metrics"]["rougeL"]
    assert r["a"] == pytest.approx(s2["systems"]["model"]["corpus"]["rougeL"])
    assert r["delta_low"] <= r["delta"] <= r["delta_high"] and 0 <= r["p_value"] <= 1
    assert "paired bootstrap" in res["claim"] and isinstance(res["promote"], bool)
    same = compare(s1["eval_id"], s1["eval_id"], settings=settings, samples=100)
    assert all(v["delta"] == 0 and not v["significant"] for v in same["metrics"].values()) and not same["promote"]


def test_cli_eval_list_compare_and_errors(evals, tiny_llama_path) -> None:
    from radforge.cli import app

    settings, s1, s2 = evals
    runner = CliRunner()
    res = runner.invoke(app, ["eval", "list", "--json"])
    assert res.exit_code == 0, res.output
    assert {s1["eval_id"], s2["eval_id"]} <= {r["eval_id"] for r in json.loads(res.stdout)}
    res = runner.invoke(app, ["eval", "compare", s2["eval_id"], s1["eval_id"], "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["n"] == 8
    res = runner.invoke(app, ["eval", "--model", str(tiny_llama_path), "--snapshot", "tiny", "--limit", "2",
                              "--max-new-tokens", "2", "--json"])
    assert res.exit_code == 0, res.output
    greedy = json.loads(res.stdout)
    assert greedy["n"] == 2 and greedy["num_beams"] == settings.evaluation.num_beams == 1
    res = runner.invoke(app, ["eval", "--model", str(tiny_llama_path), "--snapshot", "tiny", "--limit", "2",
                              "--max-new-tokens", "2", "--num-beams", "2", "--json"])
    assert res.exit_code == 0, res.output
    beams = json.loads(res.stdout)  # another decoding is another evaluation: its own id, predictions and record
    assert (beams["num_beams"], beams["config"]["num_beams"], beams["n"]) == (2, 2, 2)
    assert beams["eval_id"] != greedy["eval_id"]
    assert runner.invoke(app, ["eval", "--help"]).exit_code == 0
    res = runner.invoke(app, ["eval", "judge-sanity", "--model", str(tiny_llama_path), "--limit", "1", "--json"],
                        env={"RADFORGE_EVALUATION__JUDGE_RATIONALE_CHARS": "6"})
    assert res.exit_code == 0, res.output
    sanity = json.loads(res.stdout)
    assert sanity["pairs"] == 4 and sanity["failed_verdicts"] == 0 and 0 <= sanity["accuracy"] <= 1
    from evaluation.errors import EvaluationError

    res = runner.invoke(app, ["eval", "--model", str(tiny_llama_path), "--snapshot", "nope"])
    assert isinstance(res.exception, EvaluationError) and "nope" in str(res.exception)


def test_evaluate_a_registered_lora_run_and_compare_by_run_id(evals, tiny_llama_path) -> None:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from evaluation.compare import compare
    from evaluation.config import EvalConfig
    from evaluation.errors import EvaluationError
    from evaluation.run import evaluate
    from training.registry import write_run

    settings, s1, _ = evals
    run_id = "20261126T000000-lora-test-abc123"
    adapter = settings.zone("runs") / run_id / "adapter"
    base = AutoModelForCausalLM.from_pretrained(tiny_llama_path)
    get_peft_model(base, LoraConfig(r=4, target_modules=["q_proj", "v_proj"])).save_pretrained(adapter)
    record = {"run_id": run_id, "status": "running", "method": "lora", "base_model": str(tiny_llama_path),
              "snapshot": {"name": "tiny", "hash": "x"}, "adapter_path": str(adapter), "model_path": None,
              "metrics": {}, "prompt_format": "instruction", "timings": {}}
    write_run(record, settings)
    with pytest.raises(EvaluationError, match="not completed"):
        evaluate(EvalConfig(snapshot="tiny", run_id=run_id, limit=4), settings)
    write_run({**record, "status": "completed"}, settings)
    s = evaluate(EvalConfig(snapshot="tiny", run_id=run_id, limit=8, max_new_tokens=3, bootstrap_samples=50), settings)
    assert s["eval_id"].startswith(run_id) and s["model"]["run_id"] == run_id
    assert s["model"]["adapter_path"] == str(adapter) and s["model"]["prompt_format"] == "instruction"
    res = compare(run_id, s1["eval_id"], settings=settings, samples=50)  # a run id resolves to its latest eval
    assert res["a"] == s["eval_id"] and res["n"] == 8

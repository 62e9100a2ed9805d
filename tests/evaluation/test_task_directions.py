"""Both directions of the report task from ONE de-identified zone, end to end (issue #11).

findings-to-impression and impression-to-report snapshots are cut from the same pairs; each is
tokenised (loss on its own target only), trained with a tiny LoRA run through the real CLI (loss
falls) and evaluated (BLEU/ROUGE/BERTScore with CIs, baselines of that direction).
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import yaml
from wh_helpers import commit_deid, deid_row, pair_text

F2I, I2R = "findings-to-impression", "impression-to-report"
SIDES = ("left", "right")
LOBES = ("upper", "middle", "lower")
EXTRAS = ("Mild degenerative changes of the thoracic spine.", "Atherosclerotic calcification of the aorta.",
          "Small hiatal hernia.", "Healed fracture of a left rib.", "Calcified granuloma in the spleen.",
          "Thyroid is unremarkable.", "Stable postoperative changes.", "Scattered mediastinal lymph nodes.")


def _zone_rows(n: int = 80) -> list[dict]:
    """Synthetic de-identified reports: a long findings section, a short impression that determines it."""
    rows = []
    for i in range(n):
        side, lobe, size = SIDES[i % 2], LOBES[i % 3], 3 + i
        extra = " ".join(EXTRAS[(i * k) % len(EXTRAS)] for k in (1, 3))
        findings = (f"There is a {size} mm nodule in the {side} {lobe} lobe. {extra} The lungs are otherwise clear. "
                    f"There is no pleural effusion or pneumothorax. Reference series {i * 7 + 11}.")
        impression = f"{size} mm {side} {lobe} lobe nodule."
        rows.append(deid_row(i, pair_text(findings, impression), patient=f"p{i:03d}", year=2015 + i % 6))
    return rows


@pytest.fixture
def both(site):
    """One de-identified zone, its pairs, and one snapshot per direction."""
    from warehouse.pairs import build_pairs
    from warehouse.snapshot import create_snapshot

    commit_deid(site, _zone_rows())
    build_pairs(site)
    for name, task in (("f2i", F2I), ("i2r", I2R)):
        create_snapshot(name, site, task=task)
    return site


def _manifest(settings, name: str) -> dict:
    return json.loads((settings.zone("snapshots") / name / "manifest.json").read_text())


def test_both_snapshots_come_from_one_zone_and_differ_in_task_and_template(both) -> None:
    f2i, i2r = _manifest(both, "f2i"), _manifest(both, "i2r")
    assert (f2i["task"], i2r["task"]) == (F2I, I2R)
    assert len(f2i["template_hash"]) == 64 and f2i["template_hash"] != i2r["template_hash"]
    # same zone, same pairs, same split: only the direction differs
    assert f2i["pair_run_id"] == i2r["pair_run_id"] and f2i["source_partitions"] == i2r["source_partitions"]
    assert f2i["hash"] == i2r["hash"] and f2i["splits"] == i2r["splits"] and sum(f2i["splits"].values()) == 80
    assert (f2i["exports"]["input"], f2i["exports"]["output"]) == ("findings", "impression")
    assert (i2r["exports"]["input"], i2r["exports"]["output"]) == ("impression", "findings")


@pytest.mark.parametrize(("name", "task"), [("f2i", I2R), ("i2r", F2I)])
def test_a_run_of_the_other_direction_is_refused_with_the_fix(both, name, task) -> None:
    """Both snapshots have the same hash (same splits), so only the manifest's task tells them apart:
    a run of the other direction would train on another length filter and be evaluated backwards."""
    from training.config import load_config
    from training.data import SnapshotError, resolve_snapshot

    with pytest.raises(SnapshotError, match=f"built for task {F2I if task == I2R else I2R}.*--task {task}"):
        resolve_snapshot(load_config({"dataset": {"snapshot": name}, "task": task}), both)
    assert resolve_snapshot(load_config({"dataset": {"snapshot": name}, "task": F2I if task == I2R else I2R}),
                            both).name == name


@pytest.mark.parametrize(("name", "task", "target"), [("f2i", F2I, "impression"), ("i2r", I2R, "findings")])
@pytest.mark.parametrize("fmt", ["alpaca", "instruction", "chat-template"])
def test_loss_only_on_the_target_of_each_direction(both, tiny_llama_path, name, task, target, fmt) -> None:
    from transformers import AutoTokenizer

    from training.config import load_config
    from training.data import load_split, resolve_snapshot, tokenize_pairs
    from training.prompts import build_prompt

    tokenizer = AutoTokenizer.from_pretrained(tiny_llama_path)
    cfg = load_config({"dataset": {"snapshot": name}, "task": task, "prompt_format": fmt, "max_seq_len": 1024})
    rows = load_split(resolve_snapshot(cfg, both), "train")
    examples, stats = tokenize_pairs(rows, tokenizer, cfg)
    assert stats.examples_kept == len(rows) > 20
    source = "findings" if target == "impression" else "impression"
    for ex, row in zip(examples[:8], rows[:8], strict=True):
        labelled = [t for t in ex["labels"] if t != -100]
        assert labelled[-1] == tokenizer.eos_token_id
        assert tokenizer.decode(labelled[:-1]) == row[target]  # the target of this direction, nothing else
        first = ex["labels"].index(labelled[0])
        assert all(t == -100 for t in ex["labels"][:first]) and len(ex["labels"]) - first == len(labelled)
        prompt = tokenizer.decode(ex["input_ids"][:first], skip_special_tokens=False)
        assert prompt.endswith(build_prompt(row[source], fmt, tokenizer, task=task))
        assert row[target] not in prompt


@pytest.mark.parametrize(("name", "task"), [("f2i", F2I), ("i2r", I2R)])
def test_tiny_lora_per_direction_trains_and_evaluates(both, tiny_llama_path, tmp_path, name, task) -> None:
    from typer.testing import CliRunner

    from evaluation.config import EvalConfig
    from evaluation.run import evaluate
    from radforge.cli import app
    from training.registry import get_run

    config = {"name": f"tiny-{name}", "base_model": str(tiny_llama_path), "method": "lora", "task": task,
              "prompt_format": "alpaca", "lora": {"r": 8, "alpha": 16, "dropout": 0.0, "target_modules": "all-linear"},
              "max_seq_len": 256, "micro_batch_size": 2, "gradient_accumulation": 1, "lr": 5e-3, "warmup_ratio": 0.0,
              "max_steps": 10, "checkpoint_every": 100, "logging_steps": 1,
              "dataset": {"snapshot": name, "max_eval_examples": 4}}
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(config))
    result = CliRunner().invoke(app, ["train", "--config", str(path)], catch_exceptions=True)
    assert result.exit_code == 0, result.output
    run = get_run(result.stdout.strip().splitlines()[-1])
    history = run["metrics"]["loss_history"]
    assert history[-1]["loss"] < history[0]["loss"] - 0.1, history
    assert run["prompt_format"] == "alpaca"

    from evaluation.errors import EvaluationError

    other = "i2r" if name == "f2i" else "f2i"  # the same splits, the other direction: refused, not scored backwards
    with pytest.raises(EvaluationError, match=f"trained for {task}"):
        evaluate(EvalConfig(snapshot=other, run_id=run["run_id"], limit=4), both)
    summary = evaluate(EvalConfig(snapshot=name, run_id=run["run_id"], limit=4, max_new_tokens=6, batch_size=4,
                                  bootstrap_samples=200), both)
    n_test = pl.read_parquet(both.zone("snapshots") / name / "test.parquet").height
    assert summary["snapshot"]["task"] == task and summary["n"] == min(4, n_test)
    for system in ("model", "constant", "retrieval", "copy_findings"):
        for metric in ("bleu", "rouge1", "rougeL", "bertscore"):
            ci = summary["systems"][system]["ci"][metric]
            assert ci["low"] <= ci["value"] <= ci["high"], (system, metric)
    preds = pl.read_parquet(summary["paths"]["scores"])
    test = pl.read_parquet(both.zone("snapshots") / name / "test.parquet").sort("report_key").head(summary["n"])
    source, target = ("findings", "impression") if task == F2I else ("impression", "findings")
    # references are this direction's target; copy-source is the source section; retrieval returns train targets
    written = pl.read_parquet(summary["paths"]["predictions"]).sort("report_key")
    assert written["reference"].to_list() == test[target].to_list()
    copy = preds.filter(pl.col("system") == "copy_findings").sort("report_key")["prediction"].to_list()
    assert copy == [" ".join(s.split()) for s in test[source].to_list()]
    train_targets = {" ".join(t.split()) for t in
                     pl.read_parquet(both.zone("snapshots") / name / "train.parquet")[target].to_list()}
    retrieved = preds.filter(pl.col("system") == "retrieval")["prediction"].to_list()
    assert set(retrieved) <= train_targets
    # retrieval queries with this direction's source and returns the nearest training row's target (whether
    # that beats the constant report on 4 examples depends on the secret-keyed split, so it is not asserted)
    from evaluation.baselines import nearest_neighbour_impressions
    from evaluation.data import load_split as eval_split

    train = eval_split(both, name, "train")  # in the evaluation's order: equally near rows tie the same way
    direct = nearest_neighbour_impressions(train[source].to_list(), train[target].to_list(), test[source].to_list())
    by_key = dict(preds.filter(pl.col("system") == "retrieval").select("report_key", "prediction").iter_rows())
    assert [by_key[k] for k in test["report_key"]] == direct
    assert Path(summary["paths"]["report"]).exists()


FULL = "impression-to-full-report"


def test_full_report_target_is_findings_then_impression_everywhere(both, tiny_llama_path) -> None:
    """`impression-to-full-report` (the site wants the whole report body written): the snapshot's exports,
    the tokens that carry the loss and the evaluation's references are all the same findings + impression text."""
    from transformers import AutoTokenizer

    from evaluation.config import EvalConfig, JudgeConfig
    from evaluation.run import evaluate
    from training.config import load_config
    from training.data import load_split, resolve_snapshot, tokenize_pairs
    from warehouse.snapshot import create_snapshot
    from warehouse.tasks import get_task

    create_snapshot("full", both, task=FULL)
    manifest, f2i = _manifest(both, "full"), _manifest(both, "f2i")
    assert manifest["hash"] == f2i["hash"] and manifest["template_hash"] != f2i["template_hash"]
    assert (manifest["exports"]["input"], manifest["exports"]["output"]) == ("impression", "findings+impression")
    test = pl.read_parquet(both.zone("snapshots") / "full" / "test.parquet").sort("report_key")
    expected = [f"FINDINGS:\n{f.strip()}\n\nIMPRESSION:\n{i.strip()}" for f, i in test.select("findings", "impression")
                .iter_rows()]
    exported = [json.loads(line) for line in
                (both.zone("snapshots") / "full" / "exports" / "alpaca" / "test.jsonl").read_text().splitlines()]
    assert sorted(r["output"] for r in exported) == sorted(expected)
    assert sorted(r["input"] for r in exported) == sorted(i.strip() for i in test["impression"])
    # the Polars form and the row form of the target agree
    assert test.select(get_task(FULL).target_expr())["target"].to_list() == expected

    tokenizer = AutoTokenizer.from_pretrained(tiny_llama_path)
    cfg = load_config({"dataset": {"snapshot": "full"}, "task": FULL, "prompt_format": "instruction",
                       "max_seq_len": 1024})
    rows = load_split(resolve_snapshot(cfg, both), "train")
    examples, _ = tokenize_pairs(rows, tokenizer, cfg)
    for ex, row in zip(examples[:5], rows[:5], strict=True):
        labelled = [t for t in ex["labels"] if t != -100]
        assert tokenizer.decode(labelled[:-1]) == f"FINDINGS:\n{row['findings']}\n\nIMPRESSION:\n{row['impression']}"

    summary = evaluate(EvalConfig(snapshot="full", model_path=tiny_llama_path, prompt_format="instruction", limit=3,
                                  max_new_tokens=4, batch_size=3, bootstrap_samples=50,
                                  judge=JudgeConfig(enabled=True, rubric="chexprompt", model_path=tiny_llama_path,
                                                    limit=2)), both)
    assert summary["snapshot"]["task"] == FULL
    written = pl.read_parquet(summary["paths"]["predictions"]).sort("report_key")
    assert written["reference"].to_list() == expected[: summary["n"]]
    # the CheXprompt judge is told what it grades: a report written from the IMPRESSION, not an impression
    verdicts = pl.read_parquet(Path(summary["paths"]["dir"]) / "verdicts.parquet")
    assert set(verdicts["rubric_version"]) == {f"1+{FULL}"} and verdicts.height == 2
    for prompt in verdicts["prompt"]:
        assert "CANDIDATE REPORT:" in prompt and "\nIMPRESSION:\n" in prompt and "CANDIDATE IMPRESSION" not in prompt
        assert "REFERENCE REPORT:\nFINDINGS:\n" in prompt


def test_existing_snapshots_keep_their_template_hash() -> None:
    """The task table moved to warehouse.tasks: the two original tasks hash exactly as before, so snapshots
    built earlier still match what a run pins."""
    import hashlib

    from warehouse.snapshot import ALPACA_TEMPLATE, template_hash

    old = {F2I: ("Summarize the radiology report findings into a concise impression.", "findings", "impression"),
           I2R: ("Write the findings section of a radiology report consistent with this impression.", "impression",
                 "findings")}
    for task, fields in old.items():
        assert template_hash(task) == hashlib.sha256(json.dumps([task, *fields, ALPACA_TEMPLATE]).encode()).hexdigest()

"""Real training runs of the tiny Llama through the real CLI: loss falls, registry, resume, merge."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from training.registry import get_run, list_runs

CONTRACT_FIELDS = {"run_id", "status", "method", "base_model", "snapshot", "adapter_path", "model_path", "metrics",
                   "prompt_format", "timings", "config_hash", "base_model_hash", "code_version"}


def _run_id(result) -> str:
    return result.stdout.strip().splitlines()[-1]


def _ledger(run_dir: Path) -> dict[int, list[int]]:
    """step -> examples, the last record of each step winning (a resumed run re-does the steps after its checkpoint)."""
    steps: dict[int, list[int]] = {}
    for line in (run_dir / "data_order.jsonl").read_text().splitlines():
        rec = json.loads(line)
        steps[rec["step"]] = rec["examples"]
    return steps


def test_lora_run_loss_falls_registry_and_merge(site, tiny_snapshot, write_config, cli) -> None:
    result = cli("train", "--config", str(write_config(max_steps=12)))
    assert result.exit_code == 0, result.output
    run_id = _run_id(result)
    record = get_run(run_id)
    assert set(record) >= CONTRACT_FIELDS
    assert record["status"] == "completed" and record["method"] == "lora"
    assert record["snapshot"]["name"] == "tiny" and len(record["snapshot"]["hash"]) == 64
    m = record["metrics"]
    assert m["global_step"] == 12
    first, last = m["loss_history"][0]["loss"], m["loss_history"][-1]["loss"]
    assert last < first - 0.1, m["loss_history"]
    assert m["packing"]["enabled"] and m["examples"]["overlength_dropped"] == 0 and m["tokens_per_s"] > 0
    assert (Path(record["adapter_path"]) / "adapter_config.json").exists()
    run_dir = Path(record["run_dir"])
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == ["checkpoint-12", "checkpoint-6",
                                                                             "checkpoint-9"]
    # the catalog row mirrors run.json
    rows = {r["run_id"]: r for r in list_runs()}
    assert rows[run_id]["status"] == "completed" and rows[run_id]["snapshot_name"] == "tiny"
    listed = cli("train", "list", "--json")
    assert listed.exit_code == 0 and run_id in listed.stdout

    merged = cli("train", "merge", run_id, "--json")
    assert merged.exit_code == 0, merged.output
    model_path = Path(json.loads(merged.stdout.strip().splitlines()[-1])["model_path"])
    assert get_run(run_id)["model_path"] == str(model_path)
    card = (model_path / "MODEL_CARD.md").read_text()
    assert record["snapshot"]["hash"] in card and "lora" in card
    assert tiny_snapshot.name in card and "The lungs" not in card  # provenance, no report text

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from training.prompts import build_prompt

    tok = AutoTokenizer.from_pretrained(model_path)
    model = AutoModelForCausalLM.from_pretrained(model_path)
    assert not any("lora" in name for name, _ in model.named_parameters())
    ids = tok(build_prompt("The heart is normal in size.", "instruction"), return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**ids, max_new_tokens=5, do_sample=False)
    assert out.shape[1] > ids["input_ids"].shape[1]


def test_resume_after_kill_same_steps_no_repeated_data(site, tiny_snapshot, write_config, cli) -> None:
    config = write_config(max_steps=8, checkpoint_every=3)
    reference = cli("train", "--config", str(config))
    assert reference.exit_code == 0, reference.output
    ref = get_run(_run_id(reference))

    env = {**os.environ, "RADFORGE_TRAIN_FAULT_AT_STEP": "5"}
    killed = subprocess.run([sys.executable, "-m", "radforge.cli", "train", "--config", str(config), "--json"],
                            env=env, capture_output=True, text=True, timeout=300, check=False)
    assert killed.returncode == 137, killed.stderr[-2000:]
    run_dir = max(p for p in site.zone("runs").iterdir() if p.name != Path(ref["run_dir"]).name
                  and (p / "run.json").exists())
    run_id = run_dir.name
    assert get_run(run_id)["status"] == "running"  # hard-killed: nobody marked it
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == ["checkpoint-3"]
    before = _ledger(run_dir)
    assert max(before) == 5

    resumed = cli("train", "--resume", run_id, "--json")
    assert resumed.exit_code == 0, resumed.output
    record = get_run(run_id)
    assert record["status"] == "completed" and record["metrics"]["global_step"] == ref["metrics"]["global_step"] == 8
    assert record["resumed_from"] == "checkpoint-3"
    after = _ledger(run_dir)
    ref_order = _ledger(Path(ref["run_dir"]))
    assert after == ref_order  # same batches at the same steps as an uninterrupted run
    trained = [i for step in sorted(after) for i in after[step]]
    assert len(trained) == len(set(trained))  # no example seen twice
    resumed_lines = (run_dir / "data_order.jsonl").read_text().splitlines()[len(before):]
    assert [json.loads(line)["step"] for line in resumed_lines] == [4, 5, 6, 7, 8]
    assert record["metrics"]["final_loss"] == pytest.approx(ref["metrics"]["final_loss"], abs=1e-3)


def test_qlora_run_on_cpu_trains_4bit_weights(site, tiny_snapshot, write_config, cli) -> None:
    result = cli("train", "--config", str(write_config(method="qlora", precision="bf16", max_steps=3,
                                                       checkpoint_every=10)), "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout.strip().splitlines()[-1])  # deepspeed logs to stdout on import
    assert record["status"] == "completed" and record["metrics"]["global_step"] == 3
    quant = json.loads((Path(record["run_dir"]) / "quantization.json").read_text())
    assert quant["bnb_4bit_quant_storage"] == "bfloat16" and quant["bnb_4bit_quant_type"] == "nf4"
    assert record["metrics"]["trainable_params"] < record["metrics"]["params"]


def test_real_run_of_a_site_preset_fails_before_the_first_step(site, tiny_snapshot, cli) -> None:
    result = cli("train", "--preset", "mgh-qlora", "--snapshot", "tiny")
    assert result.exit_code == 1
    text = str(result.exception)
    assert "not started" in text and "base model /models/llama-3-70b-instruct not found" in text
    assert "launcher local runs one process" in text  # every problem at once
    assert not list(site.zone("runs").glob("*/run.json"))  # nothing registered


def test_yearly_entry_point_trains_once_and_reuses_the_run(site, tiny_snapshot, write_config) -> None:
    from training.yearly import train_for_snapshot

    config = write_config(max_steps=2, checkpoint_every=10, dataset={"snapshot": "other", "max_eval_examples": 2})
    run_id = train_for_snapshot("tiny", site, preset=str(config), launcher="local")
    record = get_run(run_id)
    assert record["status"] == "completed" and record["snapshot"]["name"] == "tiny"
    assert record["task"] == "findings-to-impression"
    assert train_for_snapshot("tiny", site, preset=str(config), launcher="local") == run_id  # Airflow retry


@pytest.mark.slow
def test_demo_preset_takes_a_real_step_on_smollm2(site, tiny_snapshot, smollm2_path) -> None:
    """The one real-weights run: the demo preset's LoRA on SmolLM2-135M-Instruct, a single short step."""
    from training.config import load_preset
    from training.run import train

    cfg = load_preset("demo-lora", base_model=str(smollm2_path), max_steps=1, max_seq_len=160, checkpoint_every=10,
                      logging_steps=1, dataset={"snapshot": "tiny", "max_eval_examples": 2})
    record = get_run(train(cfg, site, disable_tqdm=True))
    m = record["metrics"]
    assert record["status"] == "completed" and m["global_step"] == 1
    assert 0 < m["first_loss"] < 6  # a real instruct model, not a random one (~10.8)
    assert m["trainable_params"] < m["params"] / 100

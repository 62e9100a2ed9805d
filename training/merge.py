"""Merge a run's LoRA adapter into its base model: a standalone folder any HF loader can serve.

The base is loaded de-quantised (bf16/fp32 even for QLoRA runs), the adapter applied and folded
in (`merge_and_unload`), and the result saved with the tokenizer and a MODEL_CARD.md that names
the data snapshot, config and metrics — ids, hashes and numbers, never report text.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml

from radforge.errors import ModelNotFound, RadforgeError
from radforge.settings import Settings, get_settings
from training import registry


def merge_run(run_id: str, settings: Settings | None = None, dtype: str = "auto", force: bool = False) -> Path:
    """Write runs/<run_id>/merged/ (model + tokenizer + MODEL_CARD.md); returns its path."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    settings = settings or get_settings()
    record = registry.get_run(run_id, settings)
    if record["status"] != "completed":
        raise RadforgeError(f"run {run_id} is {record['status']}; only a completed run can be merged")
    if record["method"] == "full" or not record.get("adapter_path"):
        raise RadforgeError(f"run {run_id} is full fine-tuning: its model folder {record.get('model_path')} "
                            "is already standalone")
    folder = registry.run_dir(run_id, settings)
    dest = folder / "merged"
    if (dest / "config.json").exists() and not force:
        return dest
    base = Path(record["base_model"])
    if not (base / "config.json").exists():
        raise ModelNotFound(f"base model {base} of run {run_id} is gone; restore it to merge")
    cfg = yaml.safe_load((folder / "config.yaml").read_text())
    if dtype == "auto":
        dtype = "bfloat16" if cfg.get("precision") == "bf16" else "float32"
    model = AutoModelForCausalLM.from_pretrained(base, dtype=getattr(torch, dtype))
    model = PeftModel.from_pretrained(model, record["adapter_path"]).merge_and_unload()
    model.config.use_cache = True  # merged models are for generation
    tmp = dest.with_name("merged.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    AutoTokenizer.from_pretrained(record["adapter_path"]).save_pretrained(tmp)
    (tmp / "MODEL_CARD.md").write_text(model_card(record, cfg))
    if dest.exists():
        shutil.rmtree(dest)
    tmp.rename(dest)
    registry.update_run(run_id, settings, model_path=str(dest), merged_at=registry.now_iso())
    return dest


def model_card(record: dict[str, Any], cfg: dict[str, Any]) -> str:
    """Provenance only: snapshot name/hash, config, metrics. No example, prompt sample or report text."""
    metrics = {k: v for k, v in (record.get("metrics") or {}).items() if k != "loss_history"}
    snap = record.get("snapshot") or {}
    timings = record.get("timings") or {}
    return "\n".join([
        f"# {cfg.get('name', 'radforge model')} — run {record['run_id']}",
        "",
        "Fine-tuned by radforge to write the IMPRESSION of a radiology report from its FINDINGS.",
        "Trained on a de-identified dataset snapshot only; this card holds ids, hashes and numbers, no report text.",
        "",
        "## Provenance",
        f"- base model: `{record.get('base_model')}` (fingerprint `{record.get('base_model_hash')}`)",
        f"- method: {record.get('method')}; LoRA adapter merged into the base weights",
        f"- dataset snapshot: `{snap.get('name')}` (sha256 `{snap.get('hash')}`)",
        f"- prompt format: {record.get('prompt_format')} (generate with `training.prompts.build_prompt`)",
        f"- config hash: `{record.get('config_hash')}`; code version: `{record.get('code_version')}`",
        f"- trained: {timings.get('started_at')} → {timings.get('finished_at')}",
        "",
        "## Metrics",
        "```json",
        json.dumps(metrics, indent=2, default=str),
        "```",
        "",
        "## Configuration",
        "```yaml",
        yaml.safe_dump(cfg, sort_keys=False).rstrip(),
        "```",
        "",
        "## Intended use",
        "Draft impressions for radiologist review inside the hospital. Not a medical device; every output is "
        "reviewed by a radiologist before it enters a report.",
        "",
    ])

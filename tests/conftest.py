"""Shared fixtures: every test runs offline, with its own RADFORGE_HOME and the egress guard on."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session", autouse=True)
def _egress_guard() -> None:
    from radforge.egress import install

    install()


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A freshly initialised site under a temporary RADFORGE_HOME; yields its Settings."""
    from radforge.settings import get_settings
    from radforge.site import init_site

    home = tmp_path / "site"
    monkeypatch.setenv("RADFORGE_HOME", str(home))
    monkeypatch.delenv("RADFORGE_CONFIG", raising=False)
    settings = get_settings()
    init_site(settings)
    yield get_settings()


# --- shared models and data for the training / evaluation / DAG tests --------------------------

REPO = Path(__file__).resolve().parents[1]
TEST_CACHE = Path(os.environ.get("RADFORGE_TEST_CACHE", REPO / ".venv" / ".test-cache"))


@pytest.fixture(scope="session")
def smollm2_path() -> Path:
    """The real SmolLM2-135M-Instruct as an HF folder, converted once from the shipped GGUF and cached."""
    from radforge.models import DEMO_LLM_DIRNAME, prepare_demo_llm

    return prepare_demo_llm(TEST_CACHE / DEMO_LLM_DIRNAME)


@pytest.fixture(scope="session")
def tiny_llama_path(smollm2_path: Path) -> Path:
    """A tiny random Llama (2 layers, 256 wide) with SmolLM2's real tokenizer: trains in milliseconds."""
    dest = TEST_CACHE / "tiny-llama"
    if (dest / "config.json").exists():
        return dest
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(smollm2_path)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True)
    tmp = dest.with_name("tiny-llama.tmp")
    LlamaForCausalLM(config).save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    tmp.rename(dest)
    return dest


def make_pairs(n: int, seed: int = 0) -> list[dict]:
    """Synthetic FINDINGS→IMPRESSION pairs in the snapshot schema (for tests before the warehouse)."""
    import random

    rng = random.Random(seed)
    organs = [("lungs", "clear"), ("heart", "normal in size"), ("liver", "normal in attenuation"),
              ("kidneys", "without hydronephrosis"), ("spleen", "normal in size")]
    abnormal = [("right lower lobe opacity", "Right lower lobe pneumonia."),
                ("small left pleural effusion", "Small left pleural effusion."),
                ("3 mm nonobstructing left renal stone", "Nonobstructing left nephrolithiasis."),
                ("cardiomegaly", "Cardiomegaly."), ("L4-L5 disc bulge", "Degenerative disc disease at L4-L5.")]
    rows = []
    for i in range(n):
        parts = [f"The {o} are {s}." if o.endswith("s") else f"The {o} is {s}." for o, s in rng.sample(organs, 3)]
        if rng.random() < 0.5:
            finding, impression = rng.choice(abnormal)
            parts.insert(rng.randrange(len(parts) + 1), f"There is {finding}.")
        else:
            impression = "No acute abnormality."
        rows.append({
            "report_key": f"r{seed}_{i:05d}", "patient_key": f"p{seed}_{i // 3:05d}",
            "exam_year": 2015 + i % 10, "modality": rng.choice(["CT", "XR", "MR", "US"]),
            "body_part": rng.choice(["CHEST", "ABDOMEN", "SPINE"]),
            "findings": " ".join(parts), "impression": impression,
        })
    return rows


def write_snapshot(root: Path, name: str, rows: list[dict], test_fraction: float = 0.2) -> Path:
    """Write a snapshot folder in the warehouse's contract format (see warehouse/README.md)."""
    import hashlib
    import json

    import polars as pl

    folder = root / name
    folder.mkdir(parents=True)
    n_test = max(1, int(len(rows) * test_fraction))
    splits = {"train": rows[: len(rows) - 2 * n_test], "validation": rows[len(rows) - 2 * n_test: len(rows) - n_test],
              "test": rows[len(rows) - n_test:]}
    digest = hashlib.sha256()
    for split, part in splits.items():
        path = folder / f"{split}.parquet"
        pl.DataFrame(part, schema={"report_key": pl.String, "patient_key": pl.String, "exam_year": pl.Int32,
                                   "modality": pl.String, "body_part": pl.String, "findings": pl.String,
                                   "impression": pl.String}).write_parquet(path)
        digest.update(path.read_bytes())
    manifest = {"name": name, "hash": digest.hexdigest(), "task": "findings-to-impression",
                "splits": {k: len(v) for k, v in splits.items()}, "filters": {}, "funnel": {},
                "source_partitions": [], "code_version": "test"}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return folder


@pytest.fixture
def tiny_snapshot(site) -> Path:
    """A 60-pair snapshot named `tiny` under the test site's snapshots zone."""
    return write_snapshot(site.zone("snapshots"), "tiny", make_pairs(60))

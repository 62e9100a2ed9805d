"""Run configs and presets: validation reports every problem at once, presets match the published setups."""

from __future__ import annotations

import pytest

from radforge.errors import ConfigError
from training.config import list_presets, load_config, load_preset, parse
from training.deepspeed_config import deepspeed_config, quantization_config
from training.prompts import build_prompt

PRESETS = ["alpaca-8b-qlora", "demo-lora", "mgh-full-zero3", "mgh-qlora", "radiology-llama2"]


def test_every_required_preset_ships_and_validates() -> None:
    assert set(PRESETS) <= set(list_presets())
    for name in PRESETS:
        assert load_preset(name, snapshot="s").dataset.snapshot == "s"


def test_radiology_llama2_preset_reproduces_the_published_setup() -> None:
    cfg = load_preset("radiology-llama2")
    assert (cfg.method, cfg.lora.r, cfg.lora.alpha, cfg.lora.dropout) == ("lora", 8, 16, 0.05)
    assert cfg.lora.target_modules == ["q_proj", "v_proj"]
    assert (cfg.lr, cfg.weight_decay, cfg.effective_global_batch) == (3e-4, 0.01, 128)


@pytest.mark.parametrize(("preset", "method", "stage", "fmt"), [
    ("mgh-qlora", "qlora", 3, "chat-template"),
    ("mgh-full-zero3", "full", 3, "chat-template"),
    ("alpaca-8b-qlora", "qlora", 0, "alpaca"),
    ("heidelberg-8b-qlora", "qlora", 0, "alpaca"),
])
def test_large_model_presets(preset: str, method: str, stage: int, fmt: str) -> None:
    cfg = load_preset(preset)
    assert (cfg.method, cfg.deepspeed.stage, cfg.prompt_format, cfg.precision) == (method, stage, fmt, "bf16")


def test_zero3_qlora_config_stores_4bit_weights_in_the_compute_dtype() -> None:
    cfg = load_preset("mgh-qlora")
    quant = quantization_config(cfg)
    assert quant["bnb_4bit_quant_storage"] == quant["bnb_4bit_compute_dtype"] == "bfloat16"
    assert quant["bnb_4bit_quant_type"] == "nf4" and quant["bnb_4bit_use_double_quant"] is True
    ds = deepspeed_config(cfg)
    assert ds["zero_optimization"]["stage"] == 3
    assert ds["train_batch_size"] == 128 and ds["bf16"]["enabled"] is True
    assert ds["zero_optimization"]["stage3_gather_16bit_weights_on_model_save"] is True


def test_full_zero3_offloads_optimizer_and_parameters_to_cpu() -> None:
    zero = deepspeed_config(load_preset("mgh-full-zero3"))["zero_optimization"]
    assert zero["offload_optimizer"]["device"] == zero["offload_param"]["device"] == "cpu"
    assert deepspeed_config(load_preset("demo-lora")) is None


def test_all_config_errors_are_reported_at_once_with_their_fix() -> None:
    bad = {"method": "qlora", "lr": -1, "micro_batch_size": 0, "global_batch_size": 100,
           "deepspeed": {"stage": 3}, "quantization": {"quant_storage": "uint8"}, "unknown_key": 1}
    with pytest.raises(ConfigError) as err:
        parse(bad)
    text = str(err.value)
    assert "lr" in text and "micro_batch_size" in text and "unknown_key" in text
    # cross-field rules are checked on a structurally valid config, again all together
    with pytest.raises(ConfigError) as err:
        parse({"method": "qlora", "global_batch_size": 100, "deepspeed": {"stage": 3},
               "quantization": {"quant_storage": "uint8"}})
    text = str(err.value)
    assert "2 problem(s)" in text
    assert "set quant_storage: bfloat16" in text and "adjust gradient_accumulation" in text


def test_config_file_errors_name_the_file(tmp_path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text("method: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.yaml")


def test_prompt_formats() -> None:
    findings = "The lungs are clear."
    instruction = build_prompt(findings, "instruction")
    alpaca = build_prompt(findings, "alpaca")
    chat = build_prompt(findings, "chat-template")
    assert instruction.endswith("### Impression:\n") and findings in instruction
    assert alpaca.startswith("Below is an instruction") and alpaca.endswith("### Response:\n") and findings in alpaca
    assert chat.endswith("<|im_start|>assistant\n") and findings in chat
    with pytest.raises(ConfigError):
        build_prompt(findings, "freeform")


def test_chat_template_prompt_uses_the_tokenizers_template(tiny_llama_path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_llama_path)
    prompt = build_prompt("The heart is normal in size.", "chat-template", tok)
    expected = tok.apply_chat_template([{"role": "system", "content": "x"}], tokenize=False)
    assert prompt.startswith(expected.split("x")[0]) and "The heart is normal in size." in prompt
    assert prompt.rstrip().endswith("assistant")


@pytest.mark.parametrize(("preset", "name"), [("radiology-llama2", "zero2.json"), ("mgh-qlora", "zero3-qlora.json"),
                                              ("mgh-full-zero3", "zero3-offload.json")])
def test_platform_reference_deepspeed_configs_match_the_generator(preset: str, name: str) -> None:
    import json

    from radforge.settings import REPO_ROOT

    shipped = json.loads((REPO_ROOT / "platform" / "deepspeed" / name).read_text())
    assert shipped == deepspeed_config(load_preset(preset))

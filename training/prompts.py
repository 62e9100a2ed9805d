"""The exact prompt text a model is trained on, so evaluation can generate with the identical prompt.

A training example is `build_prompt(findings, fmt, tokenizer)` followed by the impression and the
tokenizer's end-of-sequence token; loss is computed on the impression and EOS only. The prompt is
tokenised on its own (not together with the impression), which is exactly what a generator sees.
"""

from __future__ import annotations

from typing import Any

from radforge.errors import ConfigError

INSTRUCTION = "Summarize the radiology report findings into a concise impression."
# task -> (instruction, input section name, output section name); the warehouse exports use the same wording
TASKS = {
    "findings-to-impression": (INSTRUCTION, "Findings", "Impression"),
    "impression-to-report": ("Write the findings section of a radiology report consistent with this impression.",
                             "Impression", "Findings"),
}

_INSTRUCTION_TEMPLATE = "### Instruction:\n{instruction}\n\n### {source}:\n{findings}\n\n### {target}:\n"
_ALPACA_TEMPLATE = (
    "Below is an instruction that describes a task, paired with an input that provides further context. "
    "Write a response that appropriately completes the request.\n\n"
    "### Instruction:\n{instruction}\n\n### Input:\n{findings}\n\n### Response:\n"
)
SYSTEM_MESSAGE = "You are a radiologist writing the impression section of a radiology report."
# ChatML, used for `chat-template` only when no tokenizer (or one without a template) is given.
_CHATML_FALLBACK = ("<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n"
                    "<|im_start|>assistant\n")


def _task(task: str) -> tuple[str, str, str]:
    if task not in TASKS:
        raise ConfigError(f"unknown task {task!r}; use {' or '.join(TASKS)}")
    return TASKS[task]


def chat_messages(findings: str, task: str = "findings-to-impression") -> list[dict[str, str]]:
    instruction, source, _ = _task(task)
    system = SYSTEM_MESSAGE if task == "findings-to-impression" else "You are a radiologist writing a radiology report."
    return [{"role": "system", "content": system},
            {"role": "user", "content": f"{instruction}\n\n{source}:\n{findings.strip()}"}]


def build_prompt(findings: str, fmt: str, tokenizer: Any = None, task: str = "findings-to-impression") -> str:
    """The prompt for `findings` in format `instruction | alpaca | chat-template`.

    For `chat-template` the tokenizer's own chat template renders the messages with the
    generation prompt; without a tokenizer (or without a template) ChatML is used. For the
    `impression-to-report` task the first argument is the impression and the model writes findings.
    """
    findings = (findings or "").strip()
    instruction, source, target = _task(task)
    if fmt == "instruction":
        return _INSTRUCTION_TEMPLATE.format(instruction=instruction, findings=findings, source=source, target=target)
    if fmt == "alpaca":
        return _ALPACA_TEMPLATE.format(instruction=instruction, findings=findings)
    if fmt in ("chat-template", "chat"):
        messages = chat_messages(findings, task)
        if tokenizer is not None and getattr(tokenizer, "chat_template", None):
            return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return _CHATML_FALLBACK.format(system=messages[0]["content"], user=messages[1]["content"])
    raise ConfigError(f"unknown prompt format {fmt!r}; use instruction, alpaca or chat-template")


def prompt_adds_special_tokens(fmt: str) -> bool:
    """Whether the tokenizer should add its BOS to the prompt (chat templates already contain theirs)."""
    return fmt not in ("chat-template", "chat")

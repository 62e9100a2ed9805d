"""The exact prompt text a model is trained on, so evaluation can generate with the identical prompt.

A training example is `build_prompt(findings, fmt, tokenizer)` followed by the impression and the
tokenizer's end-of-sequence token; loss is computed on the impression and EOS only. The prompt is
tokenised on its own (not together with the impression), which is exactly what a generator sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from radforge.errors import ConfigError
from radforge.tasks import DEFAULT_TASK, EXAMPLES_HEADING, get_task

Examples = Sequence[tuple[str, str]] | None  # retrieved train pairs (source, target), nearest first

_INSTRUCTION_TEMPLATE = "### Instruction:\n{instruction}\n\n### {source}:\n{findings}\n\n### {target}:\n"
_EXAMPLES_SECTION = "### " + EXAMPLES_HEADING + ":\n{examples}\n\n"  # instruction format, before the source
_ALPACA_TEMPLATE = (
    "Below is an instruction that describes a task, paired with an input that provides further context. "
    "Write a response that appropriately completes the request.\n\n"
    "### Instruction:\n{instruction}\n\n### Input:\n{findings}\n\n### Response:\n"
)
# ChatML, used for `chat-template` only when no tokenizer (or one without a template) is given.
_CHATML_FALLBACK = ("<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n"
                    "<|im_start|>assistant\n")


def chat_messages(findings: str, task: str = DEFAULT_TASK, examples: Examples = None) -> list[dict[str, str]]:
    t = get_task(task)
    user = t.context_text(findings, examples) if examples else f"{t.source_label}:\n{findings.strip()}"
    return [{"role": "system", "content": t.system}, {"role": "user", "content": f"{t.instruction}\n\n{user}"}]


def build_prompt(findings: str, fmt: str, tokenizer: Any = None, task: str = DEFAULT_TASK,
                 examples: Examples = None) -> str:
    """The prompt for `findings` in format `instruction | alpaca | chat-template`.

    For `chat-template` the tokenizer's own chat template renders the messages with the
    generation prompt; without a tokenizer (or without a template) ChatML is used. `findings` is the
    task's source section: for the `impression-to-*` tasks it is the impression (radforge.tasks).
    `examples` are the retrieved train pairs of a retrieval-augmented task (radforge.retrieval), shown
    before the source in the task's one rendering (`Task.examples_text` / `Task.context_text`).
    """
    findings = (findings or "").strip()
    t = get_task(task)
    if fmt == "instruction":
        prompt = _INSTRUCTION_TEMPLATE.format(instruction=t.instruction, findings=findings, source=t.source_label,
                                              target=t.target_label)
        if examples:
            head, sep, rest = prompt.partition(f"### {t.source_label}:\n")
            prompt = head + _EXAMPLES_SECTION.format(examples=t.examples_text(examples)) + sep + rest
        return prompt
    if fmt == "alpaca":
        return _ALPACA_TEMPLATE.format(instruction=t.instruction, findings=t.context_text(findings, examples))
    if fmt in ("chat-template", "chat"):
        messages = chat_messages(findings, task, examples)
        if tokenizer is not None and getattr(tokenizer, "chat_template", None):
            return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return _CHATML_FALLBACK.format(system=messages[0]["content"], user=messages[1]["content"])
    raise ConfigError(f"unknown prompt format {fmt!r}; use instruction, alpaca or chat-template")


def prompt_adds_special_tokens(fmt: str) -> bool:
    """Whether the tokenizer should add its BOS to the prompt (chat templates already contain theirs)."""
    return fmt not in ("chat-template", "chat")

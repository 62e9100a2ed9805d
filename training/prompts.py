"""The exact prompt text a model is trained on, so evaluation can generate with the identical prompt.

A training example is `build_prompt(findings, fmt, tokenizer)` followed by the impression and the
tokenizer's end-of-sequence token; loss is computed on the impression and EOS only. The prompt is
tokenised on its own (not together with the impression), which is exactly what a generator sees.
The words come from the task table (warehouse.tasks: each task's texts and the prompt templates), which a
snapshot's exports write too; this module only picks the format and renders it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from radforge.errors import ConfigError
from warehouse.tasks import ALPACA_PROMPT, CHATML_PROMPT, DEFAULT_TASK, EXAMPLES_SECTION, INSTRUCTION_PROMPT, get_task

Examples = Sequence[tuple[str, str]] | None  # retrieved train pairs (source, target), nearest first


def build_prompt(findings: str, fmt: str, tokenizer: Any = None, task: str = DEFAULT_TASK,
                 examples: Examples = None) -> str:
    """The prompt for `findings` in format `instruction | alpaca | chat-template`.

    For `chat-template` the tokenizer's own chat template renders the messages with the
    generation prompt; without a tokenizer (or without a template) ChatML is used. `findings` is the
    task's source section: for the `impression-to-*` tasks it is the impression (warehouse.tasks).
    `examples` are the retrieved train pairs of a retrieval-augmented task (warehouse.retrieval), shown
    before the source in the task's one rendering (`Task.examples_text` / `Task.context_text`).
    """
    findings = (findings or "").strip()
    t = get_task(task)
    if fmt == "instruction":
        prompt = INSTRUCTION_PROMPT.format(instruction=t.instruction, input=findings, source=t.source_label,
                                           target=t.target_label)
        if examples:
            head, sep, rest = prompt.partition(f"### {t.source_label}:\n")
            prompt = head + EXAMPLES_SECTION.format(examples=t.examples_text(examples)) + sep + rest
        return prompt
    if fmt == "alpaca":
        return ALPACA_PROMPT.format(instruction=t.instruction, input=t.context_text(findings, examples))
    if fmt in ("chat-template", "chat"):
        messages = t.chat_messages(findings, examples)
        if tokenizer is not None and getattr(tokenizer, "chat_template", None):
            return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return CHATML_PROMPT.format(system=messages[0]["content"], user=messages[1]["content"])
    raise ConfigError(f"unknown prompt format {fmt!r}; use instruction, alpaca or chat-template")


def prompt_adds_special_tokens(fmt: str) -> bool:
    """Whether the tokenizer should add its BOS to the prompt (chat templates already contain theirs)."""
    return fmt not in ("chat-template", "chat")

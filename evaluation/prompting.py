"""The prompt the model under test sees: training's own `build_prompt`, so eval matches training.

The fallback below exists only for a checkout without the training package (it mirrors the
`chat-template` format of training.prompts); with training installed it is never used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evaluation.errors import EvaluationError
from radforge.tasks import DEFAULT_TASK

DEFAULT_FORMAT = "chat-template"

try:  # the contract: training.prompts.build_prompt(findings, fmt, tokenizer) -> str
    from training.prompts import build_prompt as _training_build_prompt
except ImportError:  # pragma: no cover - only without the training package
    _training_build_prompt = None


def build_prompt(findings: str, fmt: str = DEFAULT_FORMAT, tokenizer: Any = None, task: str = DEFAULT_TASK,
                 examples: Sequence[tuple[str, str]] | None = None) -> str:
    """The prompt for `findings` (the task's source section: for `impression-to-*`, the impression).

    `examples`: the retrieved train pairs of a retrieval-augmented run (the same ones training showed).
    """
    if _training_build_prompt is not None:
        return _training_build_prompt(findings, fmt, tokenizer, task=task, examples=examples)
    if task != DEFAULT_TASK or examples:  # pragma: no cover - only without the training package
        raise EvaluationError(f"task {task!r} needs the training package's prompts (training.prompts)")
    messages = [{"role": "system", "content": "You are a radiologist writing the impression section of a "
                 "radiology report."},
                {"role": "user", "content": "Summarize the radiology report findings into a concise impression."
                 f"\n\nFindings:\n{(findings or '').strip()}"}]
    if tokenizer is not None and getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages) + "<|im_start|>assistant\n"


def adds_special_tokens(fmt: str) -> bool:
    """Chat templates already contain their BOS; plain formats let the tokenizer add it (as training does)."""
    try:
        from training.prompts import prompt_adds_special_tokens
    except ImportError:  # pragma: no cover
        return fmt not in ("chat-template", "chat")
    return prompt_adds_special_tokens(fmt)

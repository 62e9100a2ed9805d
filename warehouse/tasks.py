"""The report tasks, as data: which section a model reads, which it writes, and how it is asked.

One table serves the warehouse (a snapshot's exports, its manifest's task and template hash), training
(the prompt, which tokens carry the loss) and evaluation (what is the source, what is the reference), so
the three can never disagree; the prompt templates around a task's words (instruction, Alpaca, ChatML) are
here too, once. A snapshot's splits are the same for every task: the task only says how a
FINDINGS → IMPRESSION pair is read.

- `findings-to-impression` (MGH Radiology Llama, Radiology-Llama2): summarise the findings.
- `impression-to-report`: the radiologist dictates the impression, the model writes the findings.
- `impression-to-full-report`: the same, but the model writes the whole report body (findings then
  impression, under their headings), for sites whose reports are read as one text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from radforge.errors import ConfigError

DEFAULT_TASK = "findings-to-impression"
EXAMPLES_HEADING = "Similar reports"  # the retrieved train pairs (warehouse.retrieval), when a prompt has them


@dataclass(frozen=True)
class Task:
    name: str
    instruction: str
    source: str  # the snapshot column the model is given
    target: tuple[str, ...]  # the column(s) it writes; several are joined under their section headings
    source_label: str  # the heading of the source in the `instruction` prompt format
    target_label: str
    system: str  # the system message of the `chat-template` format
    target_noun: str  # what the judge is told it grades: "impression", "findings section", "report"
    short: str  # in automatic snapshot names: auto-<short>-<kind>-<digest>

    @property
    def target_name(self) -> str:
        """The target as one word for manifests and exports: `impression`, `findings+impression`."""
        return "+".join(self.target)

    def source_text(self, row: Mapping[str, Any]) -> str:
        return (row.get(self.source) or "").strip()

    def target_text(self, row: Mapping[str, Any]) -> str:
        """The reference the model learns to write (and is scored against)."""
        if len(self.target) == 1:
            return (row.get(self.target[0]) or "").strip()
        return "\n\n".join(f"{col.upper()}:\n{(row.get(col) or '').strip()}" for col in self.target)

    def examples_text(self, examples: Sequence[tuple[str, str]]) -> str:
        """The retrieved train pairs (source, target) as every prompt format shows them, nearest first."""
        return "\n\n".join(f"Example {i}\n{self.source_label}: {' '.join(s.split())}\n"
                            f"{self.target_label}: {t.strip()}" for i, (s, t) in enumerate(examples, 1))

    def context_text(self, source: str, examples: Sequence[tuple[str, str]] | None = None) -> str:
        """What the model reads: the similar reports (if any), then the source under its label.

        One rendering for the chat and Alpaca prompts, the snapshot exports, the judge's context and the
        HTML report; without examples it is the bare source (the historical exports and prompts).
        """
        source = (source or "").strip()
        if not examples:
            return source
        return f"{EXAMPLES_HEADING}:\n\n{self.examples_text(examples)}\n\n{self.source_label}:\n{source}"

    def chat_messages(self, source: str, examples: Sequence[tuple[str, str]] | None = None) -> list[dict[str, str]]:
        """The system and user messages of the `chat-template` format; the snapshot's chat export adds the answer."""
        source = (source or "").strip()
        user = self.context_text(source, examples) if examples else f"{self.source_label}:\n{source}"
        return [{"role": "system", "content": self.system},
                {"role": "user", "content": f"{self.instruction}\n\n{user}"}]

    def target_expr(self) -> Any:
        """`target_text` as a Polars expression (named `target`), for whole splits."""
        import polars as pl

        if len(self.target) == 1:
            return pl.col(self.target[0]).fill_null("").str.strip_chars().alias("target")
        parts: list[Any] = []
        for i, col in enumerate(self.target):
            parts += [pl.lit(("\n\n" if i else "") + f"{col.upper()}:\n"), pl.col(col).fill_null("").str.strip_chars()]
        return pl.concat_str(parts).alias("target")


# The prompt table: the texts around a task's own words above, one copy each. Training renders them
# (training.prompts.build_prompt, which evaluation generates with) and a snapshot's exports write them
# (warehouse.snapshot); the `chat-template` messages are `Task.chat_messages`.
INSTRUCTION_PROMPT = "### Instruction:\n{instruction}\n\n### {source}:\n{input}\n\n### {target}:\n"
EXAMPLES_SECTION = "### " + EXAMPLES_HEADING + ":\n{examples}\n\n"  # the instruction format shows it before the source
ALPACA_PROMPT = ("Below is an instruction that describes a task, paired with an input that provides further context. "
                 "Write a response that appropriately completes the request.\n\n"
                 "### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n")
ALPACA_TEMPLATE = ALPACA_PROMPT + "{output}"  # the alpaca export's `text`; every template hash holds it: never reword
# ChatML: the `chat-template` prompt when no tokenizer (or one without a chat template) is given.
CHATML_PROMPT = "<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"

_REPORT_SYSTEM = "You are a radiologist writing a radiology report."
TASKS: dict[str, Task] = {t.name: t for t in (
    Task(DEFAULT_TASK, "Summarize the radiology report findings into a concise impression.",
         "findings", ("impression",), "Findings", "Impression",
         "You are a radiologist writing the impression section of a radiology report.", "impression", "f2i"),
    Task("impression-to-report", "Write the findings section of a radiology report consistent with this impression.",
         "impression", ("findings",), "Impression", "Findings", _REPORT_SYSTEM, "findings section", "i2r"),
    Task("impression-to-full-report",
         "Write the findings and impression sections of a radiology report consistent with this impression.",
         "impression", ("findings", "impression"), "Impression", "Report", _REPORT_SYSTEM, "report", "i2fr"),
)}


def get_task(name: str | None) -> Task:
    """The task called `name` (None or "" = the default), or a ConfigError naming the known ones."""
    task = TASKS.get(name or DEFAULT_TASK)
    if task is None:
        raise ConfigError(f"unknown task {name!r}; use one of {', '.join(TASKS)}")
    return task

"""What one evaluation is: an `EvalConfig` (with its `JudgeConfig`), from a YAML file, the CLI or a DAG's params.

In the spirit of torchtune's recipes (and of training/config.py): every knob of an evaluation lives in
one object that a file can hold (`evaluation/presets/`), checked before anything heavy is imported,
every problem at once, each with its fix. `None` means "the site's default" ([evaluation] and [models]
of the site config), filled in when the evaluation runs, so one file serves every site.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evaluation.errors import EvaluationError
from evaluation.judge.rubrics import RUBRICS
from radforge.errors import ConfigError
from radforge.yaml_files import read_mapping
from training.config import PROMPT_FORMATS

__all__ = ["EvalConfig", "JudgeConfig"]


@dataclass(frozen=True)
class JudgeConfig:
    """The optional LLM judge. Checked as part of its EvalConfig (its problems are named `judge.<key>`)."""

    enabled: bool = False
    rubric: str | None = None  # None = [evaluation].judge_rubric
    model_path: Path | None = None  # local judge model folder; None = [models].judge
    endpoint: str | None = None  # or an on-site OpenAI-compatible URL (allow-listed in [security].egress_allow)
    limit: int | None = None  # judge only the first N predictions; None = [evaluation].judge_limit
    rationale_chars: int | None = None  # mgh-0-10 rationale bound; None = [evaluation].judge_rationale_chars

    def __post_init__(self) -> None:
        _as_path(self, "model_path")

    def _problems(self) -> list[str]:
        problems = _type_problems(self, "judge.")
        if isinstance(self.rubric, str) and self.rubric not in RUBRICS:
            problems.append(f"judge.rubric {self.rubric!r} is unknown: use one of {', '.join(RUBRICS)}")
        return problems


@dataclass(frozen=True)
class EvalConfig:
    """One evaluation: which model (a training run, or a model folder) on which snapshot split, and how."""

    snapshot: str  # dataset snapshot name
    split: str = "test"
    run_id: str | None = None  # a training run (it brings its own prompt format and retrieval) ...
    model_path: Path | None = None  # ... or a local HF model folder (exactly one of the two)
    adapter_path: Path | None = None  # PEFT adapter on top of model_path
    prompt_format: str | None = None  # model_path only; None = the model's chat template
    retrieval: Mapping[str, Any] | None = None  # model_path only: {k, index} of retrieval-augmented prompts
    limit: int | None = None  # only the first N examples (by report_key); None = all
    max_new_tokens: int | None = None  # None = [evaluation].max_new_tokens
    batch_size: int | None = None  # generation and local-judge batch; None = [evaluation].batch_size
    num_beams: int | None = None  # beam search width (1 = greedy); None = [evaluation].num_beams
    bootstrap_samples: int | None = None  # None = [evaluation].bootstrap_samples
    judge: JudgeConfig = field(default_factory=JudgeConfig)

    def __post_init__(self) -> None:
        # inside: numpy and polars stay out of `radforge --help`, which imports this module
        from warehouse.retrieval import RetrievalSpec
        from warehouse.splits import SPLITS

        _as_path(self, "model_path")
        _as_path(self, "adapter_path")
        if isinstance(self.retrieval, Mapping):  # a copy: the caller's dict may change, this config may not
            object.__setattr__(self, "retrieval", dict(self.retrieval))
        problems = _type_problems(self, "")
        if isinstance(self.judge, JudgeConfig):
            problems += self.judge._problems()
        else:
            problems.append(f"judge must be a JudgeConfig, not {type(self.judge).__name__}")
        if not self.snapshot:
            problems.append("snapshot is required: set snapshot: NAME (see `radforge dataset list`)")
        if isinstance(self.split, str) and self.split not in SPLITS:
            problems.append(f"split {self.split!r} is unknown: use one of {', '.join(SPLITS)}")
        if (self.run_id is None) == (self.model_path is None):
            problems.append("give exactly one of a run id or a model path (run_id or model_path)")
        if isinstance(self.prompt_format, str) and self.prompt_format not in PROMPT_FORMATS:
            problems.append(f"prompt_format {self.prompt_format!r} is unknown: use one of {', '.join(PROMPT_FORMATS)}")
        if isinstance(self.retrieval, Mapping):
            try:
                RetrievalSpec.parse(self.retrieval)
            except (ConfigError, TypeError, ValueError) as exc:
                problems.append(f"retrieval: {exc}")
        if problems:
            raise EvaluationError(f"{len(problems)} problem(s) in the eval config: " + "; ".join(problems))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str | None = None) -> EvalConfig:
        """A validated EvalConfig from a mapping shaped like `to_dict()`; unknown keys are an error naming them.

        `source` (a file name) starts every error message.
        """
        where = f"{source}: " if source else ""
        if not isinstance(data, Mapping):
            raise EvaluationError(f"{where}expected a mapping of eval config keys, got {type(data).__name__}")
        judge = data.get("judge") or {}
        if not isinstance(judge, Mapping):
            raise EvaluationError(f"{where}judge must be a mapping (enabled, rubric, ...), got {type(judge).__name__}")
        unknown = _unknown(cls, data, "") + _unknown(JudgeConfig, judge, "judge.")
        if unknown:
            raise EvaluationError(f"{where}unknown eval config key(s) {', '.join(map(repr, unknown))}; the keys are "
                                  f"{', '.join(_keys(cls))} and judge.{{{', '.join(_keys(JudgeConfig))}}}")
        try:
            return cls(**{**data, "snapshot": data.get("snapshot"), "judge": JudgeConfig(**judge)})
        except EvaluationError as exc:
            raise EvaluationError(f"{where}{exc}") from None

    @classmethod
    def from_yaml(cls, path: Path | str) -> EvalConfig:
        """A validated EvalConfig from a YAML file (an example: evaluation/presets/demo-judged.yaml)."""
        return cls.from_dict(read_yaml(path), str(path))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON/YAML values (paths as strings), the same keys from_dict reads: a round trip is lossless."""
        return _plain(dataclasses.asdict(self))


def read_yaml(path: Path | str) -> dict[str, Any]:
    """The mapping of an eval config file ({} for an empty one); what is wrong with the file, as an EvaluationError."""
    return read_mapping(path, EvaluationError, "eval config")


# the type each key must have (None is always allowed except for these few)
_INTS = {"limit", "max_new_tokens", "batch_size", "num_beams", "bootstrap_samples", "rationale_chars"}
_STRS = {"snapshot", "split", "run_id", "prompt_format", "rubric", "endpoint"}
_PATHS = {"model_path", "adapter_path"}


def _type_problems(config: Any, prefix: str) -> list[str]:
    problems = []
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        name = prefix + f.name
        if f.name in _INTS and value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                                      or value < 1):
            problems.append(f"{name} must be a whole number >= 1, or null for "
                            f"{'all' if f.name == 'limit' else 'the site default'} (got {value!r})")
        elif f.name in _STRS and value is not None and not isinstance(value, str):
            problems.append(f"{name} must be a string (got {type(value).__name__})")
        elif f.name in _PATHS and value is not None and not isinstance(value, Path):
            problems.append(f"{name} must be a folder path (got {type(value).__name__})")
        elif f.name == "enabled" and not isinstance(value, bool):
            problems.append(f"{name} must be true or false (got {value!r})")
        elif f.name == "retrieval" and value is not None and not isinstance(value, Mapping):
            problems.append(f"{name} must be a mapping {{k, index}} or null (got {type(value).__name__})")
    return problems


def _as_path(config: Any, name: str) -> None:
    """str -> Path ("" -> None), so that a YAML value and a caller's Path give equal configs.

    The dataclass is frozen: normalising in __post_init__ goes through object.__setattr__.
    """
    value = getattr(config, name)
    if isinstance(value, str):
        object.__setattr__(config, name, Path(value) if value else None)


def _keys(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def _unknown(cls: type, data: Mapping[str, Any], prefix: str) -> list[str]:
    return [f"{prefix}{k}" for k in data if k not in _keys(cls)]


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value

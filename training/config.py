"""The run configuration: one YAML file per run, validated before anything heavy is imported.

In the spirit of axolotl/torchtune: every knob of a run lives in one file, presets are just YAML
files in `training/presets/`, and a config is checked twice —
`validate` (structure and cross-field rules, no model or data needed, so presets for site paths
can be checked and dry-run anywhere) and `preflight` (model folder, snapshot, hardware) right
before the first step. Both report every problem at once, each with the fix in the message.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from radforge.errors import ConfigError
from radforge.yaml_files import read_mapping
from warehouse.tasks import DEFAULT_TASK, TASKS

PRESET_DIR = Path(__file__).resolve().parent / "presets"
PROMPT_FORMATS = ("instruction", "alpaca", "chat-template")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoraSection(_Strict):
    r: int = Field(8, ge=1)
    alpha: int = Field(16, ge=1)
    dropout: float = Field(0.05, ge=0.0, lt=1.0)
    target_modules: list[str] | Literal["all-linear"] = Field(default_factory=lambda: ["q_proj", "v_proj"])


class QuantSection(_Strict):
    """bitsandbytes 4-bit (QLoRA). `quant_storage` must equal `compute_dtype` for ZeRO-3 to shard the weights."""

    quant_type: Literal["nf4", "fp4"] = "nf4"
    double_quant: bool = True
    compute_dtype: Literal["bfloat16", "float16", "float32"] = "bfloat16"
    quant_storage: Literal["bfloat16", "float16", "float32", "uint8"] = "bfloat16"


class DeepSpeedSection(_Strict):
    stage: Literal[0, 1, 2, 3] = 0  # 0 = no DeepSpeed
    offload_optimizer: Literal["none", "cpu", "nvme"] = "none"
    offload_params: Literal["none", "cpu", "nvme"] = "none"
    nvme_path: str = "/local_nvme"
    overlap_comm: bool = True
    contiguous_gradients: bool = True


class DistributedSection(_Strict):
    nodes: int = Field(1, ge=1)
    gpus_per_node: int = Field(1, ge=1)  # processes per node (CPU: gloo processes)
    hostfile: str = "platform/hostfile"  # deepspeed launcher, multi-node
    master_addr: str = "127.0.0.1"
    master_port: int = Field(29500, ge=1024, le=65535)

    @property
    def world_size(self) -> int:
        return self.nodes * self.gpus_per_node


class SlurmSection(_Strict):
    partition: str = "gpu"
    account: str = ""
    time: str = "24:00:00"
    cpus_per_task: int = 16
    mem: str = "0"  # 0 = all memory of the node
    extra_directives: list[str] = Field(default_factory=list)
    template: str = "platform/slurm/train.sbatch.j2"


class RetrievalSection(_Strict):
    """Retrieval-augmented prompts: the k nearest TRAIN pairs, from the snapshot's stored index (warehouse.retrieval).

    The snapshot must have been built with the same index kind and at least this k
    (`radforge dataset snapshot --retrieval-k K --retrieval-index tfidf|bm25`).
    """

    k: int = Field(3, ge=1, le=16)
    index: Literal["tfidf", "bm25"] = "tfidf"


class DatasetSection(_Strict):
    snapshot: str | None = None  # name under $RADFORGE_HOME/snapshots (required to run)
    hash: str | None = None  # pin: the run refuses a snapshot whose manifest hash differs
    train_split: str = "train"
    eval_split: str | None = "validation"
    max_train_examples: int | None = Field(None, ge=1)
    max_eval_examples: int | None = Field(64, ge=1)
    path: str | None = None  # explicit snapshot folder (must lie inside the snapshots zone)


class RunConfig(_Strict):
    """One training run. Field names follow the issue's vocabulary; see presets for examples."""

    name: str = "run"
    preset: str | None = None  # which preset this file started from (informational)
    base_model: str = ""  # local HF folder; "" = the site's base LLM (radforge.models.base_llm_path)
    task: str = DEFAULT_TASK  # one of warehouse.tasks.TASKS
    method: Literal["full", "lora", "qlora"] = "lora"
    lora: LoraSection = Field(default_factory=LoraSection)
    quantization: QuantSection = Field(default_factory=QuantSection)
    prompt_format: Literal["instruction", "alpaca", "chat-template"] = "instruction"
    max_seq_len: int = Field(512, ge=16)
    packing: bool = True
    optimizer: str = "adamw_torch"
    lr: float = Field(3e-4, gt=0)
    lr_scheduler: str = "cosine"
    warmup_ratio: float = Field(0.03, ge=0.0, lt=1.0)
    weight_decay: float = Field(0.0, ge=0.0)
    max_grad_norm: float = 1.0
    epochs: float = Field(1.0, gt=0)
    max_steps: int = -1  # > 0 overrides epochs
    micro_batch_size: int = Field(4, ge=1)  # per device; with packing: packs of max_seq_len tokens
    gradient_accumulation: int = Field(1, ge=1)
    global_batch_size: int | None = None  # if set, must equal micro * accumulation * world size
    gradient_checkpointing: bool = False
    precision: Literal["fp32", "bf16", "fp16"] = "fp32"
    attn_implementation: Literal["sdpa", "eager", "flash_attention_2"] = "sdpa"
    deepspeed: DeepSpeedSection = Field(default_factory=DeepSpeedSection)
    distributed: DistributedSection = Field(default_factory=DistributedSection)
    slurm: SlurmSection = Field(default_factory=SlurmSection)
    seed: int = 42
    dataset: DatasetSection = Field(default_factory=DatasetSection)
    retrieval: RetrievalSection | None = None  # None = the bare source in every prompt
    checkpoint_every: int | None = Field(None, ge=1)  # None = settings.training.checkpoint_every
    save_total_limit: int | None = 3
    logging_steps: int = Field(5, ge=1)
    eval_every: int | None = Field(None, ge=1)  # None = evaluate once at the end

    # --- derived -----------------------------------------------------------------------
    @property
    def world_size(self) -> int:
        return self.distributed.world_size

    @property
    def effective_global_batch(self) -> int:
        return self.micro_batch_size * self.gradient_accumulation * self.world_size

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)

    def config_hash(self) -> str:
        """Hash of the resolved config (key order independent): the run registry's `config_hash`."""
        canon = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canon.encode()).hexdigest()


def validate(cfg: RunConfig) -> list[str]:
    """Cross-field rules that need neither model nor data. Returns every problem, each with its fix."""
    errs: list[str] = []
    if cfg.task not in TASKS:
        errs.append(f"unknown task {cfg.task!r}: set task to one of {', '.join(TASKS)}")
    if cfg.method == "qlora":
        q = cfg.quantization
        if cfg.deepspeed.stage == 3 and q.quant_storage != q.compute_dtype:
            errs.append(f"qlora with ZeRO-3 needs quantization.quant_storage == compute_dtype "
                        f"(got {q.quant_storage} vs {q.compute_dtype}): set quant_storage: {q.compute_dtype}")
        if cfg.deepspeed.offload_params != "none":
            errs.append("qlora cannot offload 4-bit parameters: set deepspeed.offload_params: none")
    if cfg.global_batch_size is not None and cfg.global_batch_size != cfg.effective_global_batch:
        errs.append(f"global_batch_size {cfg.global_batch_size} != micro_batch_size {cfg.micro_batch_size} x "
                    f"gradient_accumulation {cfg.gradient_accumulation} x world size {cfg.world_size} "
                    f"(= {cfg.effective_global_batch}): adjust gradient_accumulation")
    if cfg.deepspeed.stage in (1, 2) and cfg.deepspeed.offload_params != "none":
        errs.append("parameter offload needs ZeRO-3: set deepspeed.stage: 3 or offload_params: none")
    offloads = (cfg.deepspeed.offload_optimizer, cfg.deepspeed.offload_params)
    if cfg.deepspeed.stage == 0 and offloads != ("none", "none"):
        errs.append("offload needs DeepSpeed: set deepspeed.stage to 2 or 3")
    if cfg.precision == "fp16" and cfg.method == "qlora" and cfg.quantization.compute_dtype == "bfloat16":
        errs.append("precision fp16 with bfloat16 compute: set precision: bf16 or quantization.compute_dtype: float16")
    if cfg.max_steps == 0:
        errs.append("max_steps 0 trains nothing: set max_steps > 0 or -1 (use epochs)")
    if cfg.save_total_limit is not None and cfg.save_total_limit < 1:
        errs.append("save_total_limit must be >= 1 (resume needs a checkpoint) or null")
    return errs


def _format_pydantic(exc: ValidationError) -> list[str]:
    out = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e["loc"])
        out.append(f"{loc}: {e['msg']}")
    return out


def parse(data: dict[str, Any], source: str = "config") -> RunConfig:
    """Dict -> validated RunConfig, or one ConfigError listing every problem."""
    try:
        cfg = RunConfig.model_validate(data or {})
    except ValidationError as exc:
        problems = _format_pydantic(exc)
        raise ConfigError(f"{source}: {len(problems)} problem(s): " + "; ".join(problems)) from None
    problems = validate(cfg)
    if problems:
        raise ConfigError(f"{source}: {len(problems)} problem(s): " + "; ".join(problems))
    return cfg


def load_config(source: str | Path | dict | RunConfig) -> RunConfig:
    """A RunConfig from a YAML path, a dict, or a RunConfig (re-validated)."""
    if isinstance(source, RunConfig):
        return parse(source.model_dump(mode="json"), source.name)
    if isinstance(source, dict):
        return parse(source, "config")
    path = Path(source)
    return parse(read_mapping(path, ConfigError), str(path))


def list_presets() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def preset_path(name: str) -> Path:
    path = PRESET_DIR / f"{name}.yaml"
    if not path.exists():
        raise ConfigError(f"unknown preset {name!r}; presets: {', '.join(list_presets())}")
    return path


def load_preset(name: str, **overrides: Any) -> RunConfig:
    """A preset as a RunConfig; `snapshot=` and other top-level overrides are applied before validation."""
    data = yaml.safe_load(preset_path(name).read_text())
    data["preset"] = name
    snapshot = overrides.pop("snapshot", None)
    if snapshot is not None:
        data.setdefault("dataset", {})["snapshot"] = snapshot
    data.update(overrides)
    return parse(data, f"preset {name}")


def preset_description(name: str) -> str:
    """First comment line of the preset file (its one-line description)."""
    for line in preset_path(name).read_text().splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""

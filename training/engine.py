"""The training recipe: config in, one clearly configured transformers `Trainer` out.

Read top to bottom: tokenizer -> data (snapshot, tokenised, packed) -> TrainingArguments
(DeepSpeed JSON attached, which must happen before the model loads for ZeRO-3) -> model
(full / LoRA / QLoRA, each built explicitly) -> Trainer with checkpoints every N steps ->
final adapter or model -> metrics into the run registry. `execute` runs in every process of a
launch (rank 0 alone writes the registry); `resume=True` continues from the latest checkpoint,
and the Trainer's sampler state skips the batches already trained on.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from radforge.errors import ConfigError, ModelNotFound, RadforgeError
from radforge.faults import crash_point  # the named crash points bench/chaos.py kills at
from radforge.log import get_logger
from radforge.settings import Settings, get_settings
from training import registry
from training.config import RunConfig, load_config
from training.data import (
    PackedCollator,
    PaddedCollator,
    build_dataset,
    load_split,
    resolve_snapshot,
    tokenize_pairs,
)
from training.steplog import FILE as STEP_LOG
from training.steplog import read_step_log, steps_from_history, write_step_log

log = get_logger("training.engine")
FAULT_ENV = "RADFORGE_TRAIN_FAULT_AT_STEP"  # fault injection for the resume test: hard exit after that step
_DTYPES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}
H100_BF16_DENSE_FLOPS = 989e12


class TrainingFailed(RadforgeError):
    """The run stopped with an error (the run record has status failed)."""


def rank() -> int:
    return int(os.environ.get("RANK", "0"))


def _torch_dtype(name: str) -> Any:
    import torch

    return getattr(torch, name)


# --- parts, built explicitly from the config ----------------------------------------------------------
def build_tokenizer(model_path: Path) -> Any:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def training_arguments(cfg: RunConfig, folder: Path, settings: Settings, disable_tqdm: bool = False) -> Any:
    import torch
    from transformers import TrainingArguments

    ds_path = folder / "deepspeed.json"
    has_eval = bool(cfg.dataset.eval_split)
    return TrainingArguments(
        output_dir=str(folder / "checkpoints"),
        seed=cfg.seed,
        data_seed=cfg.seed,
        num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.micro_batch_size,
        per_device_eval_batch_size=cfg.micro_batch_size,
        gradient_accumulation_steps=cfg.gradient_accumulation,
        learning_rate=cfg.lr,
        lr_scheduler_type=cfg.lr_scheduler,
        warmup_steps=cfg.warmup_ratio,  # a float < 1 is a ratio of the total steps (transformers 5)
        weight_decay=cfg.weight_decay,
        max_grad_norm=cfg.max_grad_norm,
        optim=cfg.optimizer,
        bf16=cfg.precision == "bf16",
        fp16=cfg.precision == "fp16",
        activation_checkpointing=cfg.gradient_checkpointing,
        activation_checkpointing_kwargs={"use_reentrant": False} if cfg.gradient_checkpointing else None,
        deepspeed=str(ds_path) if cfg.deepspeed.stage > 0 else None,
        save_strategy="steps",
        save_steps=cfg.checkpoint_every or settings.training.checkpoint_every,
        save_total_limit=None,  # CheckpointedTrainer retires old checkpoints itself (see retire_checkpoints)
        logging_steps=cfg.logging_steps,
        eval_strategy="steps" if (has_eval and cfg.eval_every) else "no",
        eval_steps=cfg.eval_every,
        report_to="none",
        remove_unused_columns=False,  # the collators need `example` / `seq_lengths`
        dataloader_num_workers=0,
        use_cpu=not torch.cuda.is_available(),
        disable_tqdm=disable_tqdm,
        ddp_backend="gloo" if (not torch.cuda.is_available() and int(os.environ.get("WORLD_SIZE", "1")) > 1) else None,
    )


def build_model(cfg: RunConfig, model_path: Path) -> Any:
    """full / lora / qlora, each spelled out (a little duplication beats a class hierarchy)."""
    import torch
    from transformers import AutoModelForCausalLM

    dtype = _torch_dtype(_DTYPES[cfg.precision])
    common = {"attn_implementation": cfg.attn_implementation}
    if cfg.method == "full":
        # fp32 master weights under bf16 autocast; under DeepSpeed the engine keeps its own copies
        load_dtype = dtype if cfg.deepspeed.stage > 0 else torch.float32
        model = AutoModelForCausalLM.from_pretrained(model_path, dtype=load_dtype, **common)
    elif cfg.method == "lora":
        from peft import LoraConfig, get_peft_model

        model = AutoModelForCausalLM.from_pretrained(model_path, dtype=dtype, **common)
        if cfg.gradient_checkpointing:
            model.enable_input_require_grads()
        model = get_peft_model(model, _lora_config(cfg, LoraConfig))
    else:  # qlora
        from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
        from transformers import BitsAndBytesConfig

        from training.deepspeed_config import quantization_config

        q = quantization_config(cfg) or {}
        bnb = BitsAndBytesConfig(**{k: (_torch_dtype(v) if k in ("bnb_4bit_compute_dtype", "bnb_4bit_quant_storage")
                                        else v) for k, v in q.items()})
        extra: dict[str, Any] = {}
        if cfg.deepspeed.stage != 3:  # ZeRO-3 places (and shards) parameters itself
            extra["device_map"] = {"": int(os.environ.get("LOCAL_RANK", "0")) if torch.cuda.is_available() else "cpu"}
        model = AutoModelForCausalLM.from_pretrained(model_path, quantization_config=bnb,
                                                     dtype=_torch_dtype(cfg.quantization.quant_storage),
                                                     **common, **extra)
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=cfg.gradient_checkpointing)
        model = get_peft_model(model, _lora_config(cfg, LoraConfig))
    # Training never reads a KV cache, and with one the mask builder skips packed-sequence detection:
    # flattened examples would then attend to each other (see data.py and test_packing.py).
    model.config.use_cache = False
    return model


def _lora_config(cfg: RunConfig, lora_cls: Any) -> Any:
    return lora_cls(r=cfg.lora.r, lora_alpha=cfg.lora.alpha, lora_dropout=cfg.lora.dropout,
                    target_modules=cfg.lora.target_modules, task_type="CAUSAL_LM", bias="none")


# --- callbacks ------------------------------------------------------------------------------------------
def _callbacks(folder: Path, record: list[list[int]], steps: list[dict[str, Any]], write: bool) -> list[Any]:
    from transformers import TrainerCallback

    class DataLedger(TrainerCallback):
        """Which snapshot rows (by index) every optimiser step trained on: proves resume repeats no data.

        `steps` is the step record of the weights being trained (steps 1..N, see training/steplog.py);
        `data_order.jsonl` the append-only history of every session, redone steps included.
        """

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            # A step trains on the last `accumulation` micro-batches collated; on resume the loader
            # also collates the batches it skips to reach the checkpoint, which were not trained on.
            batches = record[-args.gradient_accumulation_steps:]
            record.clear()
            line = {"step": state.global_step, "examples": [i for b in batches for i in b]}
            steps.append(line)  # appended, never fixed up: a repeated or extra step shows in the record
            if write:
                with open(folder / "data_order.jsonl", "a") as fh:
                    fh.write(json.dumps(line) + "\n")
            fault = os.environ.get(FAULT_ENV)
            if fault and state.global_step == int(fault):
                log.warning("fault injection: hard exit after step %d", state.global_step)
                os._exit(137)
            crash_point("train:step_end")

        def on_save(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            crash_point("train:after_checkpoint")
            if state.max_steps > 0 and state.global_step >= state.max_steps:
                # every step trained and saved, the run not yet marked completed: a resume starts here
                crash_point("train:after_final_checkpoint")

    return [DataLedger()]


def _trainer_class(trainer_cls: Any, save_step_log: Any, keep: int | None = None) -> Any:
    """The Trainer with the run's step record in every checkpoint, named crash points, and a resume that
    never trains past the end.

    `Trainer.train` resumed from a checkpoint at the final step (a run killed after its last save but
    before it was marked completed) fast-forwards the loader to that step and enters the step loop,
    which looks at `max_steps` only after a step: the run trained one step past its end, on a batch
    an uninterrupted run never sees (`make chaos`, seed 13, issue #20). `_run_epoch` is the one place
    every epoch's steps start, so the guard sits there.
    Old checkpoints beyond `keep` are retired by `retire_checkpoints`, not by the Trainer's own rotation.
    """
    for name in ("_run_epoch", "_save_optimizer_and_scheduler", "_save_checkpoint"):
        if not hasattr(trainer_cls, name):  # a transformers upgrade moved the loop: the guard would be lost
            raise RadforgeError(f"transformers Trainer has no {name}: training/engine.py needs updating")

    class CheckpointedTrainer(trainer_cls):
        def _save_optimizer_and_scheduler(self, output_dir: str) -> None:
            crash_point("train:mid_checkpoint")  # model weights written, optimizer and trainer state not yet
            super()._save_optimizer_and_scheduler(output_dir)
            # before trainer_state.json, the file whose presence makes the checkpoint count as complete
            save_step_log(Path(output_dir), self.state)
            crash_point("train:before_trainer_state")

        def _save_checkpoint(self, model: Any, trial: Any) -> None:
            super()._save_checkpoint(model, trial)
            if self.args.should_save:
                retire_checkpoints(Path(self.args.output_dir), keep)

        def _run_epoch(self, *args: Any, **kwargs: Any) -> None:
            if self.state.max_steps > 0 and self.state.global_step >= self.state.max_steps:
                log.info("resumed at step %d of %d: nothing left to train", self.state.global_step,
                         self.state.max_steps)
                self.control.should_training_stop = True
                return
            super()._run_epoch(*args, **kwargs)

    return CheckpointedTrainer


RETIRED_PREFIX = ".retired-"


def retire_checkpoints(folder: Path, keep: int | None) -> None:
    """Delete all but the `keep` newest checkpoints, each renamed away before it is deleted.

    Why not the Trainer's `save_total_limit`: it deletes a checkpoint in place, file by file, so a kill
    during the deletion leaves an old `checkpoint-N` with its trainer state but without its weights or
    step record, which still counts as complete (`make chaos`, seed 13: "checkpoint-2: its step record is
    not the run's up to step 2"). A rename is atomic; what a kill leaves under the retired name is
    removed at the next resume (`last_complete_checkpoint`).
    """
    if not keep or keep < 1:
        return
    found = sorted((int(m.group(1)), p) for p in folder.glob("checkpoint-*")
                   if (m := re.fullmatch(r"checkpoint-(\d+)", p.name)) and p.is_dir())
    for _, path in found[:-keep]:
        retired = path.with_name(RETIRED_PREFIX + path.name)
        os.replace(path, retired)
        crash_point("train:retiring_checkpoint")
        shutil.rmtree(retired, ignore_errors=True)


def last_complete_checkpoint(folder: Path, remove_incomplete: bool = True) -> str | None:
    """The newest checkpoint the Trainer finished writing, or None.

    The Trainer writes a checkpoint in place (weights, optimizer, RNG, then `trainer_state.json`
    last), so a kill during a save leaves a newest `checkpoint-N` without a whole trainer state;
    resuming from it loads half a state or restarts the step count. A checkpoint counts only when
    its trainer state parses and names its own step; incomplete ones are removed (rank 0).
    """
    found = []
    if remove_incomplete and folder.exists():
        for path in folder.glob(RETIRED_PREFIX + "*"):  # a kill came between a retirement's rename and delete
            shutil.rmtree(path, ignore_errors=True)
    for path in folder.glob("checkpoint-*") if folder.exists() else []:
        m = re.fullmatch(r"checkpoint-(\d+)", path.name)
        if m and path.is_dir():
            found.append((int(m.group(1)), path))
    best = None
    for step, path in sorted(found, reverse=True):
        try:
            state = json.loads((path / "trainer_state.json").read_text())
            complete = int(state.get("global_step", -1)) == step
        except (OSError, ValueError, TypeError):
            complete = False
        if complete:
            best = best or str(path)
        elif remove_incomplete:
            log.warning("removing incomplete checkpoint %s (the run was killed while saving it)", path.name)
            shutil.rmtree(path, ignore_errors=True)
    return best


# --- the run --------------------------------------------------------------------------------------------
def execute(run_id: str, settings: Settings | None = None, resume: bool = False,
            disable_tqdm: bool = False) -> dict[str, Any]:
    """Train run `run_id` (its folder already holds config.yaml and run.json). Returns the metrics."""
    settings = settings or get_settings()
    folder = registry.run_dir(run_id, settings)
    is_main = rank() == 0
    try:
        metrics = _execute(run_id, folder, settings, resume, disable_tqdm, is_main)
    except BaseException as exc:
        if is_main:
            detail = str(exc) if isinstance(exc, RadforgeError) else ""
            registry.update_run(run_id, settings, status="failed",
                                error=f"{type(exc).__name__}: {detail}"[:300],
                                timings={**registry.get_run(run_id, settings).get("timings", {}),
                                         "finished_at": registry.now_iso()})
        raise
    return metrics


@dataclass
class TrainingData:
    """The train (and eval) split tokenised and packed, with what tokenising and packing kept."""

    train_ds: Any
    eval_ds: Any | None
    examples: int  # training examples kept: the step record counts positions against it
    tstats: Any
    pstats: Any


def _execute(run_id: str, folder: Path, settings: Settings, resume: bool, disable_tqdm: bool,
             is_main: bool) -> dict[str, Any]:
    """The recipe: config in, one configured Trainer trained, the adapter (or model) and its metrics out."""
    from transformers import set_seed

    cfg = load_config(folder / "config.yaml")
    model_path = _check_base_model(cfg)
    t0 = time.monotonic()
    if is_main:
        _mark_running(run_id, settings)
    tokenizer = build_tokenizer(model_path)
    data = _prepare_data(cfg, settings, tokenizer)
    checkpoint, start_step, steps = _resume_point(run_id, folder, resume, is_main)
    save_step_log = _step_log_writer(steps, data.examples, is_main)
    record: list[list[int]] = []
    collator = _collator(cfg, tokenizer, record)
    args = training_arguments(cfg, folder, settings, disable_tqdm)  # before the model: ZeRO-3 init
    set_seed(cfg.seed)  # LoRA's A matrices are drawn at build time: seed them, or runs are not reproducible
    model = build_model(cfg, model_path)
    trainer = _build_trainer(cfg, folder, model, args, data, collator, tokenizer, record, steps, save_step_log,
                             is_main)
    result, train_s = _train(trainer, checkpoint)
    _check_not_past_the_end(run_id, trainer.state)
    save_step_log(folder, trainer.state)  # the final record, beside the adapter
    tokens_trained = collator.tokens  # non-pad tokens of this session (eval batches come later)
    out_name = "model" if cfg.method == "full" else "adapter"
    trainer.save_model(str(folder / out_name))
    eval_metrics = {"eval_loss": eval_loss(trainer.model, data.eval_ds, collator, cfg.micro_batch_size)} \
        if data.eval_ds else {}
    metrics = _metrics(cfg, trainer, result, eval_metrics, data.tstats, data.pstats, train_s, tokens_trained,
                       model, start_step)
    if is_main:
        _finish_run(run_id, settings, folder, out_name, tokenizer, metrics, checkpoint, train_s, t0)
    _barrier()
    return metrics


# --- the recipe's steps, in the order it takes them -----------------------------------------------------
def _check_base_model(cfg: RunConfig) -> Path:
    """The base model's folder, checked before anything is marked: radforge never downloads a model."""
    model_path = Path(cfg.base_model)
    if not (model_path / "config.json").exists():
        raise ModelNotFound(f"base model folder {model_path} has no config.json; copy the model there "
                            "(radforge never downloads) or set base_model")
    return model_path


def _mark_running(run_id: str, settings: Settings) -> None:
    """Mark the run running (rank 0), so a kill from here on leaves it visibly unfinished."""
    rec = registry.get_run(run_id, settings)
    registry.update_run(run_id, settings, status="running", error=None,
                        timings={**rec.get("timings", {}), "started_at": registry.now_iso()})


def _prepare_data(cfg: RunConfig, settings: Settings, tokenizer: Any) -> TrainingData:
    """Tokenise and pack the snapshot's splits, refusing a run that no example fits."""
    snapshot = resolve_snapshot(cfg, settings)
    k = cfg.retrieval.k if cfg.retrieval else 0
    train_rows = load_split(snapshot, cfg.dataset.train_split, cfg.dataset.max_train_examples, k, cfg.task)
    examples, tstats = tokenize_pairs(train_rows, tokenizer, cfg)
    if not examples:
        raise ConfigError(f"no training examples left ({tstats.examples_in} pairs, {tstats.overlength_dropped} "
                          f"longer than max_seq_len {cfg.max_seq_len}): raise max_seq_len")
    if tstats.overlength_dropped:
        log.warning("%d of %d examples exceed max_seq_len %d and were dropped (not truncated)",
                    tstats.overlength_dropped, tstats.examples_in, cfg.max_seq_len)
    train_ds, pstats = build_dataset(examples, cfg)
    eval_ds = None
    if cfg.dataset.eval_split and (snapshot.path / f"{cfg.dataset.eval_split}.parquet").exists():
        eval_rows = load_split(snapshot, cfg.dataset.eval_split, cfg.dataset.max_eval_examples, k, cfg.task)
        eval_examples, _ = tokenize_pairs(eval_rows, tokenizer, cfg)
        eval_ds = build_dataset(eval_examples, cfg)[0] if eval_examples else None
    log.info("data: %d examples kept of %d (%d over-length dropped), %d packs, non-pad fraction %.3f",
             tstats.examples_kept, tstats.examples_in, tstats.overlength_dropped, pstats.packs,
             pstats.nonpad_fraction)
    return TrainingData(train_ds, eval_ds, len(examples), tstats, pstats)


def _resume_point(run_id: str, folder: Path, resume: bool,
                  is_main: bool) -> tuple[str | None, int, list[dict[str, Any]]]:
    """Where training restarts: the last complete checkpoint, its step, and the step record of its weights."""
    checkpoint = last_complete_checkpoint(folder / "checkpoints", remove_incomplete=is_main) if resume else None
    if resume and checkpoint is None:
        log.warning("run %s has no checkpoint yet: starting from step 0", run_id)
    start_step = int(Path(checkpoint).name.rsplit("-", 1)[1]) if checkpoint else 0
    # the step record of the checkpoint's weights (rebuilt from the history for checkpoints older than it)
    steps = (read_step_log(Path(checkpoint) / STEP_LOG) or steps_from_history(folder / "data_order.jsonl", start_step)
             if checkpoint else [])
    return checkpoint, start_step, steps


def _step_log_writer(steps: list[dict[str, Any]], examples: int, is_main: bool) -> Any:
    """The writer of the run's step record (rank 0), shared by every checkpoint and the final save."""
    def save_step_log(where: Path, state: Any) -> None:
        if is_main:
            write_step_log(where / STEP_LOG, list(steps), state.max_steps, examples)  # as it is, never trimmed

    return save_step_log


def _collator(cfg: RunConfig, tokenizer: Any, record: list[list[int]]) -> Any:
    """Packed or padded batches, each recording the example positions it holds for the step record."""
    if cfg.packing:
        return PackedCollator(record, per_row=cfg.attn_implementation != "flash_attention_2",
                              pad_token_id=tokenizer.pad_token_id)
    return PaddedCollator(tokenizer.pad_token_id, pad_to=None, record=record)


def _build_trainer(cfg: RunConfig, folder: Path, model: Any, args: Any, data: TrainingData, collator: Any,
                   tokenizer: Any, record: list[list[int]], steps: list[dict[str, Any]], save_step_log: Any,
                   is_main: bool) -> Any:
    """The Trainer with named crash points, the step record in every checkpoint and atomic retirement."""
    from transformers import Trainer

    return _trainer_class(Trainer, save_step_log, cfg.save_total_limit)(
        model=model, args=args, train_dataset=data.train_ds, eval_dataset=data.eval_ds, data_collator=collator,
        processing_class=tokenizer, callbacks=_callbacks(folder, record, steps, is_main))


def _train(trainer: Any, checkpoint: str | None) -> tuple[Any, float]:
    """Train (from the checkpoint, if any), timing this session alone and measuring its peak memory."""
    import torch

    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    t_train = time.monotonic()
    result = trainer.train(resume_from_checkpoint=checkpoint)
    return result, time.monotonic() - t_train


def _check_not_past_the_end(run_id: str, state: Any) -> None:
    """Fail a run that trained past its planned steps rather than record it as completed (issue #20)."""
    if state.max_steps > 0 and state.global_step > state.max_steps:
        raise TrainingFailed(f"run {run_id} reached step {state.global_step} of {state.max_steps}")


def _finish_run(run_id: str, settings: Settings, folder: Path, out_name: str, tokenizer: Any,
                metrics: dict[str, Any], checkpoint: str | None, train_s: float, t0: float) -> None:
    """Save the tokenizer beside the weights, then mark the run completed with its metrics (rank 0)."""
    tokenizer.save_pretrained(folder / out_name)
    rec = registry.get_run(run_id, settings)
    registry.update_run(
        run_id, settings, status="completed", metrics=metrics,
        adapter_path=str(folder / "adapter") if out_name == "adapter" else None,
        model_path=str(folder / "model") if out_name == "model" else rec.get("model_path"),
        resumed_from=os.path.basename(checkpoint) if checkpoint else rec.get("resumed_from"),
        timings={**rec.get("timings", {}), "finished_at": registry.now_iso(), "train_s": round(train_s, 2),
                 "total_s": round(time.monotonic() - t0, 2)})


def _barrier() -> None:
    """Wait for every process of a distributed launch, so none exits while another still saves."""
    import torch

    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()


def eval_loss(model: Any, dataset: Any, collator: Any, batch_size: int) -> float:
    """Mean next-token loss per impression token over the eval split, in every rank (ZeRO-3 gathers in step).

    Computed here rather than by `Trainer.evaluate`, whose per-batch averaging weights a short
    batch like a long one and, with gloo on CPU across processes, reported wrong values.
    """
    import torch

    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(dataset), batch_size):
            batch = collator([dataset[i] for i in range(start, min(start + batch_size, len(dataset)))])
            batch = {k: v.to(model.device) for k, v in batch.items()}
            n = int((batch["labels"][:, 1:] != -100).sum())
            total += float(model(**batch).loss) * n
            count += n
    model.train(was_training)
    return round(total / max(count, 1), 6)


def _metrics(cfg: RunConfig, trainer: Any, result: Any, eval_metrics: dict, tstats: Any, pstats: Any,
             train_s: float, tokens_trained: int, model: Any, start_step: int = 0) -> dict[str, Any]:
    import torch

    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    # the Trainer's train_loss averages this session's steps; a resume at the final checkpoint trains none
    train_loss = result.training_loss if trainer.state.global_step > start_step else \
        (sum(losses) / len(losses) if losses else float("nan"))
    tok_s = tokens_trained * cfg.world_size / max(train_s, 1e-9)
    n_params = sum(p.numel() for p in model.parameters())
    n_trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    if torch.cuda.is_available():
        peak_mb = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    metrics: dict[str, Any] = {
        "global_step": trainer.state.global_step,
        "train_loss": round(float(train_loss), 6),
        "first_loss": losses[0] if losses else None,
        "final_loss": losses[-1] if losses else None,
        "loss_history": [{"step": h["step"], "loss": h["loss"]} for h in trainer.state.log_history if "loss" in h],
        "eval_loss": eval_metrics.get("eval_loss"),
        "examples": tstats.as_dict(),
        "packing": pstats.as_dict() | {"enabled": cfg.packing},
        "tokens_per_s": round(tok_s, 1),
        "peak_memory_mb": round(peak_mb, 1),
        "params": n_params,
        "trainable_params": n_trainable,
        "device": "cuda" if torch.cuda.is_available() else "cpu",
        "world_size": cfg.world_size,
    }
    if torch.cuda.is_available():
        metrics["mfu"] = round(6 * n_params * tok_s / (H100_BF16_DENSE_FLOPS * cfg.world_size), 4)
    return metrics


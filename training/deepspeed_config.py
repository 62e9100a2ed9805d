"""DeepSpeed and bitsandbytes settings generated from the run config, written into the run folder.

The JSON is explicit (batch sizes, clipping, precision filled in from the run config) so that an
operator reading `runs/<id>/deepspeed.json` sees exactly what ran; only the bucket sizes that
depend on the model's hidden size stay "auto" for the HF integration to fill in.
QLoRA + ZeRO-3: the 4-bit weights are stored in `bnb_4bit_quant_storage` (= the compute dtype),
which lets ZeRO-3 shard them like any bf16 parameter; `quantization.json` records it.
"""

from __future__ import annotations

from typing import Any

from training.config import RunConfig


def deepspeed_config(cfg: RunConfig) -> dict[str, Any] | None:
    """The DeepSpeed JSON for this run, or None when DeepSpeed is off (stage 0)."""
    ds = cfg.deepspeed
    if ds.stage == 0:
        return None
    zero: dict[str, Any] = {
        "stage": ds.stage,
        "overlap_comm": ds.overlap_comm,
        "contiguous_gradients": ds.contiguous_gradients,
        "reduce_bucket_size": "auto",
    }
    if ds.stage in (1, 2):
        zero["allgather_partitions"] = True
        zero["reduce_scatter"] = True
    if ds.stage == 3:
        zero.update({
            "stage3_prefetch_bucket_size": "auto",
            "stage3_param_persistence_threshold": "auto",
            "stage3_max_live_parameters": 1e9,
            "stage3_max_reuse_distance": 1e9,
            # one consolidated 16-bit state dict on save, so adapters/models load without DeepSpeed
            "stage3_gather_16bit_weights_on_model_save": True,
        })
    for key, device in (("offload_optimizer", ds.offload_optimizer), ("offload_param", ds.offload_params)):
        if device != "none":
            zero[key] = {"device": device, "pin_memory": True}
            if device == "nvme":
                zero[key]["nvme_path"] = ds.nvme_path
    return {
        "train_micro_batch_size_per_gpu": cfg.micro_batch_size,
        "gradient_accumulation_steps": cfg.gradient_accumulation,
        "train_batch_size": cfg.effective_global_batch,
        "gradient_clipping": cfg.max_grad_norm,
        "bf16": {"enabled": cfg.precision == "bf16"},
        "fp16": {"enabled": cfg.precision == "fp16"},
        "zero_optimization": zero,
        "steps_per_print": max(cfg.logging_steps, 1),
        "wall_clock_breakdown": False,
    }


def quantization_config(cfg: RunConfig) -> dict[str, Any] | None:
    """The bitsandbytes 4-bit settings (QLoRA), as the kwargs of `BitsAndBytesConfig`; None otherwise."""
    if cfg.method != "qlora":
        return None
    q = cfg.quantization
    return {
        "load_in_4bit": True,
        "bnb_4bit_quant_type": q.quant_type,
        "bnb_4bit_use_double_quant": q.double_quant,
        "bnb_4bit_compute_dtype": q.compute_dtype,
        "bnb_4bit_quant_storage": q.quant_storage,
    }

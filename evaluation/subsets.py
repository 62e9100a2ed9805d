"""Metrics broken down by subset: templated normals vs abnormal reports, leaked vs clean, modality, body part.

An overall ROUGE hides where a model is good. On chest X-ray corpora a third or more of the
reports are templated normals ("No acute cardiopulmonary abnormality."), which a constant baseline
already gets right; the abnormal reports are where summarisation matters. Test examples whose
findings also occur in train (warehouse.leakage) reward memorisation. So every system is scored,
with the same bootstrap intervals, on each subset:

- `all`; `not_leaked` (when a leakage mask is given);
- `templated_normal` / `abnormal`: by the warehouse's normal-template detector applied to the
  reference impression (`warehouse.filters.TEMPLATED_NORMAL` on the normalised impression);
- `modality=<M>`, `body_part=<B>` for every value present (a single value still gets its row, so
  the report says what the corpus covers).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import fields

import numpy as np

from evaluation.bootstrap import bootstrap_ci, paired_bootstrap
from evaluation.metrics import METRICS, PRIMARY_METRIC, SampleScores
from warehouse.filters import TEMPLATED_NORMAL

# The warehouse's own detector: the subset means what the pairs filter means by a templated normal.
_TEMPLATED_NORMAL = re.compile(TEMPLATED_NORMAL)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def templated_normal_flags(impressions: Sequence[str | None]) -> np.ndarray:
    """True where the (reference) impression is a templated normal."""
    normalised = (_NON_ALNUM.sub(" ", (t or "").lower()).strip() for t in impressions)
    return np.array([bool(_TEMPLATED_NORMAL.search(t)) for t in normalised], dtype=bool)


def subset_masks(impressions: Sequence[str | None], modalities: Sequence[str | None] | None = None,
                 body_parts: Sequence[str | None] | None = None,
                 leaked: Sequence[bool] | None = None) -> dict[str, np.ndarray]:
    """Boolean masks over the test examples, in a stable order (all, not_leaked, normal/abnormal, ...)."""
    n = len(impressions)
    masks: dict[str, np.ndarray] = {"all": np.ones(n, dtype=bool)}
    if leaked is not None:
        if len(leaked) != n:
            raise ValueError(f"leaked mask has {len(leaked)} entries for {n} examples")
        masks["not_leaked"] = ~np.asarray(leaked, dtype=bool)
    normal = templated_normal_flags(impressions)
    masks["templated_normal"] = normal
    masks["abnormal"] = ~normal
    for label, values in (("modality", modalities), ("body_part", body_parts)):
        if values is None:
            continue
        arr = np.array([v or "UNKNOWN" for v in values], dtype=object)
        for value in sorted(set(arr.tolist())):
            masks[f"{label}={value}"] = arr == value
    return masks


def take(scores: SampleScores, mask: np.ndarray) -> SampleScores:
    """The per-sample scores of the examples in `mask` (same order)."""
    return SampleScores(**{f.name: getattr(scores, f.name)[mask] for f in fields(SampleScores)})


def subset_metrics(systems: Mapping[str, SampleScores], masks: Mapping[str, np.ndarray], samples: int = 1000,
                   seed: int = 0, metrics: Sequence[str] = METRICS, model: str | None = None,
                   baselines: Sequence[str] = ()) -> dict[str, dict[str, object]]:
    """Per subset: `n`, each system's metric intervals, and (given `model` and `baselines`) the model's
    margin over the best baseline on the primary metric with its paired-bootstrap significance.
    """
    out: dict[str, dict[str, object]] = {}
    for name, mask in masks.items():
        n = int(mask.sum())
        entry: dict[str, object] = {"n": n, "systems": {}}
        if n:
            sub = {s: take(sc, mask) for s, sc in systems.items()}
            entry["systems"] = {s: {m: bootstrap_ci(m, sc.samples(m), samples, seed).as_dict() for m in metrics}
                                for s, sc in sub.items()}
            present = [b for b in baselines if b in sub]
            if model in sub and present:
                values = {b: float(sub[b].samples(PRIMARY_METRIC).mean()) for b in present}
                best = max(present, key=lambda b: (values[b], -present.index(b)))
                result = paired_bootstrap(PRIMARY_METRIC, sub[model].samples(PRIMARY_METRIC),
                                          sub[best].samples(PRIMARY_METRIC), samples, seed)
                entry["vs_best_baseline"] = {"metric": PRIMARY_METRIC, "baseline": best, "delta": result.delta,
                                             "delta_low": result.delta_low, "delta_high": result.delta_high,
                                             "p_value": result.p_value, "significant": result.significant}
        out[name] = entry
    return out

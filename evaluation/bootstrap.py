"""Paired bootstrap: confidence intervals for one system and significance between two.

Both systems are scored on the *same* resampled examples (Koehn 2004), so the interval of the
difference reflects how much the comparison depends on which reports happened to be in the test
split — which is what a claim like "+100% ROUGE-L over the base model" needs next to it.
Percentile intervals; the two-sided p-value is twice the smaller tail of the resampled differences
around zero. Seeded, so a report is reproducible.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from evaluation.metrics import METRICS, SampleScores, aggregate, aggregate_many

_CHUNK = 200  # replicates per vectorised block (bounds memory on large test splits)


@dataclass
class Interval:
    value: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass
class PairedResult:
    metric: str
    a: float
    b: float
    delta: float  # a - b
    delta_low: float
    delta_high: float
    relative: float | None  # (a - b) / b, None when b == 0
    relative_low: float | None
    relative_high: float | None
    p_value: float
    significant: bool
    n: int
    samples: int

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _indices(n: int, samples: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(samples, n))


def _replicates(metric: str, values: np.ndarray, idx: np.ndarray) -> np.ndarray:
    return np.concatenate([aggregate_many(metric, values[idx[i:i + _CHUNK]]) for i in range(0, len(idx), _CHUNK)])


def bootstrap_ci(metric: str, values: np.ndarray, samples: int = 1000, seed: int = 0,
                 confidence: float = 0.95) -> Interval:
    """Point estimate on all examples and the percentile bootstrap interval around it."""
    values = np.asarray(values)
    point = aggregate(metric, values)
    if len(values) < 2:
        return Interval(point, point, point)
    reps = _replicates(metric, values, _indices(len(values), samples, seed))
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(reps, [tail, 100 - tail])
    return Interval(point, float(min(low, point)), float(max(high, point)))


def paired_bootstrap(metric: str, a: np.ndarray, b: np.ndarray, samples: int = 1000, seed: int = 0,
                     confidence: float = 0.95, alpha: float = 0.05) -> PairedResult:
    """Is system A better than system B on `metric`? Same resampled examples for both."""
    a, b = np.asarray(a), np.asarray(b)
    if len(a) != len(b):
        raise ValueError("paired bootstrap needs the same examples for both systems")
    n = len(a)
    pa, pb = aggregate(metric, a), aggregate(metric, b)
    delta = pa - pb
    rel = delta / pb if pb else None
    if n < 2:
        return PairedResult(metric, pa, pb, delta, delta, delta, rel, rel, rel, 1.0, False, n, 0)
    idx = _indices(n, samples, seed)
    ra, rb = _replicates(metric, a, idx), _replicates(metric, b, idx)
    d = ra - rb
    tail = (1 - confidence) / 2 * 100
    lo, hi = np.percentile(d, [tail, 100 - tail])
    p = min(1.0, 2 * min(float(np.mean(d <= 0)), float(np.mean(d >= 0))))
    if np.all(d == 0):
        p = 1.0
    rel_lo = rel_hi = None
    if rel is not None and np.all(rb > 0):
        rlo, rhi = np.percentile(d / rb, [tail, 100 - tail])
        rel_lo, rel_hi = float(rlo), float(rhi)
    return PairedResult(metric, pa, pb, delta, float(lo), float(hi), rel, rel_lo, rel_hi, p,
                        bool(p < alpha and (lo > 0 or hi < 0)), n, samples)


def system_intervals(scores: SampleScores, samples: int = 1000, seed: int = 0) -> dict[str, dict[str, float]]:
    return {m: bootstrap_ci(m, scores.samples(m), samples, seed).as_dict() for m in METRICS}


def compare_systems(a: SampleScores, b: SampleScores, samples: int = 1000, seed: int = 0) -> dict[str, dict]:
    return {m: paired_bootstrap(m, a.samples(m), b.samples(m), samples, seed).as_dict() for m in METRICS}

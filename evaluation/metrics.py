"""Summarisation metrics: per sample AND corpus level, from the reference packages themselves.

ROUGE comes from `rouge-score` (Porter stemming, F-measure), BERTScore from `bert-score` with a
local model folder (never a hub name), BLEU from sacrebleu. Everything is kept per sample so the
bootstrap (bootstrap.py) can resample the *same* examples for every system: ROUGE and BERTScore
corpus scores are means of the per-sample values, BLEU's corpus score is recomputed from summed
per-sentence n-gram statistics (which is how sacrebleu itself defines corpus BLEU).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

METRICS: tuple[str, ...] = ("rouge1", "rouge2", "rougeL", "bertscore", "bleu")
PRIMARY_METRIC = "rougeL"
BLEU_STATS = 10  # sys_len, ref_len, 4 x correct, 4 x total — sacrebleu's per-segment statistics


@dataclass
class SampleScores:
    """Per-sample metric values of one system on n examples (same order as the inputs)."""

    rouge1: np.ndarray
    rouge2: np.ndarray
    rougeL: np.ndarray  # noqa: N815 — the metric's own name
    bertscore: np.ndarray
    bleu: np.ndarray  # sentence BLEU (0-100), for display and per-example sorting
    bleu_stats: np.ndarray  # (n, 10) sacrebleu statistics, summed for corpus BLEU

    def columns(self) -> dict[str, np.ndarray]:
        """Flat columns for a Parquet file (BLEU statistics as bleu_s0..bleu_s9)."""
        cols = {m: getattr(self, m) for m in METRICS}
        for j in range(BLEU_STATS):
            cols[f"bleu_s{j}"] = self.bleu_stats[:, j]
        return cols

    @classmethod
    def from_columns(cls, cols: dict[str, Sequence[float]]) -> SampleScores:
        stats = np.stack([np.asarray(cols[f"bleu_s{j}"], dtype=np.int64) for j in range(BLEU_STATS)], axis=1)
        return cls(**{m: np.asarray(cols[m], dtype=float) for m in METRICS}, bleu_stats=stats)

    def samples(self, metric: str) -> np.ndarray:
        """What the bootstrap resamples for `metric`: a vector, or BLEU's statistics matrix."""
        return self.bleu_stats if metric == "bleu" else getattr(self, metric)

    def __len__(self) -> int:
        return len(self.rouge1)


def aggregate(metric: str, rows: np.ndarray) -> float:
    """Corpus score from (possibly resampled) per-sample rows: mean, or BLEU from summed statistics."""
    if metric == "bleu":
        return corpus_bleu_from_stats(rows.sum(axis=0))
    return float(rows.mean()) if len(rows) else 0.0


def aggregate_many(metric: str, rows: np.ndarray) -> np.ndarray:
    """Vectorised `aggregate` over bootstrap replicates: rows has shape (B, n) or (B, n, 10)."""
    if metric == "bleu":
        sums = rows.sum(axis=1)
        return np.array([corpus_bleu_from_stats(s) for s in sums])
    return rows.mean(axis=1)


def corpus_scores(scores: SampleScores) -> dict[str, float]:
    return {m: aggregate(m, scores.samples(m)) for m in METRICS}


# --- the reference packages -------------------------------------------------------------------

@lru_cache(maxsize=1)
def _rouge():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)


@lru_cache(maxsize=1)
def _bleu():
    from sacrebleu.metrics import BLEU

    return BLEU()


@lru_cache(maxsize=2)
def _bertscorer(model_dir: str):
    from bert_score import BERTScorer

    return BERTScorer(model_type=model_dir, num_layers=6, batch_size=32, device="cpu")


def rouge_scores(predictions: Sequence[str], references: Sequence[str]) -> dict[str, np.ndarray]:
    scorer = _rouge()
    out = {k: np.zeros(len(predictions)) for k in ("rouge1", "rouge2", "rougeL")}
    for i, (pred, ref) in enumerate(zip(predictions, references, strict=True)):
        s = scorer.score(ref, pred)  # rouge-score's argument order: (target, prediction)
        for k in out:
            out[k][i] = s[k].fmeasure
    return out


def bleu_statistics(predictions: Sequence[str], references: Sequence[str]) -> np.ndarray:
    bleu = _bleu()
    stats = bleu._extract_corpus_statistics(list(predictions), [list(references)])
    return np.asarray(stats, dtype=np.int64).reshape(len(predictions), BLEU_STATS)


def corpus_bleu_from_stats(summed: np.ndarray) -> float:
    return float(_bleu()._compute_score_from_stats([int(x) for x in summed]).score)


@lru_cache(maxsize=1)
def _sentence_bleu():
    from sacrebleu.metrics import BLEU

    return BLEU(effective_order=True)  # as sacrebleu.sentence_bleu does


def sentence_bleu(predictions: Sequence[str], references: Sequence[str]) -> np.ndarray:
    bleu = _sentence_bleu()
    return np.array([bleu.sentence_score(p, [r]).score for p, r in zip(predictions, references, strict=True)])


def bertscore_f1(predictions: Sequence[str], references: Sequence[str], model_dir: Path) -> np.ndarray:
    """BERTScore F1 per sample with the local model; an empty prediction scores 0 (not NaN)."""
    f1 = np.zeros(len(predictions))
    keep = [i for i, p in enumerate(predictions) if p.strip() and references[i].strip()]
    if keep:
        scorer = _bertscorer(str(model_dir))
        _, _, f = scorer.score([predictions[i] for i in keep], [references[i] for i in keep], verbose=False)
        f1[keep] = f.numpy()
    return f1


def score_samples(predictions: Sequence[str], references: Sequence[str], bertscore_model: Path) -> SampleScores:
    """Every metric for every sample. Inputs are de-identified texts; nothing is logged."""
    predictions = [p or "" for p in predictions]
    references = [r or "" for r in references]
    rouge = rouge_scores(predictions, references)
    return SampleScores(
        rouge1=rouge["rouge1"], rouge2=rouge["rouge2"], rougeL=rouge["rougeL"],
        bertscore=bertscore_f1(predictions, references, bertscore_model),
        bleu=sentence_bleu(predictions, references),
        bleu_stats=bleu_statistics(predictions, references),
    )

"""Metrics equal the reference packages' own numbers; bootstrap intervals behave."""

from __future__ import annotations

import numpy as np
import pytest

from evaluation.bootstrap import bootstrap_ci, paired_bootstrap
from evaluation.metrics import corpus_scores, score_samples
from radforge.models import default_bertscore_path

PREDS = ["No acute cardiopulmonary abnormality.", "Small right pleural effusion.",
         "Right lower lobe pneumonia is seen.", "", "Cardiomegaly without edema."]
REFS = ["No acute cardiopulmonary process.", "Small left pleural effusion.",
        "Right lower lobe pneumonia.", "Degenerative changes of the spine.", "Stable cardiomegaly."]


@pytest.fixture(scope="module")
def scores():
    return score_samples(PREDS, REFS, default_bertscore_path())


def test_rouge_and_bleu_equal_the_packages_own(scores) -> None:
    import sacrebleu
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    for i, (p, r) in enumerate(zip(PREDS, REFS, strict=True)):
        ref = scorer.score(r, p)
        assert scores.rouge1[i] == pytest.approx(ref["rouge1"].fmeasure)
        assert scores.rouge2[i] == pytest.approx(ref["rouge2"].fmeasure)
        assert scores.rougeL[i] == pytest.approx(ref["rougeL"].fmeasure)
        assert scores.bleu[i] == pytest.approx(sacrebleu.sentence_bleu(p, [r]).score)
    corpus = corpus_scores(scores)
    assert corpus["bleu"] == pytest.approx(sacrebleu.corpus_bleu(PREDS, [REFS]).score)
    assert corpus["rougeL"] == pytest.approx(np.mean([scorer.score(r, p)["rougeL"].fmeasure
                                                      for p, r in zip(PREDS, REFS, strict=True)]))
    # stemming is on: "effusions" matches "effusion"
    assert score_samples(["pleural effusions"], ["pleural effusion"], default_bertscore_path()).rouge1[0] == 1.0


def test_bertscore_equals_the_package_with_the_local_minilm(scores) -> None:
    from bert_score import BERTScorer

    _, _, f1 = BERTScorer(model_type=str(default_bertscore_path()), num_layers=6).score(
        [p for p in PREDS if p], [r for p, r in zip(PREDS, REFS, strict=True) if p])
    assert np.allclose(scores.bertscore[[0, 1, 2, 4]], f1.numpy(), atol=1e-5)
    assert scores.bertscore[3] == 0.0  # empty prediction scores 0, never NaN
    assert scores.bertscore[2] > scores.bertscore[4]


def test_bootstrap_ci_contains_point_and_narrows_with_n() -> None:
    rng = np.random.default_rng(1)
    widths = []
    for n in (20, 200, 2000):
        values = rng.beta(2, 3, size=n)
        ci = bootstrap_ci("rougeL", values, samples=500, seed=0)
        assert ci.low <= ci.value <= ci.high
        assert ci.value == pytest.approx(values.mean())
        widths.append(ci.high - ci.low)
    assert widths[0] > widths[1] > widths[2]
    assert widths[2] < 0.25 * widths[0]


def test_bootstrap_ci_for_corpus_bleu_uses_summed_statistics(scores) -> None:
    import sacrebleu

    ci = bootstrap_ci("bleu", scores.bleu_stats, samples=200, seed=0)
    assert ci.value == pytest.approx(sacrebleu.corpus_bleu(PREDS, [REFS]).score)
    assert ci.low <= ci.value <= ci.high


def test_paired_bootstrap_detects_a_real_difference_and_not_a_null_one() -> None:
    rng = np.random.default_rng(2)
    base = rng.beta(2, 5, size=300)
    better = np.clip(base * 2 + rng.normal(0, 0.02, size=300), 0, 1)
    res = paired_bootstrap("rougeL", better, base, samples=500, seed=0)
    assert res.significant and res.p_value < 0.01
    assert res.delta_low <= res.delta <= res.delta_high and res.delta_low > 0
    assert res.relative == pytest.approx(better.mean() / base.mean() - 1)
    assert res.relative_low < res.relative < res.relative_high
    noise = base + rng.normal(0, 0.05, size=300)
    null = paired_bootstrap("rougeL", noise, base + rng.normal(0, 0.05, size=300), samples=500, seed=0)
    assert not null.significant and null.p_value > 0.05
    same = paired_bootstrap("rougeL", base, base, samples=100)
    assert same.p_value == 1.0 and not same.significant

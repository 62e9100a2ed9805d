"""Metrics by subset equal a direct computation on the examples of each subset."""

from __future__ import annotations

import json

import numpy as np
import pytest

from evaluation.metrics import SampleScores, bleu_statistics, rouge_scores, sentence_bleu
from evaluation.subsets import subset_masks, subset_metrics, take, templated_normal_flags

REFS = ["No acute cardiopulmonary abnormality.", "Right lower lobe pneumonia.", "Normal chest.",
        "Small left pleural effusion.", "Cardiomegaly with mild pulmonary edema.", "No acute disease."]
MODEL = ["No acute cardiopulmonary abnormality.", "Right lower lobe pneumonia.", "No acute disease.",
         "Left pleural effusion.", "Cardiomegaly.", "No acute disease."]
CONSTANT = ["No acute cardiopulmonary abnormality."] * len(REFS)
RETRIEVAL = ["No acute disease.", "Pneumonia.", "Normal chest.", "No acute disease.", "Cardiomegaly.",
             "No acute disease."]


def _scores(preds: list[str]) -> SampleScores:
    rouge = rouge_scores(preds, REFS)
    return SampleScores(rouge1=rouge["rouge1"], rouge2=rouge["rouge2"], rougeL=rouge["rougeL"],
                        bertscore=np.zeros(len(preds)), bleu=sentence_bleu(preds, REFS),
                        bleu_stats=bleu_statistics(preds, REFS))


def test_templated_normals_are_flagged_on_the_reference_impression():
    assert templated_normal_flags(REFS).tolist() == [True, False, True, False, False, True]


def test_masks_cover_normal_abnormal_leakage_and_metadata():
    masks = subset_masks(REFS, modalities=["XR"] * 5 + ["CT"], body_parts=None,
                         leaked=[True, False, False, False, False, True])
    assert list(masks) == ["all", "not_leaked", "templated_normal", "abnormal", "modality=CT", "modality=XR"]
    assert masks["abnormal"].tolist() == [False, True, False, True, True, False]
    assert masks["not_leaked"].sum() == 4 and masks["modality=CT"].tolist() == [False] * 5 + [True]
    with pytest.raises(ValueError):
        subset_masks(REFS, leaked=[True])


def test_subset_values_equal_a_direct_computation():
    systems = {"model": _scores(MODEL), "constant": _scores(CONSTANT), "retrieval": _scores(RETRIEVAL)}
    masks = subset_masks(REFS)
    result = subset_metrics(systems, masks, samples=200, metrics=("rouge1", "rougeL"), model="model",
                            baselines=("constant", "retrieval"))
    for name, mask in masks.items():
        assert result[name]["n"] == int(mask.sum())
        for system, preds in (("model", MODEL), ("constant", CONSTANT), ("retrieval", RETRIEVAL)):
            direct = np.mean([rouge_scores([p], [r])["rouge1"][0] for p, r, m in zip(preds, REFS, mask, strict=True)
                              if m])
            ci = result[name]["systems"][system]["rouge1"]
            assert ci["value"] == pytest.approx(direct)
            assert ci["low"] <= ci["value"] <= ci["high"]
    # abnormal reports: retrieval (mean ROUGE-L > constant's 0 there) is the best baseline
    abnormal = result["abnormal"]["vs_best_baseline"]
    assert abnormal["baseline"] == "retrieval"
    expected = systems["model"].rougeL[masks["abnormal"]].mean() - systems["retrieval"].rougeL[masks["abnormal"]].mean()
    assert abnormal["delta"] == pytest.approx(expected)
    assert take(systems["model"], masks["abnormal"]).rouge1.shape == (3,)


def test_empty_subset_is_reported_with_zero_n():
    systems = {"model": _scores(MODEL)}
    result = subset_metrics(systems, {"none": np.zeros(len(REFS), dtype=bool)}, samples=10)
    assert result == {"none": {"n": 0, "systems": {}}}


def test_iu_xray_has_a_large_templated_normal_share(iu_export):
    out, _ = iu_export
    rows = [json.loads(line) for line in (out / "sections.jsonl").read_text().splitlines()]
    both = [r for r in rows if r["findings"] and r["impression"]]
    flags = templated_normal_flags([r["impression"] for r in both])
    assert 0.4 < flags.mean() < 0.7  # about half of IU X-ray impressions are templated normals

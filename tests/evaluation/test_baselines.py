"""Baselines equal a direct computation on fixed examples."""

from __future__ import annotations

import numpy as np

from evaluation.baselines import baseline_predictions, most_frequent_impression

TRAIN_F = ["Lungs are clear. Heart size normal.", "Right lower lobe opacity consistent with pneumonia.",
           "Small left pleural effusion. Lungs otherwise clear.", "Heart is enlarged. Mild pulmonary edema.",
           "Lungs are clear. No effusion."]
TRAIN_I = ["No acute abnormality.", "Right lower lobe pneumonia.", "Small left pleural effusion.",
           "Cardiomegaly with mild edema.", "No  acute abnormality. "]
TEST_F = ["There is a left pleural effusion, small.", "Enlarged heart with pulmonary edema.", "Clear lungs."]


def test_constant_is_the_most_frequent_train_impression() -> None:
    assert most_frequent_impression(TRAIN_I) == "No acute abnormality."  # whitespace-normalised count of 2
    assert most_frequent_impression(["B.", "A.", "B.", "A."]) == "A."  # tie: alphabetically first
    assert most_frequent_impression([]) == ""


def test_retrieval_equals_a_direct_tfidf_cosine_argmax_and_copy_copies() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    preds = baseline_predictions(TRAIN_F, TRAIN_I, TEST_F)
    vec = TfidfVectorizer(sublinear_tf=True).fit(TRAIN_F)
    a, b = vec.transform(TEST_F).toarray(), vec.transform(TRAIN_F).toarray()
    sims = (a / np.linalg.norm(a, axis=1, keepdims=True)) @ (b / np.linalg.norm(b, axis=1, keepdims=True)).T
    expected = [" ".join(TRAIN_I[j].split()) for j in sims.argmax(axis=1)]
    assert preds["retrieval"] == expected
    assert preds["retrieval"][:2] == ["Small left pleural effusion.", "Cardiomegaly with mild edema."]
    assert preds["constant"] == ["No acute abnormality."] * 3
    assert preds["copy_findings"] == TEST_F

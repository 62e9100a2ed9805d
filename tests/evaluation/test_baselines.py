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


def test_knn_vote_is_the_most_frequent_of_the_k_nearest_ties_to_the_nearer() -> None:
    from evaluation.baselines import KNN_K, knn_vote_impressions, vote
    from warehouse.retrieval import LexicalIndex

    assert vote(["A b.", "c.", "a  B", "c"]) == "A b."  # 2 vs 2: the group holding the nearest wins
    assert vote(["c.", "A b.", "a b", "x"]) == "A b."  # case/punctuation-insensitive majority beats rank 1
    assert vote(["", " "]) == ""
    preds = baseline_predictions(TRAIN_F, TRAIN_I, TEST_F)
    rows, _ = LexicalIndex.fit(TRAIN_F, "tfidf").search(TEST_F, KNN_K)
    assert preds["knn_vote"] == [vote([TRAIN_I[j] for j in r]) for r in rows.tolist()]
    # "Clear lungs." : its 5 nearest hold "No acute abnormality." twice, every other impression once
    assert preds["knn_vote"][2] == "No acute abnormality."
    assert knn_vote_impressions(TRAIN_F, TRAIN_I, TEST_F, k=1) == preds["retrieval"]  # k=1 is top-1 retrieval

"""Baselines that every evaluation reports beside the model (issue #10, item 3).

On real radiology text a constant "No acute cardiopulmonary abnormality." or the impression of the
most similar training report scores close to — or above — published LLMs. A model's ROUGE means
little without them, so every evaluation scores these three with the same metrics and intervals:

- `constant`: the most frequent impression of the train split (ties: the alphabetically first);
- `retrieval`: the impression of the train report whose findings are nearest by TF-IDF cosine
  (scikit-learn; ties: the first train row);
- `copy_findings`: the findings themselves, as the impression.

For an `impression-to-report` snapshot evaluation.data.orient() hands these functions the
impression as "findings" and the findings as "impression", so the same three become: the most
frequent (normal) findings of train, the findings of the train report whose impression is nearest
by TF-IDF, and the impression copied as the report (copy-source; names kept for stable reports).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

BASELINES: tuple[str, ...] = ("constant", "retrieval", "copy_findings")


def _norm(text: str) -> str:
    return " ".join((text or "").split())


def most_frequent_impression(train_impressions: Sequence[str]) -> str:
    counts = Counter(_norm(t) for t in train_impressions if _norm(t))
    if not counts:
        return ""
    best = max(counts.values())
    return min(t for t, c in counts.items() if c == best)


def nearest_neighbour_impressions(train_findings: Sequence[str], train_impressions: Sequence[str],
                                  test_findings: Sequence[str]) -> list[str]:
    """Impression of the nearest train report by TF-IDF cosine over findings."""
    if not train_findings:
        return ["" for _ in test_findings]
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(lowercase=True, sublinear_tf=True)
    train = vectorizer.fit_transform([f or "" for f in train_findings])
    test = vectorizer.transform([f or "" for f in test_findings])
    nearest: list[int] = []
    for start in range(0, test.shape[0], 512):  # bounded memory on large splits
        sims = (test[start:start + 512] @ train.T).toarray()  # rows are L2-normalised: dot = cosine
        nearest.extend(np.argmax(sims, axis=1).tolist())
    return [_norm(train_impressions[j]) for j in nearest]


def baseline_predictions(train_findings: Sequence[str], train_impressions: Sequence[str],
                         test_findings: Sequence[str]) -> dict[str, list[str]]:
    """Predictions of every baseline for the test findings, keyed by baseline name."""
    constant = most_frequent_impression(train_impressions)
    return {
        "constant": [constant] * len(test_findings),
        "retrieval": nearest_neighbour_impressions(train_findings, train_impressions, test_findings),
        "copy_findings": [_norm(f) for f in test_findings],
    }

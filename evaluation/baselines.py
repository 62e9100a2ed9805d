"""Baselines that every evaluation reports beside the model (issue #10, item 3; issue #18, item 2).

On real radiology text a constant "No acute cardiopulmonary abnormality." or the impression of the
most similar training report scores close to — or above — published LLMs. A model's ROUGE means
little without them, so every evaluation scores these four with the same metrics and intervals:

- `constant`: the most frequent impression of the train split (ties: the alphabetically first);
- `retrieval`: the impression of the train report whose findings are nearest by TF-IDF cosine
  (warehouse.retrieval's TF-IDF = scikit-learn's sublinear smooth-idf TF-IDF; ties: the first train row);
- `knn_vote`: the most frequent impression among the KNN_K nearest train reports (same TF-IDF;
  impressions compared case- and punctuation-insensitively; ties: the group holding the nearer report),
  which on templated corpora beats top-1 retrieval: one odd neighbour no longer decides;
- `copy_findings`: the findings themselves, as the impression.

The model must beat the best of them (`model_vs_best_baseline`). For an `impression-to-report`
snapshot evaluation.data.orient() hands these functions the impression as "findings" and the
findings as "impression", so the same four become: the most frequent (normal) findings of train,
the findings of the nearest train report by impression, the vote of the k nearest, and the impression
copied as the report (copy-source; names kept for stable reports).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

BASELINES: tuple[str, ...] = ("constant", "retrieval", "knn_vote", "copy_findings")
KNN_K = 5


def _norm(text: str) -> str:
    return " ".join((text or "").split())


def most_frequent_impression(train_impressions: Sequence[str]) -> str:
    counts = Counter(_norm(t) for t in train_impressions if _norm(t))
    if not counts:
        return ""
    best = max(counts.values())
    return min(t for t, c in counts.items() if c == best)


def _neighbours(train_findings: Sequence[str], test_findings: Sequence[str], k: int) -> list[list[int]]:
    from warehouse.retrieval import LexicalIndex

    index = LexicalIndex.fit(train_findings, "tfidf")
    rows, _scores = index.search(test_findings, k)
    return rows.tolist()


def nearest_neighbour_impressions(train_findings: Sequence[str], train_impressions: Sequence[str],
                                  test_findings: Sequence[str]) -> list[str]:
    """Impression of the nearest train report by TF-IDF cosine over findings."""
    if not train_findings:
        return ["" for _ in test_findings]
    return [_norm(train_impressions[r[0]]) for r in _neighbours(train_findings, test_findings, 1)]


def _vote_key(text: str) -> str:
    return re.sub(r"[^\w ]+", "", _norm(text).lower()).strip()


def vote(impressions: Sequence[str]) -> str:
    """The most frequent of `impressions` (nearest first); a tie goes to the group whose first member is nearest."""
    groups: dict[str, list[int]] = {}
    for rank, text in enumerate(impressions):
        if _vote_key(text):
            groups.setdefault(_vote_key(text), []).append(rank)
    if not groups:
        return ""
    best = min(groups.values(), key=lambda ranks: (-len(ranks), ranks[0]))
    return _norm(impressions[best[0]])


def knn_vote_impressions(train_findings: Sequence[str], train_impressions: Sequence[str],
                         test_findings: Sequence[str], k: int = KNN_K,
                         neighbours: list[list[int]] | None = None) -> list[str]:
    """The k-NN vote: the most frequent impression among the k nearest train reports (ties by similarity)."""
    if not train_findings:
        return ["" for _ in test_findings]
    neighbours = neighbours if neighbours is not None else _neighbours(train_findings, test_findings, k)
    return [vote([train_impressions[j] for j in row[:k]]) for row in neighbours]


def baseline_predictions(train_findings: Sequence[str], train_impressions: Sequence[str],
                         test_findings: Sequence[str], k: int = KNN_K) -> dict[str, list[str]]:
    """Predictions of every baseline for the test findings, keyed by baseline name."""
    constant = most_frequent_impression(train_impressions)
    neighbours = _neighbours(train_findings, test_findings, k) if train_findings else None
    return {
        "constant": [constant] * len(test_findings),
        "retrieval": ([_norm(train_impressions[r[0]]) for r in neighbours] if neighbours is not None
                      else ["" for _ in test_findings]),
        "knn_vote": knn_vote_impressions(train_findings, train_impressions, test_findings, k, neighbours),
        "copy_findings": [_norm(f) for f in test_findings],
    }

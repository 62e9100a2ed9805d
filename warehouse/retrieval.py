"""Nearest TRAIN pairs for retrieval-augmented prompts: a TF-IDF or BM25 index over one snapshot's train split.

Why: on Open-i the strongest published recipe prompts the model with the nearest training pairs
(Van Veen et al., Nat Med 2024); a 135M model that sees them can learn when to copy an old
impression and when to edit it, instead of memorising the corpus in a few hundred CPU steps.

The index is fitted on the train split only (vocabulary, idf, BM25 length statistics), so
validation and test never shape it; they are only queried against it. It is stored in the snapshot
(`retrieval/index.json` and `retrieval/neighbours.parquet`, both hashed into the manifest), so
training, generation, the judge and the report all read the same neighbours. A train example never
retrieves itself, nor a train report with the very same source text: after the cross-split
deduplication a test report has no identical train twin either, so training sees the neighbours
evaluation will see, not copies of its own answer.

Both kinds use scikit-learn's CountVectorizer for the tokenisation and counts; the weighting is
scikit-learn's TF-IDF (`sublinear_tf`, smooth idf, L2 norm — cosine) or Okapi BM25 (k1=1.5, b=0.75),
written out here in a few lines of sparse algebra so that a stored vocabulary + idf answers any query.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from radforge.errors import ConfigError
from radforge.hashing import file_sha256

INDEX_KINDS = ("tfidf", "bm25")
INDEX_DIR = "retrieval"
INDEX_FILE = "index.json"
NEIGHBOURS_FILE = "neighbours.parquet"
MAX_K = 16
_TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # scikit-learn's default


@dataclass(frozen=True)
class RetrievalSpec:
    """`retrieval: {k: 3, index: tfidf|bm25}` — how many nearest train pairs each prompt shows, found how."""

    k: int = 3
    index: str = "tfidf"

    def __post_init__(self) -> None:
        if not 1 <= int(self.k) <= MAX_K:
            raise ConfigError(f"retrieval k must be between 1 and {MAX_K}, got {self.k}")
        if self.index not in INDEX_KINDS:
            raise ConfigError(f"retrieval index must be one of {', '.join(INDEX_KINDS)}, got {self.index!r}")

    @classmethod
    def parse(cls, value: RetrievalSpec | Mapping[str, Any] | None) -> RetrievalSpec | None:
        """None/{} /k=0 = no retrieval; a mapping with `k` and `index` otherwise."""
        if value is None or isinstance(value, RetrievalSpec):
            return value
        if not value or not int(value.get("k") or 0):
            return None
        unknown = set(value) - {"k", "index"}
        if unknown:
            raise ConfigError(f"unknown retrieval keys {sorted(unknown)}: use k and index")
        return cls(int(value["k"]), str(value.get("index") or "tfidf"))

    def to_dict(self) -> dict[str, Any]:
        return {"k": self.k, "index": self.index}


def _norm(text: str | None) -> str:
    return " ".join((text or "").lower().split())


class LexicalIndex:
    """A fitted TF-IDF or BM25 index over train texts; `search` returns the top-k rows per query."""

    def __init__(self, kind: str, vocabulary: list[str], idf: np.ndarray, avgdl: float, texts: Sequence[str],
                 k1: float = 1.5, b: float = 0.75) -> None:
        from sklearn.feature_extraction.text import CountVectorizer

        if kind not in INDEX_KINDS:
            raise ConfigError(f"unknown index kind {kind!r}")
        self.kind, self.vocabulary, self.idf, self.avgdl, self.k1, self.b = kind, vocabulary, idf, avgdl, k1, b
        self._counter = CountVectorizer(vocabulary={t: i for i, t in enumerate(vocabulary)},
                                        token_pattern=_TOKEN_PATTERN, lowercase=True)
        self._docs = self._doc_weights(self._counts(texts))
        self._texts = [_norm(t) for t in texts]

    @classmethod
    def fit(cls, texts: Sequence[str], kind: str = "tfidf") -> LexicalIndex:
        from sklearn.feature_extraction.text import CountVectorizer

        texts = [t or "" for t in texts]
        counter = CountVectorizer(token_pattern=_TOKEN_PATTERN, lowercase=True)
        try:
            counts = counter.fit_transform(texts)
            vocabulary = counter.get_feature_names_out().tolist()
        except ValueError:  # empty vocabulary (no train text at all)
            return cls(kind, [], np.zeros(0), 0.0, texts)
        n = counts.shape[0]
        df = np.asarray((counts > 0).sum(axis=0)).ravel()
        # scikit-learn's smooth idf, or Okapi BM25's (the non-negative variant, as in Lucene)
        idf = np.log((1 + n) / (1 + df)) + 1.0 if kind == "tfidf" else np.log(1 + (n - df + 0.5) / (df + 0.5))
        avgdl = float(counts.sum() / max(n, 1))
        return cls(kind, vocabulary, idf, avgdl, texts)

    def _counts(self, texts: Sequence[str]) -> Any:
        if not self.vocabulary:
            from scipy.sparse import csr_matrix

            return csr_matrix((len(texts), 0))
        return self._counter.transform([t or "" for t in texts]).astype(np.float64).tocsr()

    def _doc_weights(self, counts: Any) -> Any:
        from sklearn.preprocessing import normalize

        w = counts.copy()
        if self.kind == "tfidf":
            w.data = 1.0 + np.log(w.data)
            return normalize(w.multiply(self.idf).tocsr())
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        denom_row = self.k1 * (1 - self.b + self.b * lengths / (self.avgdl or 1.0))
        rows = np.repeat(np.arange(w.shape[0]), np.diff(w.indptr))
        w.data = w.data * (self.k1 + 1) / (w.data + denom_row[rows])
        return w.multiply(self.idf).tocsr()

    def _query_weights(self, texts: Sequence[str]) -> Any:
        counts = self._counts(texts)
        if self.kind == "tfidf":
            return self._doc_weights(counts)
        counts.data = np.ones_like(counts.data)  # BM25: a query term counts once
        return counts

    def search(self, queries: Sequence[str], k: int, exclude_same_text: bool = False,
               exclude_rows: Sequence[int] | None = None, block: int = 512) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores), both (len(queries), k'): the k nearest train rows, best first, ties by row order.

        `exclude_rows[i]` (a train query's own row) and, with `exclude_same_text`, every train row whose
        normalised text equals query i's are never returned. k' = min(k, number of train rows).
        """
        n = self._docs.shape[0]
        k = min(k, n)
        q = self._query_weights(queries)
        rows = np.zeros((len(queries), k), dtype=np.int64)
        scores = np.zeros((len(queries), k), dtype=np.float64)
        norm_q = [_norm(t) for t in queries] if exclude_same_text else None
        by_text: dict[str, list[int]] = {}
        if exclude_same_text:
            for j, t in enumerate(self._texts):
                by_text.setdefault(t, []).append(j)
        for start in range(0, len(queries), block):  # bounded memory on large splits
            sims = (q[start:start + block] @ self._docs.T).toarray()
            for i in range(sims.shape[0]):
                g = start + i
                if exclude_rows is not None and exclude_rows[g] is not None and exclude_rows[g] >= 0:
                    sims[i, exclude_rows[g]] = -np.inf
                if norm_q is not None:
                    sims[i, by_text.get(norm_q[g], [])] = -np.inf
            order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
            rows[start:start + sims.shape[0]] = order
            scores[start:start + sims.shape[0]] = np.take_along_axis(sims, order, axis=1)
        return rows, scores

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "vocabulary": self.vocabulary, "idf": [round(float(x), 12) for x in self.idf],
                "avgdl": self.avgdl, "k1": self.k1, "b": self.b, "token_pattern": _TOKEN_PATTERN}

    @classmethod
    def from_json(cls, data: Mapping[str, Any], texts: Sequence[str]) -> LexicalIndex:
        return cls(data["kind"], list(data["vocabulary"]), np.asarray(data["idf"], dtype=np.float64),
                   float(data["avgdl"]), texts, float(data["k1"]), float(data["b"]))


def write_index(folder: Path, frames: Mapping[str, Any], source: str, spec: RetrievalSpec) -> dict[str, Any]:
    """Fit the index on `frames["train"]`, query every split, write `folder/retrieval/`; the manifest block.

    `frames` are Polars frames (train, validation, test) with `report_key` and the `source` column.
    The block carries a sha256 over the two files, so a changed index is a changed snapshot.
    """
    import polars as pl

    out = folder / INDEX_DIR
    out.mkdir(parents=True, exist_ok=True)
    train = frames["train"]
    train_texts = train[source].fill_null("").to_list()
    train_keys = train["report_key"].to_list()
    index = LexicalIndex.fit(train_texts, spec.index)
    (out / INDEX_FILE).write_text(json.dumps({**index.to_json(), "source": source, "k": spec.k,
                                              "fitted_on": "train", "train_rows": len(train_keys)}) + "\n")
    parts = []
    for split, frame in frames.items():
        if frame.height == 0 or not train_keys:
            continue
        is_train = split == "train"
        rows, scores = index.search(frame[source].fill_null("").to_list(), spec.k, exclude_same_text=is_train,
                                    exclude_rows=list(range(frame.height)) if is_train else None)
        n, k = rows.shape
        keys = frame["report_key"].to_list()
        keep = np.isfinite(scores).ravel()  # fewer than k eligible train rows: drop the excluded slots
        parts.append(pl.DataFrame({
            "split": [split] * (n * k), "report_key": np.repeat(keys, k).tolist(),
            "rank": np.tile(np.arange(1, k + 1), n).astype(np.int32).tolist(),
            "neighbour_key": [train_keys[j] for j in rows.ravel()], "score": scores.ravel().tolist()},
            schema={"split": pl.String, "report_key": pl.String, "rank": pl.Int32, "neighbour_key": pl.String,
                    "score": pl.Float64}).filter(pl.Series(keep)))
    schema = {"split": pl.String, "report_key": pl.String, "rank": pl.Int32, "neighbour_key": pl.String,
              "score": pl.Float64}
    (pl.concat(parts) if parts else pl.DataFrame(schema=schema)).write_parquet(out / NEIGHBOURS_FILE)
    return {**spec.to_dict(), "source": source, "fitted_on": "train", "hash": index_hash(folder),
            "files": [f"{INDEX_DIR}/{INDEX_FILE}", f"{INDEX_DIR}/{NEIGHBOURS_FILE}"]}


def index_hash(folder: Path) -> str:
    return file_sha256(*(folder / INDEX_DIR / name for name in (INDEX_FILE, NEIGHBOURS_FILE)))


def snapshot_spec(manifest: Mapping[str, Any]) -> RetrievalSpec | None:
    """The retrieval the snapshot was built with (its stored depth k), or None."""
    block = manifest.get("retrieval")
    return RetrievalSpec(int(block["k"]), str(block["index"])) if block else None


def check_compatible(manifest: Mapping[str, Any], wanted: RetrievalSpec | None, name: str = "") -> None:
    """A run or evaluation asking for retrieval needs a snapshot whose stored index is that kind, deep enough."""
    if wanted is None:
        return
    have = snapshot_spec(manifest)
    label = repr(name or manifest.get("name") or "snapshot")
    if have is None:
        raise ConfigError(f"snapshot {label} has no retrieval index: build one with "
                          f"`radforge dataset snapshot --retrieval-k {wanted.k} --retrieval-index {wanted.index}`")
    if have.index != wanted.index or have.k < wanted.k:
        raise ConfigError(f"snapshot {label} stores {have.k} {have.index} neighbours, the run asks for "
                          f"{wanted.k} {wanted.index}: build a snapshot with that index and at least that k")


def verify_index(folder: Path, manifest: Mapping[str, Any]) -> bool:
    block = manifest.get("retrieval")
    return block is None or index_hash(folder) == block.get("hash")


def load_examples(folder: Path, split: str, k: int, task: str, keys: Sequence[str] | None = None
                  ) -> dict[str, list[tuple[str, str]]]:
    """report_key -> its k nearest train pairs as (source text, target text) of `task`, best first."""
    import polars as pl

    from warehouse.tasks import get_task

    t = get_task(task)
    neighbours = pl.read_parquet(folder / INDEX_DIR / NEIGHBOURS_FILE).filter(
        (pl.col("split") == split) & (pl.col("rank") <= k))
    if keys is not None:
        neighbours = neighbours.filter(pl.col("report_key").is_in(list(keys)))
    train = pl.read_parquet(folder / "train.parquet")
    pairs = {row["report_key"]: (t.source_text(row), t.target_text(row)) for row in train.iter_rows(named=True)}
    out: dict[str, list[tuple[str, str]]] = {}
    for key, nkey in neighbours.sort("report_key", "rank").select("report_key", "neighbour_key").iter_rows():
        out.setdefault(key, []).append(pairs[nkey])
    return out

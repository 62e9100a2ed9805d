"""`synthetic`: radforge's own synthetic radiology reports with their gold spans (sources.synth).

The same records `write_corpus(folder, reports=N, seed=seed)` writes to reports.jsonl and
gold.jsonl, taken in memory. `limit` is the number of reports generated (default 500: a few
seconds of engine time); the seed is the generator's, so seed 4242 is the unseen test seed.
"""

from __future__ import annotations

from deid.corpora.base import Corpus, GoldDoc, check_doc

NAME = "synthetic"
DEFAULT_LIMIT = 500


def records(limit: int | None, seed: int) -> list[dict]:
    from sources.synth import iter_reports

    return list(iter_reports(DEFAULT_LIMIT if limit is None else limit, seed))


def to_doc(record: dict) -> GoldDoc:
    spans = tuple({"start": s, "end": e, "type": t} for s, e, t in sorted(record["spans"]))
    return check_doc(GoldDoc(id=str(record["id"]), text=record["text"] or "", spans=spans))


def load(limit: int | None = None, seed: int = 4242) -> Corpus:
    return Corpus(name=NAME, docs=tuple(to_doc(r) for r in records(limit, seed)))

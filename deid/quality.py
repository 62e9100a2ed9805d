"""Quality harness: span- and token-level recall, precision and F2 against gold PHI spans.

Recall is type-agnostic (a gold PERSON removed as LOCATION is still removed — what matters for
privacy); per-type recall groups gold spans by their gold type, per-type precision groups
predictions by their predicted type. Misses are listed by type and offsets only, never text.

`ignore` spans (text a source annotated that Safe Harbor does not call an identifier: a job title, a
bare year, a ward) count neither as gold nor as false positives; their tokens, and how many of them
were redacted, are reported apart. `score(corpus, predictions)` scores a `deid.corpora` corpus.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import regex

from deid.preredaction import find_preredacted

if TYPE_CHECKING:
    from radforge.settings import Settings

_TOKEN = regex.compile(r"\w+", regex.UNICODE)


@dataclass
class Tally:
    tp: int = 0
    fn: int = 0
    fp: int = 0
    pred_tp: int = 0

    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def precision(self) -> float:
        total = self.pred_tp + self.fp
        return self.pred_tp / total if total else 1.0

    def f2(self) -> float:
        p, r = self.precision(), self.recall()
        return 5 * p * r / (4 * p + r) if (4 * p + r) else 0.0

    def as_dict(self) -> dict:
        return {"recall": round(self.recall(), 5), "precision": round(self.precision(), 5), "f2": round(self.f2(), 5),
                "gold": self.tp + self.fn, "missed": self.fn, "predicted": self.pred_tp + self.fp,
                "false_positive": self.fp}


@dataclass
class IgnoredTally:
    tokens: int = 0
    redacted: int = 0

    def as_dict(self) -> dict:
        return {"tokens": self.tokens, "redacted": self.redacted}


@dataclass
class Evaluation:
    token: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    span: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    ignored: dict[str, IgnoredTally] = field(default_factory=lambda: defaultdict(IgnoredTally))
    misses: list[dict] = field(default_factory=list)
    reports: int = 0

    def add(self, report_id: str, text: str, gold: list[dict], predicted: list[dict],
            ignore: list[dict] | tuple[dict, ...] = ()) -> None:
        """Score one text. A token or predicted span touching an `ignore` span (and no gold) is left out of
        recall and precision; ignored tokens are tallied by the ignore span's type, redacted or not."""
        self.reports += 1
        gold = [g for g in gold if g["end"] > g["start"]]
        ignore = [g for g in ignore if g["end"] > g["start"]]
        # spans: a gold span is found when every character is covered by predictions
        covered = bytearray(len(text) + 1)
        for p in predicted:
            for i in range(max(0, p["start"]), min(len(text), p["end"])):
                covered[i] = 1
        gold_mask = bytearray(len(text) + 1)
        for g in gold:
            for i in range(max(0, g["start"]), min(len(text), g["end"])):
                gold_mask[i] = 1
        for g in gold:
            chars = [i for i in range(g["start"], min(g["end"], len(text))) if not text[i].isspace()]
            hit = all(covered[i] for i in chars)
            for key in (g["type"], "ALL"):
                if hit:
                    self.span[key].tp += 1
                else:
                    self.span[key].fn += 1
            if not hit:
                self.misses.append({"id": report_id, "type": g["type"], "start": g["start"], "end": g["end"],
                                    "level": "span"})
        ignore_mask = bytearray(len(text) + 1)
        for g in ignore:
            for i in range(max(0, g["start"]), min(len(text), g["end"])):
                ignore_mask[i] = 1
        for p in predicted:
            chars = range(max(0, p["start"]), min(len(text), p["end"]))
            overlap = any(gold_mask[i] for i in chars)
            if not overlap and any(ignore_mask[i] for i in chars):
                continue  # on an ignored span only: neither right nor wrong
            for key in (p["type"], "ALL"):
                if overlap:
                    self.span[key].pred_tp += 1
                else:
                    self.span[key].fp += 1
        # tokens: a token belongs to a span when they share a character
        for m in _TOKEN.finditer(text):
            s, e = m.span()
            g_types = {g["type"] for g in gold if g["start"] < e and s < g["end"]}
            p_types = {p["type"] for p in predicted if p["start"] < e and s < p["end"]}
            if not g_types:
                i_types = {g["type"] for g in ignore if g["start"] < e and s < g["end"]}
                if i_types:
                    for t in i_types | {"ALL"}:
                        self.ignored[t].tokens += 1
                        self.ignored[t].redacted += bool(p_types)
                    continue
            for t in g_types | ({"ALL"} if g_types else set()):
                if p_types:
                    self.token[t].tp += 1
                else:
                    self.token[t].fn += 1
            for t in p_types | ({"ALL"} if p_types else set()):
                if g_types:
                    self.token[t].pred_tp += 1
                else:
                    self.token[t].fp += 1

    def summary(self, max_misses: int = 200) -> dict:
        by_type: dict[str, int] = defaultdict(int)
        for m in self.misses:
            by_type[m["type"]] += 1
        return {
            "reports": self.reports,
            "token": {k: v.as_dict() for k, v in sorted(self.token.items())},
            "span": {k: v.as_dict() for k, v in sorted(self.span.items())},
            "ignored": {k: v.as_dict() for k, v in sorted(self.ignored.items())},
            "misses_by_type": dict(sorted(by_type.items())),
            "misses": self.misses[:max_misses],
        }


def read_jsonl(path: Path) -> Iterable[dict]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def evaluate(gold_path: Path, reports_path: Path, engine=None, workers: int = 1, limit: int | None = None,
             use_metadata: bool = False, settings: Settings | None = None) -> dict:
    """Run the engine over REPORTS and score it against GOLD.

    With `use_metadata` the engine also gets each report's MRN, accession, name and DOB (as the
    warehouse gives them); without it, text only (the stricter measure, and the CLI contract).
    """
    from deid.parallel import deidentify_parallel
    from deid.schema import RawReport

    gold = {str(g["id"]): g["spans"] for g in read_jsonl(gold_path)}
    rows = []
    for i, row in enumerate(read_jsonl(reports_path)):
        if limit is not None and i >= limit:
            break
        rows.append(row)
    reports = [RawReport(report_id=str(r["id"]), text=r.get("text") or "",
                         mrn=r.get("mrn") if use_metadata else None,
                         accession=r.get("accession") if use_metadata else None,
                         patient_name=r.get("patient_name") if use_metadata else None,
                         dob=r.get("dob") if use_metadata else None, version=r.get("version")) for r in rows]
    ev = Evaluation()
    for row, result in zip(rows, deidentify_parallel(reports, workers=workers, settings=settings, engine=engine),
                           strict=True):
        predicted = [{"start": e.start, "end": e.end, "type": e.type} for e in result.entities]
        ev.add(str(row["id"]), row.get("text") or "", gold.get(str(row["id"]), []), predicted)
    return ev.summary()


def score(corpus, predictions: list[list[dict]]) -> dict:
    """Score predictions ({"start", "end", "type"} per doc, in the corpus's doc order) against a corpus.

    Gives `Evaluation.summary()` (token- and span-level recall/precision per type and ALL, ignored tokens
    apart) plus `corpus`, `docs`, `zero_phi`. For a zero-PHI corpus also `false_entities` (predicted
    entities not on a pre-redaction mark such as `XXXX`), `false_entities_per_100` (per 100 documents)
    and `false_entities_by_type`; the marks' own tokens are reported as ignored type PREREDACTED.
    """
    if len(predictions) != len(corpus.docs):
        raise ValueError(f"{len(predictions)} prediction lists for {len(corpus.docs)} documents")
    ev = Evaluation()
    false_by_type: dict[str, int] = defaultdict(int)
    for doc, predicted in zip(corpus.docs, predictions, strict=True):
        ignore = list(doc.ignore)
        if corpus.zero_phi:
            marks = find_preredacted(doc.text)
            ignore += [{"start": s, "end": e, "type": "PREREDACTED"} for s, e in marks]
            for p in predicted:
                if not any(s < p["end"] and p["start"] < e for s, e in marks):
                    false_by_type[p["type"]] += 1
        ev.add(doc.id, doc.text, list(doc.spans), predicted, ignore=ignore)
    result = {"corpus": corpus.name, "docs": len(corpus.docs), "zero_phi": corpus.zero_phi, **ev.summary()}
    if corpus.zero_phi:
        total = sum(false_by_type.values())
        result["false_entities"] = total
        result["false_entities_per_100"] = round(100 * total / len(corpus.docs), 3) if corpus.docs else 0.0
        result["false_entities_by_type"] = dict(sorted(false_by_type.items()))
    return result


def predict(corpus, engine=None, workers: int = 1, settings: Settings | None = None) -> list[list[dict]]:
    """The engine's entities for every doc of a corpus (text only, as the CLI contract), in doc order."""
    from deid.parallel import deidentify_parallel
    from deid.schema import RawReport

    reports = (RawReport(report_id=doc.id, text=doc.text) for doc in corpus.docs)
    return [[{"start": e.start, "end": e.end, "type": e.type} for e in result.entities]
            for result in deidentify_parallel(reports, workers=workers, settings=settings, engine=engine)]


def evaluate_corpus(corpus, engine=None, workers: int = 1, settings: Settings | None = None) -> dict:
    """`score(corpus, predict(corpus))`: the engine's quality on one `deid.corpora` corpus."""
    return score(corpus, predict(corpus, engine=engine, workers=workers, settings=settings))

"""Quality harness: span- and token-level recall, precision and F2 against gold PHI spans.

Recall is type-agnostic (a gold PERSON removed as LOCATION is still removed — what matters for
privacy); per-type recall groups gold spans by their gold type, per-type precision groups
predictions by their predicted type. Misses are listed by type and offsets only, never text.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import regex

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
class Evaluation:
    token: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    span: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    misses: list[dict] = field(default_factory=list)
    reports: int = 0

    def add(self, report_id: str, text: str, gold: list[dict], predicted: list[dict]) -> None:
        self.reports += 1
        gold = [g for g in gold if g["end"] > g["start"]]
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
        for p in predicted:
            overlap = any(gold_mask[i] for i in range(max(0, p["start"]), min(len(text), p["end"])))
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
            "misses_by_type": dict(sorted(by_type.items())),
            "misses": self.misses[:max_misses],
        }


def read_jsonl(path: Path) -> Iterable[dict]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def evaluate(gold_path: Path, reports_path: Path, engine=None, workers: int = 1, limit: int | None = None,
             use_metadata: bool = False, settings=None) -> dict:
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

"""Section-parser check on real text: does a sectioner recover the XML's own FINDINGS and IMPRESSION?

The IU X-ray XML keeps each section apart; the converter reassembles them into one text with
headers, as a hospital sends it. Parsing that text back and comparing with the XML measures the
warehouse sectioner on real radiology prose. The sectioner is passed in as a function, so this
core module imports no domain package (the warehouse's own sectioner is what tests and the demo pass).

Agreement is exact after whitespace normalisation; an empty XML section must parse as empty/None.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

# report texts -> one (findings, impression) per text, in order. A batch, so a vectorised sectioner fits.
Sectioner = Callable[[list[str]], list[tuple[str | None, str | None]]]


def normalise(text: str | None) -> str:
    """Whitespace-normalised text ('' for None)."""
    return " ".join((text or "").split())


@dataclass
class Agreement:
    reports: int = 0
    findings_agree: int = 0
    impression_agree: int = 0
    both_agree: int = 0
    disagreeing_ids: list[str] = field(default_factory=list)  # ids only, never text

    @property
    def rate(self) -> float:
        """Share of reports whose findings AND impression both agree with the XML."""
        return self.both_agree / self.reports if self.reports else 0.0

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["rate"] = round(self.rate, 6)
        d["findings_rate"] = round(self.findings_agree / self.reports, 6) if self.reports else 0.0
        d["impression_rate"] = round(self.impression_agree / self.reports, 6) if self.reports else 0.0
        d["disagreeing_ids"] = self.disagreeing_ids[:50]
        return d


def _read_jsonl(path: Path) -> dict[str, dict]:
    with open(path, encoding="utf-8") as fh:
        return {rec["id"]: rec for rec in (json.loads(line) for line in fh if line.strip())}


def section_agreement(export_dir: Path, parse: Sectioner) -> Agreement:
    """Parse every report text of a converted export and compare with its `sections.jsonl`."""
    export_dir = Path(export_dir)
    truth = _read_jsonl(export_dir / "sections.jsonl")
    reports = _read_jsonl(export_dir / "reports.jsonl")
    ids = list(reports)
    parsed = parse([reports[rid]["text"] for rid in ids])
    if len(parsed) != len(ids):
        raise ValueError(f"sectioner returned {len(parsed)} results for {len(ids)} reports")
    result = Agreement()
    for rid, (findings, impression) in zip(ids, parsed, strict=True):
        f_ok = normalise(findings) == normalise(truth[rid]["findings"])
        i_ok = normalise(impression) == normalise(truth[rid]["impression"])
        result.reports += 1
        result.findings_agree += f_ok
        result.impression_agree += i_ok
        result.both_agree += f_ok and i_ok
        if not (f_ok and i_ok):
            result.disagreeing_ids.append(rid)
    return result

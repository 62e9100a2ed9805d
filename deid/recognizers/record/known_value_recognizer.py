"""The report's own identifiers (from the RIS record that came with it) wherever they occur in its text.

The warehouse hands each report with its MRN, accession, patient name and birth date. Those exact
values are PHI in any position, whatever the surrounding words — the most reliable recognizer
there is, and it generalises to every institution. Built per report (Presidio ad-hoc recognizer).
"""

from __future__ import annotations

from datetime import date

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult

from deid.recognizers.base import make_result

_SPLIT = regex.compile(r"[\s,^]+")


class KnownValueRecognizer(EntityRecognizer):
    def __init__(self, values: dict[str, list[str]]) -> None:
        self.values = {k: [v for v in vs if v] for k, vs in values.items() if vs}
        super().__init__(supported_entities=sorted(self.values) or ["ID"], name="KnownValueRecognizer")
        self._patterns: list[tuple[str, regex.Pattern]] = []
        for entity, vals in self.values.items():
            alternation = "|".join(regex.escape(v) for v in sorted(set(vals), key=len, reverse=True))
            flags = regex.IGNORECASE if entity == "PERSON" else 0
            self._patterns.append((entity, regex.compile(rf"(?<![\w])(?:{alternation})(?![\w])", flags)))

    @classmethod
    def for_report(cls, mrn: str | None, accession: str | None, patient_name: str | None,
                   dob: str | None) -> KnownValueRecognizer | None:
        values: dict[str, list[str]] = {"ID": [], "PERSON": [], "DATE": []}
        for ident in (mrn, accession):
            if ident and len(ident.strip()) >= 4:
                values["ID"].append(ident.strip())
        if patient_name:
            parts = [p for p in _SPLIT.split(patient_name.replace("^", " ")) if len(p.strip(".")) >= 2]
            values["PERSON"].extend(parts)
        if dob:
            values["DATE"].extend(_date_forms(dob))
        if not any(values.values()):
            return None
        return cls(values)

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        results = []
        for entity, pattern in self._patterns:
            for m in pattern.finditer(text):
                value = m.group()
                if entity == "PERSON" and value.islower():
                    continue  # "brown" the colour, not Mr Brown
                results.append(make_result(self, entity, m.start(), m.end(), 0.95,
                                           f"known {entity.lower()} value (strong)"))
        return results


def _date_forms(dob: str) -> list[str]:
    try:
        d = date.fromisoformat(dob.strip()[:10])
    except ValueError:
        return [dob.strip()]
    month = d.strftime("%B")
    return [d.isoformat(), f"{d.month:02d}/{d.day:02d}/{d.year}", f"{d.month}/{d.day}/{d.year}",
            f"{d.month:02d}/{d.day:02d}/{d.year % 100:02d}", f"{d.month}/{d.day}/{d.year % 100:02d}",
            f"{month} {d.day}, {d.year}", f"{month[:3]} {d.day}, {d.year}", f"{d.day} {month} {d.year}",
            f"{d.year}{d.month:02d}{d.day:02d}"]

"""Hospitals, clinics and imaging centres: a site gazetteer (config) plus institution-name patterns."""

from __future__ import annotations

from typing import ClassVar

import regex
from presidio_analyzer import Pattern

from deid.recognizers.base import RadPatternRecognizer

_INSTITUTION = (r"(?:Hospital|Hospitals|Medical\s{1,2}Center|Medical\s{1,2}Centre|Health\s{1,2}System|Health\s{1,2}Center|"
                r"Healthcare|Health\s{1,2}Care|Clinic|Clinics|Imaging\s{1,2}Center|Imaging|Infirmary|Medical\s{1,2}Group|"
                r"Cancer\s{1,2}Center|Cancer\s{1,2}Institute|Children's|Childrens|Rehabilitation\s{1,2}Center|"
                r"Nursing\s{1,2}Home|Surgery\s{1,2}Center|Surgical\s{1,2}Center|Radiology\s{1,2}Associates|"
                r"Health|Medicine|Memorial|University|College|Institute|Sanatorium|Hospice|Urgent\s{1,2}Care|"
                r"Physicians|Associates|Diagnostics|Laboratories|Pharmacy|VA\s{1,2}Medical\s{1,2}Center|VAMC)")
_NAME_WORD = r"(?:St\.|Saint|Mt\.|Mount|[A-Z][A-Za-z'\u2019\-]{1,24}|of|the|and|&)"


class HospitalRecognizer(RadPatternRecognizer):
    """`Mercy General Hospital`, `St. Mary's Medical Center`, `University of Springfield Medical Center`."""

    ENTITY = "ORGANIZATION"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("institution name (strong)", rf"\b(?:[A-Z][A-Za-z'\u2019\-]{{1,24}}\.?\s{{1,2}}(?:{_NAME_WORD}\s{{1,2}}){{0,5}})"
                rf"{_INSTITUTION}(?:\s{{1,2}}(?:of|at)\s{{1,2}}[A-Z][A-Za-z\-]{{1,24}}(?:\s{{1,2}}[A-Z][A-Za-z\-]{{1,24}}){{0,2}})?",
                0.8),
        Pattern("university/saint institution (strong)", rf"\b(?:University|Univ\.|St\.|Saint)\s{{1,2}}(?:of\s{{1,2}})?"
                rf"[A-Z][A-Za-z'\-]{{1,24}}(?:\s{{1,2}}{_NAME_WORD}){{0,4}}\s{{1,2}}{_INSTITUTION}", 0.85),
    ]
    CONTEXT: ClassVar[list[str]] = ["hospital", "center", "clinic", "outside", "transferred", "facility"]

    _GENERIC_HEAD = regex.compile(r"^(?:The|An?|Outside|Our|This|Other|Prior|Local|Community|Any|Per|At|From|In|To|Of|"
                                  r"Diagnostic|Interventional|Nuclear|Emergency|Internal|Family|Sports|Pediatric|Women's|"
                                  r"Breast|Body|Neuro|Musculoskeletal|Thoracic|Abdominal|Cardiac|Vascular|Oncology|"
                                  r"Department|Dept\.?|Division|Section|Service|Radiology|Imaging)\b")

    def __init__(self, gazetteer: list[str] | None = None, **kwargs) -> None:
        extra = []
        names = [g for g in (gazetteer or []) if g.strip()]
        if names:
            alternation = "|".join(regex.escape(g.strip()) for g in sorted(names, key=len, reverse=True))
            extra.append(Pattern("site gazetteer (strong)", rf"(?<!\w)(?i:{alternation})(?!\w)", 0.95))
        super().__init__(extra_patterns=extra, **kwargs)

    def invalidate_result(self, pattern_text: str) -> bool | None:
        words = pattern_text.split()
        # Strip generic lead words one at a time: "Outside Hospital" and "Diagnostic Imaging" are not names.
        while words and self._GENERIC_HEAD.match(words[0]):
            words = words[1:]
        if len(words) <= 1:
            return True
        from deid.vocabulary import is_clinical_phrase

        return is_clinical_phrase(" ".join(words[:-1]))

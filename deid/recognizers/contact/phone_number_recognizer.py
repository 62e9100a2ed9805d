"""Phone numbers the way `phonenumbers` (Google's libphonenumber) reads them: any region's formats and groupings.

Presidio's own PhoneRecognizer, kept as it is, behind a cheap check: a report without a run of seven or
more digits (with separators) cannot hold a number, and most reports have none, so the eight regional
matchers run on few reports. The radiology patterns (`PhoneRecognizer`) cover pagers, extensions and
labelled numbers; this covers international and oddly grouped ones ("+44 20 7946 0958", "617 44 01 932").
"""

from __future__ import annotations

import regex
from presidio_analyzer import RecognizerResult
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

_DIGIT_RUN = regex.compile(r"\d(?:[\s().\-+/]{0,3}\d){6,}")


class PhoneNumberRecognizer(PhoneRecognizer):
    """libphonenumber's matcher for US, GB, DE, FR, IL, IN, CA and BR formats, typed PHONE."""

    SCORE = 0.6

    def __init__(self, context: list[str] | None = None, **_: object) -> None:
        super().__init__(context=context, supported_entity="PHONE", name="PhoneNumberRecognizer")

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        if not _DIGIT_RUN.search(text):
            return []
        results = [r for r in super().analyze(text, entities, nlp_artifacts)
                   if sum(c.isdigit() for c in text[r.start:r.end]) >= 7]  # the lenient matcher takes "DLP 1696"
        for r in results:
            r.score = max(r.score, self.SCORE)
        return results

"""Phone numbers the way `phonenumbers` (Google's libphonenumber) reads them: any region's formats and groupings.

Presidio's own PhoneRecognizer, kept as it is, behind a cheap check: a report without a run of seven or
more digits (with separators) cannot hold a number, and most reports have none, so the eight regional
matchers run on few reports. The radiology patterns (`PhoneRecognizer`) cover pagers, extensions and
labelled numbers; this covers international and oddly grouped ones ("+44 20 7946 0958", "617 44 01 932").
"""

from __future__ import annotations

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

# Seven or more digits with phone separators; not dates ("10/01/2012", "2012-10-01 17:58").
_DIGIT_RUN = regex.compile(r"(?<![\d/:\-])(?!(?:19|20)\d\d-\d\d-\d\d)\+?\(?\d(?:[ \t().\-]{0,3}\d){6,}(?![\d/:])")

_US_SHAPE = regex.compile(r"(?:\+?1[ .\-]?)?(?:\(\d{3}\)[ ]?|\d{3}[ .\-])\d{3}[ .\-]\d{4}")


class PhoneNumberRecognizer(PhoneRecognizer):
    """libphonenumber's matcher for US, GB, DE, FR, IL, IN, CA and BR formats, typed PHONE."""

    SCORE = 0.6

    def __init__(self, context: list[str] | None = None, **_: object) -> None:
        super().__init__(context=context, supported_entity="PHONE", name="PhoneNumberRecognizer")

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        """The matcher on each digit run with a little context around it, not on the whole report: the eight
        regional matchers scan every character they are given (2.8 ms a report on whole texts)."""
        results: list[RecognizerResult] = []
        for run in _DIGIT_RUN.finditer(text):
            if run.group().isdigit() and len(run.group()) not in (10, 11):
                continue  # an unbroken 7-9 or 12+ digit run is an MRN or accession, never a dialled number
            if _US_SHAPE.fullmatch(run.group()):
                continue  # "(617) 555-1234", "617.555.1234": PhoneRecognizer's patterns find these already
            start = max(0, run.start() - 6)
            window = text[start:run.end() + 8]
            for r in super().analyze(window, entities, nlp_artifacts):
                r.start += start
                r.end += start
                if sum(c.isdigit() for c in text[r.start:r.end]) >= 7:  # the lenient matcher takes "DLP 1696"
                    r.score = max(r.score, self.SCORE)
                    results.append(r)
        return EntityRecognizer.remove_duplicates(results)

"""Phone numbers the way `phonenumbers` (Google's libphonenumber) reads them: any region's formats and groupings.

Presidio's own PhoneRecognizer, kept as it is, behind a cheap check: a report without a run of seven or
more digits (with separators) cannot hold a number, and most reports have none, so the eight regional
matchers run on few reports. The radiology patterns (`PhoneRecognizer`) cover pagers, extensions and
labelled numbers; this covers international and oddly grouped ones ("+44 20 7946 0958", "617 44 01 932").
"""

from __future__ import annotations

import phonenumbers
import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

# Seven or more digits with phone separators; not dates ("10/01/2012", "2012-10-01 17:58").
_DIGIT_RUN = regex.compile(r"(?<![\d/:\-])(?!(?:19|20)\d\d-\d\d-\d\d)\+?\(?\d(?:[ \t().\-]{0,3}\d){6,}(?![\d/:])")

_US_SHAPE = regex.compile(r"(?:\+?1[ .\-]?)?(?:\(\d{3}\)[ ]?|\d{3}[ .\-])\d{3}[ .\-]\d{4}")

# An unbroken 10-11 digit run is read only as a North American or British number: most 10-digit runs
# are valid Indian or Brazilian numbers by length alone, and in a report they are record numbers.
_UNBROKEN_REGIONS = ("US", "GB")


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
            digits = run.group()
            if digits.isdigit() and len(digits) not in (10, 11):
                continue  # an unbroken 7-9 or 12+ digit run is an MRN or accession, never a dialled number
            if _US_SHAPE.fullmatch(digits):
                continue  # "(617) 555-1234", "617.555.1234": PhoneRecognizer's patterns find these already
            start = max(0, run.start() - 6)
            window = text[start:run.end() + 8]
            regions = _UNBROKEN_REGIONS if digits.isdigit() else self.supported_regions
            for s, e in self._read(window, regions, run.start() - start, run.end() - start):
                if sum(c.isdigit() for c in text[start + s:start + e]) >= 7:  # the lenient matcher takes "DLP 1696"
                    results.append(RecognizerResult(
                        "PHONE", start + s, start + e, self.SCORE,
                        self._get_analysis_explanation("any"),
                        {RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                         RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}))
        return EntityRecognizer.remove_duplicates(results) if len(results) > 1 else results

    def _read(self, window: str, regions: tuple[str, ...], run_start: int, run_end: int) -> list[tuple[int, int]]:
        """The spans libphonenumber reads in `window`, region by region, stopping at the first region whose
        match covers the whole digit run (the others would find the same number: 8 matchers cost 2.6 ms)."""
        spans: list[tuple[int, int]] = []
        for region in regions:
            for match in phonenumbers.PhoneNumberMatcher(window, region, leniency=self.leniency):
                spans.append((match.start, match.end))
            if any(s <= run_start and e >= run_end for s, e in spans):
                break
        return spans

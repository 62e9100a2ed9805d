"""The residual check: a second, pattern-only pass over the de-identified text.

It uses the strong-pattern recognizers (no NER, no context boost) and flags any hit that is not
one of the values we inserted and not a pre-redaction mark. A report with a residual hit does not
reach the de-identified zone: it is quarantined with `residual_phi:<TYPE>`.
"""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer

from deid.preredaction import find_preredacted
from deid.recognizers import (
    AccessionRecognizer,
    EmailRecognizer,
    IpRecognizer,
    MrnRecognizer,
    PhoneRecognizer,
    SsnRecognizer,
    UrlRecognizer,
)
from deid.recognizers.base import RadPatternRecognizer
from deid.schema import contract_type
from deid.spans import SpanIndex

RESIDUAL_RECOGNIZERS = (MrnRecognizer, AccessionRecognizer, SsnRecognizer, PhoneRecognizer, EmailRecognizer,
                        UrlRecognizer, IpRecognizer)
MIN_SCORE = 0.8


class ResidualChecker:
    def __init__(self, recognizers: list[EntityRecognizer] | None = None) -> None:
        self.recognizers = recognizers if recognizers is not None else [cls() for cls in RESIDUAL_RECOGNIZERS]

    def check(self, text: str, inserted: list[tuple[int, int]], extra: list[EntityRecognizer] = ()) -> list[str]:
        """Types of PHI-looking spans in `text` outside the `inserted` spans (sorted, unique)."""
        if not text:
            return []
        protected = SpanIndex(list(inserted) + find_preredacted(text))
        found: set[str] = set()
        for rec in [*self.recognizers, *extra]:
            entities = rec.supported_entities
            for r in rec.analyze(text, entities, None):
                if r.score < MIN_SCORE and isinstance(rec, RadPatternRecognizer):
                    continue
                if protected.overlaps(r.start, r.end):
                    continue
                found.add(contract_type(r.entity_type))
        return sorted(found)

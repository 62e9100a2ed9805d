"""Medical record numbers: after a label anywhere, plus site-specific formats from the config."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from deid.recognizers.base import RadPatternRecognizer

_VALUE = r"(?P<phi>[A-Z0-9](?:[A-Z0-9\-/]{2,24}[A-Z0-9])?)"


class MrnRecognizer(RadPatternRecognizer):
    """`MRN: 01234567`, `Med Rec # A1234567`, `Patient ID 5566778`, `Unit No. ...`."""

    ENTITY = "ID"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("mrn with label (strong)",
                r"\b(?i:MRN|M\.R\.N\.|MR\s{0,1}(?:#|No\.?|Number)|Med(?:ical)?\.?\s{0,2}Rec(?:ord)?s?\.?"
                r"(?:\s{0,2}(?:#|No\.?|Number|Num))?|Patient\s{1,2}(?:ID|Id|Identifier|No\.?|Number|#)|Pt\.?\s{0,2}ID"
                r"|Unit\s{1,2}(?:No\.?|Number)|Hospital\s{1,2}(?:No\.?|Number|ID)|Chart\s{0,2}(?:#|No\.?|Number)"
                r"|EMPI|PID|UR\s{0,1}(?:No\.?|Number))"
                r"[\s:#=.]{0,4}(?i:is\s{1,2})?" + _VALUE + r"\b", 0.95),
    ]
    CONTEXT: ClassVar[list[str]] = ["mrn", "record", "medical", "patient", "chart", "unit"]

    def invalidate_result(self, pattern_text: str) -> bool | None:
        # A label followed by a word ("Patient ID verified") is not an identifier: require a digit.
        return not any(c.isdigit() for c in pattern_text)

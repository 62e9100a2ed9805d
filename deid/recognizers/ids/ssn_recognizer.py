"""US social security numbers (dashed, spaced, or nine digits after a label)."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from deid.recognizers.base import RadPatternRecognizer


class SsnRecognizer(RadPatternRecognizer):
    ENTITY = "ID"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("ssn dashed (strong)", r"(?<![\d\-])\d{3}-\d{2}-\d{4}(?![\d\-])", 0.85),
        Pattern("ssn spaced (medium)", r"(?<![\d ])\d{3} \d{2} \d{4}(?![\d])", 0.5),
        Pattern("ssn with label (strong)", r"\b(?i:SSN|SS#|S\.S\.N\.|social\s{1,2}security(?:\s{1,2}(?:number|no\.?|"
                                           r"#))?)"
                r"[\s:#=]{0,4}(?P<phi>\d{3}[\s\-]?\d{2}[\s\-]?\d{4})\b", 0.95),
    ]
    CONTEXT: ClassVar[list[str]] = ["ssn", "social", "security"]

    def invalidate_result(self, pattern_text: str) -> bool | None:
        digits = "".join(c for c in pattern_text if c.isdigit())
        # Area 000 or 666 and group 00 are never issued; a test would still be PHI-shaped, keep those.
        return len(digits) != 9

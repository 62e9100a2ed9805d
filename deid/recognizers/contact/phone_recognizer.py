"""Telephone, fax and pager numbers, including extensions and short in-house pagers after a cue."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from deid.recognizers.base import RadPatternRecognizer

_EXT = r"(?:\s{0,2}(?:x|ext\.?|extension)\s{0,2}\d{1,6})?"


class PhoneRecognizer(RadPatternRecognizer):
    ENTITY = "PHONE"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("us phone (strong)", r"(?<![\w.\-])(?:\+?1[\s.\-]{0,2})?(?:\(\d{3}\)\s{0,2}|\d{3}[\s.\-]{1,2})\d{3}"
                r"[\s.\-]{1,2}\d{4}" + _EXT + r"(?![\w\-])", 0.85),
        Pattern("local number (medium)", r"(?<![\w\-/.:])\d{3}-\d{4}" + _EXT + r"(?![\w\-/]|\.\d)", 0.6),
        Pattern("international phone (medium)", r"(?<![\w.])\+\d{1,3}(?:[\s.\-]\(?\d{1,5}\)?){2,5}(?![\w])", 0.7),
        Pattern("phone after cue (strong)", r"\b(?i:phone|tel|telephone|fax|facsimile|pager|page|beeper|beep|cell|"
                                            r"mobile|"
                r"call(?:back)?|contact|ext|extension|voalte|spectralink|vocera|paged|beeped)\.?(?:\s{1,2}(?:no\.?|number|#))?"
                r"[\s:#=(]{0,4}(?:(?i:at|"
                r"to)\s{1,2})?(?P<phi>(?:\(\d{3}\)\s?)?\d{1,4}(?:[\s.\-]?\d{2,4}){0,3}" + _EXT + r")\b"
                r"(?!\s{0,2}(?i:hours|hrs|h\b|[ap]\.?m\b|:\d))",
                0.8),
    ]
    CONTEXT: ClassVar[list[str]] = ["phone", "tel", "fax", "pager", "call", "cell", "contact", "extension"]

    def invalidate_result(self, pattern_text: str) -> bool | None:
        digits = sum(c.isdigit() for c in pattern_text)
        return digits < 4 or digits > 15

"""Ages over 89 (HIPAA Safe Harbor: ages 90+ are identifying and become "90+")."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from deid.recognizers.base import RadPatternRecognizer

_AGE = r"(?P<phi>9\d|1[01]\d|12[0-5])"


class AgeRecognizer(RadPatternRecognizer):
    """An age of 90 or more, written with a unit or after an age cue; younger ages are not PHI."""

    ENTITY = "AGE"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("age with unit (strong)", rf"(?<![\d.]){_AGE}(?:\s{{0,2}}|-)(?i:years?|yrs?|y/?o|yo|y\.o\.?)"
                r"(?:(?:\s{0,2}|-)(?i:old|of\s{1,2}age))?(?!\w)", 0.9),
        Pattern("age after cue (strong)", rf"\b(?i:age[d]?|aged|age:)\s{{0,3}}[:=]?\s{{0,3}}{_AGE}\b(?![.,]\d)", 0.9),
        Pattern("age sex shorthand (medium)", rf"(?<![\w.\-]){_AGE}\s{{0,1}}(?i:[mf]|yo\s{{0,2}}[mf]|"
                                              rf"y\s{{0,1}}[mf])\b", 0.7),
        Pattern("age in words (strong)", r"\b(?P<phi>(?i:ninety(?:[\s\-]{1,2}(?:one|two|three|four|five|six|seven|"
                r"eight|nine))?|one\s{1,2}hundred(?:\s{1,2}(?:and\s{1,2})?(?:one|two|three|four|five|six|seven|eight|nine|ten))?))"
                r"(?:\s{0,2}|-)(?i:years?|yrs?|y/?o|year-old)(?!\w)", 0.85),
        Pattern("nonagenarian words (strong)", r"\b(?P<phi>(?i:nonagenarian|centenarian))\b", 0.85),
    ]
    CONTEXT: ClassVar[list[str]] = ["age", "year", "old", "yo"]

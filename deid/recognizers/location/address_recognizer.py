"""Street addresses ("1200 N. Oak Street, Apt 4B", "PO Box 1234")."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from deid.recognizers.base import RadPatternRecognizer
from deid.recognizers.lexicon import STREET_SUFFIX

# lower case too (dictation writes "18 mill road"); a period only after an abbreviation ("N.", "Mt.")
_WORD = r"(?:[A-Za-z0-9][A-Za-z0-9'\-]{0,24}|[A-Za-z]{1,3}\.)"
_UNIT = (r"(?:,?\s{1,2}(?i:apt|apartment|suite|ste|unit|#|floor|fl|room|rm|bldg|"
         r"building)\.?\s{0,2}#?\s{0,2}[A-Z0-9\-]{1,6})?")


_UNITS = frozenset({"cm", "mm", "m", "ml", "cc", "mg", "kg", "g", "x", "by", "of", "in", "the", "a", "and", "with",
                    "level", "levels", "view", "views", "image", "images", "series", "lesion", "lesions", "loop",
                    "loops", "small", "large", "bowel", "vessel", "vessels", "node", "nodes", "minutes", "minute",
                    "min", "hours", "hour", "seconds", "days", "weeks", "dose", "low-dose"})


class StreetAddressRecognizer(RadPatternRecognizer):
    ENTITY = "LOCATION"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("street address (strong)", rf"(?<![\w/.\-:])\d{{1,6}}[A-Z]?\s{{1,3}}(?:(?:[NSEW]|North|South|East|West|"
                rf"NE|NW|SE|SW)\.?\s{{1,2}})?(?:{_WORD}\s{{1,3}}){{0,4}}{STREET_SUFFIX}\b\.?{_UNIT}", 0.85),
        Pattern("zip after a street (strong)", rf"\b{STREET_SUFFIX}\.?,[ \t]{{1,2}}(?P<phi>\d{{5}}(?:-\d{{4}})?)\b",
                0.85),
        Pattern("po box (strong)", r"\b(?i:P\.?\s{0,1}O\.?\s{0,2}Box|"
                                   r"Post\s{1,2}Office\s{1,2}Box)\s{1,3}\d{1,8}\b", 0.9),
    ]
    CONTEXT: ClassVar[list[str]] = ["address", "lives", "resides", "street", "home"]
    TRUSTED_PATTERNS: ClassVar[frozenset[str]] = frozenset({"zip after a street (strong)"})

    def invalidate_result(self, pattern_text: str) -> bool | None:
        # "2 Dr" in "discussed with 2 Dr" and measurement phrases: a street needs a name word before the suffix.
        words = pattern_text.split()
        if len(words) < 3 and not pattern_text.lower().startswith(("po", "p.o", "post")):
            return True
        # "2 cm lesion close to", "3 small loops": a measurement, not a street ("18 mill road" is one)
        from spacy.lang.en.stop_words import STOP_WORDS

        from deid.vocabulary import is_clinical_word

        return any(w.lower().strip(".,") in _UNITS or w.lower() in STOP_WORDS or is_clinical_word(w, eponyms=False)
                   for w in words[1:-1])

"""City/state pairs ("Springfield, IL 62704"), ZIP codes after a state, and a site gazetteer of towns."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from deid.recognizers.base import RadPatternRecognizer
from deid.recognizers.lexicon import STATE, STATE_NAMES, US_STATES

_CITY = (r"(?:(?:St\.|Saint|Fort|Ft\.|Mount|Mt\.|New|North|South|East|West|Lake|Port|San|Santa|Los|Las|El|La)"
         r"[ \t]{1,2})?(?:\p{Lu}\p{Ll}{2,24}(?:[ \t\-]\p{Lu}\p{Ll}{2,24}){0,2}|"
         r"\p{Lu}{3,24}(?:[ \t\-]\p{Lu}{3,24}){0,2})")


# Two-letter states that are also credentials or words ("Jane Roe, MD", "PA", "IN", "OR") need a ZIP after them.
_UNAMBIGUOUS = "|".join(s for s in US_STATES if s not in {"MD", "PA", "DO", "ME", "IN", "OR", "OK", "HI", "MS", "DC"})


class CityStateRecognizer(RadPatternRecognizer):
    ENTITY = "LOCATION"
    # Safe Harbor keeps the state: only the town and the ZIP code are PHI ("(Springfield), IL (62704)").
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("city, state zip (strong)", rf"\b(?P<phi>{_CITY}),[ \t]{{1,2}}{STATE}\.?[ \t]{{1,2}}"
                r"(?P<phi2>\d{5}(?:-\d{4})?)\b", 0.9),
        Pattern("city state zip without comma (medium)", rf"\b(?P<phi>{_CITY})[ \t]{{1,2}}(?:{'|'.join(US_STATES)})"
                r"[ \t]{1,2}(?P<phi2>\d{5}(?:-\d{4})?)\b", 0.7),
        Pattern("city, state (strong)", rf"\b(?P<phi>{_CITY}),[ \t]{{1,2}}(?:{_UNAMBIGUOUS}|{STATE_NAMES})\b(?![\-'])",
                0.85),
        Pattern("lower-case city, state zip (medium)",
                rf"\b(?P<phi>\p{{Ll}}{{3,24}}(?:[ \t\-]\p{{Ll}}{{3,24}}){{0,2}}),[ \t]{{1,2}}"
                rf"(?:{'|'.join(s.lower() for s in US_STATES)})\.?[ \t]{{1,2}}(?P<phi2>\d{{5}}(?:-\d{{4}})?)\b", 0.8),
        Pattern("lower-case state zip (medium)", rf"\b(?:{'|'.join(s.lower() for s in US_STATES)})[ \t]{{1,2}}"
                r"(?P<phi>\d{5}(?:-\d{4})?)\b", 0.75),
        Pattern("state zip (strong)", rf"\b{STATE}[ \t]{{1,2}}(?P<phi>\d{{5}}(?:-\d{{4}})?)\b", 0.85),
        Pattern("zip after cue (strong)", r"\b(?i:zip|zip\s{0,1}code|postal\s{1,2}code)[\s:#]{0,4}"
                r"(?P<phi>\d{5}(?:-\d{4})?)\b", 0.9),
        Pattern("city after cue (medium)", r"\b(?i:lives(?:\s{1,2}alone|\s{1,2}with\s{1,2}\w{1,20})?\s{1,2}in|"
                                           r"resides\s{1,2}in|resident\s{1,2}of|from|"
                rf"transferred\s{{1,2}}from|moved\s{{1,2}}(?:to|from)|"
                rf"native\s{{1,2}}of)\s{{1,2}}(?P<phi>{_CITY})\b", 0.55),
    ]
    CONTEXT: ClassVar[list[str]] = ["city", "state", "zip", "lives", "resides", "address"]
    # A state (and ZIP) after the town anchors it: "Fairview, PA 15126" whatever word "Fairview" also is.
    TRUSTED_PATTERNS: ClassVar[frozenset[str]] = frozenset({"city, state zip (strong)", "city, state (strong)",
                                                            "city state zip without comma (medium)",
                                                            "state zip (strong)", "lower-case state zip (medium)",
                                                            "lower-case city, state zip (medium)"})

    def refine_span(self, text: str, start: int, end: int) -> tuple[int, int]:
        """An all-caps town after a cue stops at the first ordinary word ("FROM MERCY HOSPITAL WITH")."""
        value = text[start:end]
        if not (value.isupper() or value.islower()):
            return start, end
        from deid import lexicons

        return start, start + lexicons.leading_name_words(value)

    def invalidate_result(self, pattern_text: str) -> bool | None:
        from deid import lexicons
        from deid.vocabulary import is_clinical_phrase

        if lexicons.is_country(pattern_text):
            return True  # "immigrant from Bangladesh": a country is not an identifier (Safe Harbor)
        if lexicons.is_safe_word(pattern_text) and not lexicons.is_city(pattern_text):
            return True  # "withdrawal from Xanax"
        return is_clinical_phrase(pattern_text, eponyms=False)

    def invalidate_context(self, text: str, start: int, end: int) -> bool | None:
        from deid.recognizers.names.person_ner_recognizer import EPONYM_FOLLOWER

        return bool(EPONYM_FOLLOWER.match(text, end))  # "from Crohn disease" is not a town

"""Person names anchored by a cue: titles (Dr., Mrs.), report verbs ("discussed with", "dictated by"),
roles ("technologist:"), and credentials ("Jane Roe, MD"). Radiology names almost always come with one."""

from __future__ import annotations

from typing import ClassVar

import regex
from presidio_analyzer import Pattern

from deid.recognizers.base import RadPatternRecognizer
from deid.recognizers.lexicon import (
    CAPS_NAME,
    CREDENTIALS,
    LAST_FIRST,
    LAST_FIRST_CAPS,
    NAME_TOKEN,
    PERSON_NAME,
    TITLES,
)

_CUE_VERBS = (r"(?i:discussed|reviewed|communicated|conveyed|relayed|reported|notified|informed|called|paged|"
              r"telephoned|phoned|spoke|spoken|texted|messaged|faxed|sent|given|d/w|d\.w\.|consulted|seen)"
              r"(?:\s{1,3}(?i:the\s{1,3}(?:findings|results?|report)|findings|results?|this|these))?"
              r"(?:\s{1,3}(?i:in\s{1,3}person|by\s{1,3}(?:telephone|phone)|via\s{1,3}(?:telephone|phone|epic|secure\s{1,2}chat)"
              r"|telephonically|directly|verbally))?"
              r"\s{1,3}(?i:with|to|by)?")
_BY = (r"(?i:dictated|signed|read|reviewed|interpreted|transcribed|performed|verified|approved|attested|"
       r"electronically\s{1,2}signed|e-signed|authenticated|finalized|referred|ordered|requested|scanned|acquired|"
       r"supervised|prepared|edited)\s{1,3}(?i:by|on\s{1,2}behalf\s{1,2}of)")
_ROLE = (r"(?i:radiologist|technologist|technician|tech|sonographer|attending|resident|fellow|physician|provider|"
         r"surgeon|clinician|nurse|np|pa|pcp|cc|copy\s{1,2}to|ordering\s{1,2}(?:md|physician|provider|doctor)|"
         r"referring\s{1,2}(?:md|physician|provider|doctor)|primary\s{1,2}care(?:\s{1,2}(?:physician|provider))?|"
         r"interpreting\s{1,2}(?:radiologist|physician)|reading\s{1,2}radiologist|staff\s{1,2}radiologist|"
         r"husband|wife|son|daughter|mother|father|brother|sister|spouse|partner|guardian|caregiver|friend|"
         r"next\s{1,2}of\s{1,2}kin|emergency\s{1,2}contact|contact\s{1,2}person)")
_INSTITUTION_END = regex.compile(r"(?i:hospital|clinic|center|centre|institute|medicine|imaging|health|associates|"
                                 r"university|college|radiology|department|group|practice)$")
_NAME_OR_LF = rf"(?:{LAST_FIRST}|{LAST_FIRST_CAPS}|{PERSON_NAME}|{CAPS_NAME})"


class PersonCueRecognizer(RadPatternRecognizer):
    """The name after a title, report verb or role, or before a credential."""

    ENTITY = "PERSON"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("name after title (strong)", rf"\b{TITLES}\.?\s{{1,3}}(?P<phi>{PERSON_NAME}|{CAPS_NAME})", 0.9),
        Pattern("name after report verb (strong)", rf"\b{_CUE_VERBS}\s{{0,3}}(?:(?i:the\s{{1,2}})?{_ROLE}\.?\s{{1,3}})?"
                rf"(?:{TITLES}\.?\s{{1,3}})?(?P<phi>{_NAME_OR_LF})", 0.85),
        Pattern("name after 'by' verb (strong)", rf"\b{_BY}[\s:]{{0,3}}(?:{TITLES}\.?\s{{1,3}})?"
                rf"(?P<phi>{_NAME_OR_LF})", 0.9),
        Pattern("name after role (medium)", rf"\b{_ROLE}\s{{0,2}}[:\-,]?\s{{0,3}}(?:{TITLES}\.?\s{{1,3}})?"
                rf"(?P<phi>{_NAME_OR_LF})", 0.7),
        Pattern("name before credential (strong)", rf"(?P<phi>{_NAME_OR_LF}),?\s{{1,2}}{CREDENTIALS}(?![A-Za-z]|"
                                                   rf"[ \t]{{1,2}}\d{{5}})",
                0.85),
        Pattern("last, first on its own line (medium)", rf"^[ \t]{{0,4}}(?P<phi>{LAST_FIRST}|{LAST_FIRST_CAPS})"
                r"(?=[ \t]*\r?$|[ \t]{2,}|[ \t]*\()", 0.6),
        Pattern("name in apposition to patient (medium)", rf"\b(?i:the\s{{1,2}}patient|patient|pt)\s{{0,2}},\s{{1,2}}"
                rf"(?P<phi>{PERSON_NAME}),", 0.75),
        Pattern("sentence subject before a person verb (weak)", rf"(?:^|(?<=[.!?;][ \t]{{1,3}}))[ \t]{{0,4}}"
                rf"(?:{TITLES}\.?[ \t]{{1,2}})?(?P<phi>{NAME_TOKEN}(?:[ \t]{{1,2}}{NAME_TOKEN})?)[ \t]{{1,2}}"
                r"(?:called|phoned|paged|telephoned|returned|reports|reported|states|stated|denies|denied|declined|"
                r"refused|agrees|agreed|understands|understood|verbalized|arrived|presented|presents|says|said|"
                r"was\s(?:notified|informed|contacted|called|paged|seen|told|updated)|is\sa\s\d)\b", 0.55),
        Pattern("name before possessive role (medium)", rf"\b(?P<phi>{NAME_TOKEN}(?:\s{{1,2}}{NAME_TOKEN}){{0,2}})"
                r"(?:'s|\u2019s)\s{1,2}(?i:husband|wife|son|daughter|mother|father|caregiver|physician|doctor)", 0.7),
    ]
    TRUSTED_PATTERNS: ClassVar[frozenset[str]] = frozenset({"name after title (strong)",
                                                            "name before credential (strong)"})
    CONTEXT: ClassVar[list[str]] = ["dr", "doctor", "discussed", "dictated", "signed", "physician", "radiologist"]

    def refine_span(self, text: str, start: int, end: int) -> tuple[int, int]:
        """In an all-caps or all-lower-case match, keep the leading words that can be a name ("OVER" cannot)."""
        value = text[start:end]
        if not (value.isupper() or value.islower()):
            return start, end
        from deid import lexicons

        if "," in value and any(lexicons.name_kind(w) for w in value.replace(",", " ").split()):
            return start, end  # "BOWEL, HÉLÈNE": the LAST, FIRST shape is the evidence, whatever the surname means
        return start, start + lexicons.leading_name_words(value)

    def invalidate_result(self, pattern_text: str) -> bool | None:
        from deid.vocabulary import is_clinical_phrase

        if _INSTITUTION_END.search(pattern_text):
            return True  # "sent to Dana-Farber Cancer Institute": an organisation, the hospital recognizer's job
        if (pattern_text.isupper() or pattern_text.islower()) and "," not in pattern_text:  # not "SMALL, PAT"
            from deid import lexicons

            words = regex.findall(r"\p{L}[\p{L}'\u2019\-]*", pattern_text)
            if words and all(lexicons.is_safe_word(w) and lexicons.name_kind(w) != "strong" for w in words):
                return True  # "PAGED", "VERY ANXIOUS OVERNIGHT", "per zosyn": no casing, and no word of it a name
        return is_clinical_phrase(pattern_text, eponyms=False)

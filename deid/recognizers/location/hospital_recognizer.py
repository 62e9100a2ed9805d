"""Hospitals, clinics and imaging centres: a site gazetteer (config) plus institution-name patterns."""

from __future__ import annotations

from typing import ClassVar

import regex
from presidio_analyzer import Pattern

from deid.recognizers.base import RadPatternRecognizer

_INSTITUTION = (r"(?:(?i:Hospital|Hospitals|Medical[ \t]{1,2}Center|Medical[ \t]{1,2}Centre|Health[ \t]{1,2}System|"
                r"Health[ \t]{1,2}Center|"
                r"Healthcare|Health[ \t]{1,2}Care(?![ \t]{1,2}(?i:proxy|agent|power|decision|surrogate))|"
                r"Clinic|Clinics|Imaging[ \t]{1,2}Center|Imaging|Infirmary|"
                r"Medical[ \t]{1,2}Group|"
                r"Cancer[ \t]{1,2}Center|Cancer[ \t]{1,2}Institute|Children's|Childrens|Rehabilitation[ \t]{1,2}Center|"
                r"Nursing[ \t]{1,2}Home|Surgery[ \t]{1,2}Center|Surgical[ \t]{1,2}Center|Radiology[ \t]{1,2}Associates|"
                r"Health|Medicine|Memorial|University|College|Institute|Sanatorium|Hospice|Urgent[ \t]{1,2}Care|"
                r"Physicians|Associates|Diagnostics|Laboratories|Pharmacy|VA[ \t]{1,2}Medical[ \t]{1,2}Center|VAMC)"
                r"(?![\p{L}]))")
_NAME_WORD = r"(?:St\.|Saint|Mt\.|Mount|\p{Lu}[\p{L}'\u2019\-]{1,24}|of|the|and|&|OF|THE|AND)"

# In lower-case text nothing marks where a name starts: ordinary words before it are cut too.
_CUT_LOWER = frozenset({"the", "a", "an", "records", "record", "services", "service", "home", "care", "and", "or",
                        "of", "her", "his", "their", "is", "was", "who", "admission", "readmission", "discharge",
                        "placement", "transfer", "followed", "follow",
                        "up", "seen", "labs", "notes", "note", "physician", "doctor", "dr", "clinic", "visit"})
_INSTITUTION_WORD = regex.compile(r"(?i:hospitals?|medical|health|healthcare|clinics?|imaging|infirmary|cancer|"
                                  r"children's|childrens|rehabilitation|nursing|surgery|surgical|radiology|medicine|"
                                  r"memorial|university|college|institute|sanatorium|hospice|urgent|physicians|"
                                  r"associates|diagnostics|laboratories|pharmacy|vamc)")
_WEAK_LOWER_END = regex.compile(r"imaging|medicine|practice|associates|health|care")
_GENERIC_INSTITUTION = regex.compile(r"(?i:imaging|medicine|health|radiology)")
_LEAD_WORD = regex.compile(r"\p{L}[\p{L}'\u2019]*")
# Function words and verbs a hospital name does not contain ("of", "the", "and" it may: not here).
_CUT_AFTER = frozenset({"from", "to", "at", "in", "into", "over", "with", "by", "via", "for", "on", "sent", "seen",
                        "transferred", "transfer", "admitted", "discharged", "presented", "presents", "went", "came",
                        "back", "was", "is", "were", "are", "had", "has", "per", "called", "outside", "male",
                        "female", "man", "woman", "patient", "pt", "who", "which", "while", "after", "before",
                        "dated", "will", "would", "where", "when", "since"})
# After an all-caps match, up to four more words and an institution word still belong to it ("... IN THE MEMORIAL |
# GENERAL HOSPITAL"): the leftmost match ended at the first institution word it could.
_CUT_WORDS = "|".join(sorted(_CUT_AFTER))
_CAPS_TAIL = regex.compile(rf"(?:[ \t]{{1,2}}(?!(?i:{_CUT_WORDS})\b)\p{{Lu}}[\p{{Lu}}'\u2019\-]{{1,24}})"
                           rf"{{0,3}}[ \t]{{1,2}}{_INSTITUTION}")


class HospitalRecognizer(RadPatternRecognizer):
    """`Mercy General Hospital`, `St. Mary's Medical Center`, `University of Springfield Medical Center`."""

    ENTITY = "ORGANIZATION"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("institution name (strong)", rf"\b(?:[A-Z][A-Za-z'\u2019\-]{{1,24}}\.?[ \t]{{1,2}}"
                rf"(?:{_NAME_WORD}[ \t]{{1,2}}){{0,8}})"
                rf"{_INSTITUTION}(?:[ \t]{{1,2}}{_INSTITUTION}){{0,2}}(?:[ \t]{{1,2}}(?i:of|"
                rf"at)[ \t]{{1,2}}[A-Z][A-Za-z\-]{{1,24}}(?:[ \t]{{1,2}}[A-Z][A-Za-z\-]{{1,24}}){{0,2}})?",
                0.8),
        Pattern("university/saint institution (strong)", rf"\b(?:University|Univ\.|St\.|"
                                                         rf"Saint)[ \t]{{1,2}}(?:of[ \t]{{1,2}})?"
                rf"[A-Z][A-Za-z'\-]{{1,24}}(?:[ \t]{{1,2}}{_NAME_WORD}){{0,4}}[ \t]{{1,2}}{_INSTITUTION}", 0.85),
        Pattern("institution word first (strong)", r"\b(?:Hospital|Hôpital|Hopital|Clínica|Clinica|Clinique|Klinik|"
                                                   r"Klinikum|"
                r"Ospedale|Policlinico|Sanatorio|Centro[ \t]M[ée]dico|Universitätsklinikum|Infirmary|Clinic)"
                r"(?:[ \t]{1,2}(?:of|de|del|de[ \t]la|des|du|di|the|and|für|General|Universitario|Universitaire|"
                r"Universitario|Regional|Central|St\.|San|Santa|Saint|\p{Lu}[\p{L}'\u2019\-]{1,24})){1,6}", 0.8),
        Pattern("lower-case institution name (medium)",
                r"(?<![\p{L}\-])(?:(?:\p{Ll}[\p{Ll}'\u2019\-]{1,24}|st\.|mt\.)[ \t]{1,2}){1,4}"
                r"(?:hospital|medical[ \t]{1,2}cent(?:er|re)|health[ \t]{1,2}(?:center|system)|clinic|infirmary|"
                r"cancer[ \t]{1,2}(?:center|institute)|imaging[ \t]{1,2}center|rehabilitation[ \t]{1,2}center|"
                r"nursing[ \t]{1,2}home|surgery[ \t]{1,2}center|hospice|urgent[ \t]{1,2}care|imaging|medicine|"
                r"practice|associates|health)(?:[ \t]{1,2}(?:of|at)[ \t]{1,2}(?!(?:the|a|an|this|that|her|his)\b)"
                r"\p{Ll}{3,24})?(?![\p{L}])", 0.6),
        Pattern("facility code in a delimited header (weak)",
                r"(?<=\|[ \t]{0,3})(?P<phi>[A-Z]{2,6}|[a-z]{2,6})(?=[ \t]*(?:\||"
                                                              r"\r?$))",
                0.5),
    ]
    NEEDS: ClassVar[dict[str, tuple[str, ...]]] = {"facility code in a delimited header (weak)": ("|",)}
    CONTEXT: ClassVar[list[str]] = ["hospital", "center", "clinic", "outside", "transferred", "facility"]

    _GENERIC_HEAD = regex.compile(r"^(?:The|An?|Outside|Our|This|Other|Prior|Local|Community|Any|Per|At|From|In|To|Of|"
                                  r"Referring|Sending|Receiving|Nearby|Another|Same|Previous|Tertiary|Home|"
                                  r"Diagnostic|Interventional|Nuclear|Emergency|Internal|Family|Sports|Pediatric|Women's|"
                                  r"Breast|Body|Neuro|Musculoskeletal|Thoracic|Abdominal|Cardiac|Vascular|Oncology|"
                                  r"Department|Dept\.?|Division|Section|Service|Radiology|Imaging)\b")

    def __init__(self, gazetteer: list[str] | None = None, **kwargs) -> None:
        extra = []
        names = [g for g in (gazetteer or []) if g.strip()]
        if names:
            alternation = "|".join(regex.escape(g.strip()) for g in sorted(names, key=len, reverse=True))
            extra.append(Pattern("site gazetteer (strong)", rf"(?<!\w)(?i:{alternation})(?!\w)", 0.95))
        super().__init__(extra_patterns=extra, **kwargs)

    def refine_span(self, text: str, start: int, end: int) -> tuple[int, int]:
        """Start after the last function word before the name ("SENT OVER FROM | MERCY HOSPITAL"): in an
        all-caps line every word is capitalised, so the pattern alone would swallow the sentence."""
        value = text[start:end]
        # no casing to mark where a name starts: "records from the mercy regional medical center", "IS HER ..."
        lower = value.islower() or value.isupper()
        if value.isupper() and (tail := _CAPS_TAIL.match(text, end)):
            end = tail.end()
        cut, stop, seen_institution = start, end, False
        for m in _LEAD_WORD.finditer(text, start, end):
            word = m.group().lower()
            if _INSTITUTION_WORD.fullmatch(word):
                seen_institution = True  # "Children's Hospital at Montefiore": "at" is part of the name after it
            elif (word in _CUT_AFTER or (lower and word in _CUT_LOWER)) and not seen_institution:
                cut = m.end()
            elif word in _CUT_AFTER - {"at"}:
                stop = m.start()  # "HOSPITAL WITH INCREASED SOB": the name ended before "WITH"
                break
        return cut, stop

    def invalidate_result(self, pattern_text: str) -> bool | None:
        from deid.vocabulary import is_clinical_word

        institution = [w for w in _LEAD_WORD.findall(pattern_text) if _INSTITUTION_WORD.fullmatch(w)]
        if institution and institution[-1].islower() and not pattern_text.islower():
            return True  # "Further imaging", "XXXX medicine": a name writes its institution word with a capital
        words = _LEAD_WORD.findall(pattern_text)
        if pattern_text.islower() and words and _WEAK_LOWER_END.fullmatch(words[-1]):
            from deid import lexicons

            # "hudson valley imaging" names a place; "further imaging", "family practice" do not
            lead = [w for w in words[:-1] if w not in ("urgent", "sports", "family", "radiology")]
            if all(lexicons.is_known_word(w) and not lexicons.name_kind(w) and not lexicons.is_city(w) for w in lead):
                return True
        if pattern_text.isupper() and len(institution) == 1 and words[-1] == institution[0] \
                and _GENERIC_INSTITUTION.fullmatch(institution[0]):
            from deid import lexicons

            lead = words[:-1]
            if all(lexicons.is_safe_word(w) and not lexicons.name_kind(w) and not lexicons.is_city(w) for w in lead):
                return True  # "NEED ADDITIONAL IMAGING": an all-caps sentence ending in a field, not a name

        if pattern_text.isupper() and len(pattern_text) <= 6 and " " not in pattern_text:
            return is_clinical_word(pattern_text)  # a facility code, unless it is a modality or the like
        if pattern_text.islower() and len(pattern_text) <= 6 and " " not in pattern_text:
            from deid import lexicons

            return is_clinical_word(pattern_text) or lexicons.is_common_word(pattern_text)  # "| bmh", not "| done"
        words = pattern_text.split()
        while words and words[-1] in ("of", "de", "del", "des", "du", "di", "the", "and", "für", "la"):
            words = words[:-1]
        # Strip generic lead words one at a time: "Outside Hospital" and "Diagnostic Imaging" are not names.
        while words and (words[0].lower() in ("of", "the", "and", "&") or
                         self._GENERIC_HEAD.match(words[0] if words[0][:1].isupper() and not words[0].isupper()
                                                  else words[0].title())):
            words = words[1:]
        if len(words) <= 1:
            return True
        from deid.vocabulary import is_clinical_phrase

        return is_clinical_phrase(" ".join(words[:-1]))

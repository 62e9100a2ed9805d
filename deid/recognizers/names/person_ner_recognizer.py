"""spaCy NER (run only on name-bearing regions, see deid.candidates) for names, places and institutions."""

from __future__ import annotations

from typing import ClassVar

import regex
from presidio_analyzer import RecognizerResult
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from deid.recognizers.base import make_result

# Words that follow an eponym: "Baker's cyst", "Foley catheter", "Hounsfield units", "Crohn disease".
EPONYM_FOLLOWER = regex.compile(
    r"(?:'s|\u2019s|s)?[ \t]{1,2}(?i:disease|syndrome|sign|fracture|cyst|catheter|tube|units?|malformation|hernia|ring|"
    r"lesion|node|space|pouch|fat|fascia|lines?|classification|criteria|grade|score|type|procedure|operation|"
    r"incision|view|position|maneuver|deformity|lymphoma|tumou?r|sarcoma|ulcer|esophagus|diverticulum|foramen|"
    r"canal|duct|triangle|ligament|joint|lesion|phenomenon|effect|stage|scale|staging|thyroiditis|palsy|ileitis|"
    r"colitis|contracture|neuroma|balloon|drain|valve|shunt|rod|nail|criteria|body|bodies|nodes|lymph|artery|"
    r"vein|sinus|area|bursa|cell|cells|pattern|index|angle|line|zone|category|class|lesions|I|II|III|IV|V|0|1|2|3|4|5|6)\b")
_NEVER_PERSON = frozenset({"hounsfield", "foley", "ct", "mri", "mr", "cta", "pet", "bi-rads", "li-rads", "pacs",
                           "findings", "impression", "comparison", "technique", "indication", "history"})


def only_safe_words(value: str) -> bool:
    """Is every word of an NER span a known safe word (clinical, English, a drug) and none a name or town?"""
    from deid import lexicons

    words = regex.findall(r"\p{L}[\p{L}'\u2019]*", value)
    return bool(words) and all(len(w) < 2 or (lexicons.is_safe_word(w) and not lexicons.name_kind(w)
                                              and not lexicons.is_city(w)) for w in words)


class PersonNerRecognizer(SpacyRecognizer):
    """spaCy's PERSON / GPE / LOC / FAC / ORG entities, with clinical eponyms and terms removed."""

    ENTITIES: ClassVar[list[str]] = ["PERSON", "LOCATION", "ORGANIZATION"]
    SCORES: ClassVar[dict[str, float]] = {"PERSON": 0.8, "LOCATION": 0.6, "ORGANIZATION": 0.5}

    def __init__(self, supported_entities: list[str] | None = None, **kwargs) -> None:
        super().__init__(supported_entities=supported_entities or list(self.ENTITIES), name="PersonNerRecognizer",
                         **kwargs)

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        from deid.vocabulary import is_clinical_phrase

        results = []
        if not nlp_artifacts:
            return results
        for ent in nlp_artifacts.entities:
            label = ent.label_
            if label not in self.supported_entities:
                continue
            value = ent.text
            stripped = value.strip(" .,:;'\u2019")
            if len(stripped) < 2 or not any(c.isalpha() for c in stripped) or not stripped[0].isupper():
                continue
            if "\n" in value or "  " in value or "\t" in value:
                continue  # NER across header fields ("MD    Accession") is not one entity
            if stripped.lower() in _NEVER_PERSON:
                continue
            if is_clinical_phrase(stripped) and (label != "PERSON" or EPONYM_FOLLOWER.match(text, ent.end_char)
                                                 or stripped.isupper() or "\n" in value):
                continue
            if label == "PERSON" and is_clinical_phrase(stripped, eponyms=False):
                continue  # "Xray Chest PA" in an exam caption: no word of it could be a surname
            if label != "PERSON" and (stripped.isupper() or any(c.isdigit() for c in stripped)):
                continue  # "CT", "LLL", "T12": NER calls acronyms organisations
            if only_safe_words(stripped):
                continue  # "Calcified", "Sequelae", "Comparison": NER's guesses at capitalised clinical words
            results.append(make_result(self, label, ent.start_char, ent.end_char, self.SCORES.get(label, 0.6),
                                       f"spacy ner {label.lower()}"))
        return results

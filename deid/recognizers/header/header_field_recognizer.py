"""Values of known PHI header fields ("Patient: ROE, JANE", "DOB: 01/02/1950") are PHI whatever NER says.

One recognizer for every header type: which label means which entity is the table FIELDS (a site
adds its own labels in the config), and the value runs to the end of the field — the end of the
line, a `|`, a tab, two spaces, or the next `Label:`.
"""

from __future__ import annotations

from typing import ClassVar

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult

from deid.recognizers.base import REGEX_TIMEOUT_S, make_result
from deid.recognizers.lexicon import CREDENTIALS

FIELDS: dict[str, list[str]] = {
    "PERSON": [r"patient(?:'s)?\s{0,2}name", r"patient", r"pt\.?\s{0,2}name", r"pt", r"name",
               r"patient\s{1,2}full\s{1,2}name",
               r"referring(?:\s{1,2}(?:physician|provider|doctor|md|dr\.?|"
               r"clinician))?", r"ordering(?:\s{1,2}(?:physician|provider|doctor|md|clinician))?",
               r"attending(?:\s{1,2}(?:physician|radiologist))?", r"radiologist", r"reading\s{1,2}radiologist",
               r"interpreting\s{1,2}(?:physician|radiologist)", r"technologist", r"tech", r"sonographer", r"resident",
               r"fellow", r"dictated\s{1,2}by", r"signed\s{1,2}by", r"read\s{1,2}by", r"transcribed\s{1,2}by",
               r"transcriptionist", r"verified\s{1,2}by", r"electronically\s{1,2}signed\s{1,2}by", r"pcp",
               r"primary\s{1,2}care(?:\s{1,2}(?:physician|"
               r"provider))?", r"physician", r"provider", r"cc", r"copy\s{1,2}to",
               r"guarantor", r"next\s{1,2}of\s{1,2}kin", r"emergency\s{1,2}contact", r"contact", r"mother", r"father",
               r"spouse", r"guardian", r"performed\s{1,2}by", r"requested\s{1,2}by", r"approved\s{1,2}by"],
    "ID": [r"mrn", r"medical\s{1,2}record(?:\s{1,2}(?:number|no\.?|#))?", r"med\.?\s{0,2}rec\.?(?:\s{0,2}(?:#|no\.?))?",
           r"patient\s{1,2}id", r"pt\.?\s{0,2}id", r"accession(?:\s{0,2}(?:number|no\.?|#|num))?", r"acc\.?\s{0,2}#?",
           r"account(?:\s{1,2}(?:number|no\.?|#))?", r"acct\.?\s{0,2}#?", r"encounter(?:\s{1,2}(?:id|number|no\.?|#))?",
           r"visit(?:\s{1,2}(?:id|number|no\.?|#))", r"order(?:\s{1,2}(?:id|number|no\.?|#))", r"fin", r"csn", r"har",
           r"ssn", r"social\s{1,2}security(?:\s{1,2}(?:number|no\.?|#))?", r"insurance(?:\s{1,2}(?:id|number|no\.?|"
                                                                           r"#))?",
           r"member\s{1,2}id", r"policy(?:\s{1,2}(?:number|no\.?|#))?", r"npi", r"device\s{1,2}(?:id|serial)",
           r"serial(?:\s{1,2}(?:number|no\.?|#))?", r"study\s{1,2}(?:id|uid|instance\s{1,2}uid)", r"series\s{1,2}uid",
           r"sop\s{1,2}instance\s{1,2}uid", r"requisition(?:\s{1,2}(?:number|no\.?|#))?", r"exam\s{1,2}(?:id|number|"
                                                                                          r"no\.?|#)",
           r"license(?:\s{1,2}(?:number|no\.?|#))?", r"health\s{1,2}plan(?:\s{1,2}(?:id|"
                                                     r"number))?", r"unit\s{1,2}(?:no\.?|number)"],
    "DATE": [r"dob", r"d\.o\.b\.?", r"date\s{1,2}of\s{1,2}birth", r"birth\s{0,2}date", r"birthdate", r"born",
             r"exam\s{1,2}date(?:/time)?", r"date\s{1,2}of\s{1,2}(?:exam|service|study|procedure|admission|discharge|"
                                           r"death|visit|injury|report)",
             r"study\s{1,2}date(?:/time)?", r"report\s{1,2}date", r"date(?:/time)?", r"date\s{1,2}and\s{1,2}time",
             r"dos",
             r"admission\s{1,2}date", r"admit\s{1,2}date", r"admitted", r"discharge\s{1,2}date", r"discharged",
             r"dictated(?:\s{1,2}(?:on|date))?", r"signed(?:\s{1,2}(?:on|date))?", r"transcribed(?:\s{1,2}(?:on|"
                                                                                   r"date))?",
             r"date\s{1,2}dictated", r"date\s{1,2}signed", r"date\s{1,2}transcribed", r"exam\s{1,2}time",
             r"performed(?:\s{1,2}on)?", r"scheduled", r"collected", r"received", r"finalized(?:\s{1,2}on)?", r"dod"],
    "PHONE": [r"phone", r"tel\.?", r"telephone", r"fax", r"pager", r"cell", r"mobile", r"home\s{1,2}phone",
              r"work\s{1,2}phone", r"contact\s{1,2}(?:number|phone|#)", r"callback(?:\s{1,2}number)?", r"beeper"],
    "LOCATION": [r"address", r"home\s{1,2}address", r"street", r"city", r"town", r"state", r"zip", r"zip\s{0,2}code",
                 r"postal\s{1,2}code", r"residence", r"county"],
    "ORGANIZATION": [r"facility", r"hospital", r"institution", r"performing\s{1,2}facility", r"ordering\s{1,2}facility",
                     r"referring\s{1,2}facility", r"clinic", r"practice", r"employer", r"organization",
                     r"performing\s{1,2}site", r"sending\s{1,2}facility"],
    "EMAIL": [r"e-?mail(?:\s{1,2}address)?"],
    "URL": [r"url", r"website", r"web\s{1,2}site", r"portal"],
    "IP": [r"ip(?:\s{1,2}address)?", r"workstation\s{1,2}ip"],
    "AGE": [r"age"],
}

_PERSON_END = regex.compile(rf",?[ \t]{{1,2}}{CREDENTIALS}(?![\p{{L}}])|(?<=,[^,]{{1,60}}),")
_VALUE_SHAPE = {
    "ID": regex.compile(r"[\w\-/.#^]{1,40}(?:\^[\w\-]{1,20}){0,4}"),
    "PHONE": regex.compile(r"[\d()+][\d()+\-. ]{2,24}(?:\s{0,2}(?:x|ext\.?)\s{0,2}\d{1,6})?"),
    "DATE": regex.compile(r"[\w][\w/\-.,: ]{0,39}"),
    "EMAIL": regex.compile(r"\S{3,120}"),
    "URL": regex.compile(r"\S{3,500}"),
    "IP": regex.compile(r"[\w.:]{3,60}"),
}
_PERSON_TAIL = regex.compile(r"[ \t]{1,2}(?:\(|(?i:cell|home|work|phone|tel|pager|mobile|hcp|poa|ph)\b)")
_KIN_LEAD = regex.compile(r"(?i:(?:pt'?s|patient'?s|her|his)[ \t]{1,2})?(?i:sister|brother|son|daughter|wife|"
                          r"husband|mother|father|partner|spouse|niece|nephew|neighbou?r|friend|aunt|uncle|cousin|"
                          r"grandson|granddaughter|guardian|caregiver)[ \t,:]{1,3}")
# The end of a sentence inside a free-text value: a period (not after an initial or a title) before a space.
_SENTENCE_END = regex.compile(r"(?<!\b\p{Lu}|\b(?:Dr|Mr|Mrs|Ms|St|Mt|Jr|Sr|Prof))\.(?=\s)")
_ANCHOR = regex.compile(r"^|(?<=[|\t;])|(?<=[ \t]{2})(?=[^ \t])", regex.MULTILINE)
_AGE_OVER_89 = regex.compile(r"(?<!\d)(?:9\d|1[01]\d|12[0-5])(?!\d)")


class HeaderFieldRecognizer(EntityRecognizer):
    """The value of a labelled header field, typed by the label."""

    FIELDS: ClassVar[dict[str, list[str]]] = FIELDS
    SCORE: ClassVar[float] = 0.95

    def __init__(self, fields: dict[str, list[str]] | None = None, extra_fields: dict[str, list[str]] | None = None,
                 name: str | None = None) -> None:
        table = {k: list(v) for k, v in (fields or self.FIELDS).items()}
        for entity, labels in (extra_fields or {}).items():
            table.setdefault(entity, []).extend(labels)
        self.fields = table
        super().__init__(supported_entities=sorted(table), name=name or "HeaderFieldRecognizer")
        # One regex for all labels (longest first), tried only where a field can start: a line start, after a
        # `|`, tab or `;`, or after two spaces. Which label matched is looked up afterwards (few matches a report).
        labels = sorted((label for group in table.values() for label in group), key=len, reverse=True)
        alternation = "|".join(labels)
        self._entity_of = [(entity, regex.compile(rf"(?i:{label})")) for entity, group in table.items()
                           for label in sorted(group, key=len, reverse=True)]
        self._field = regex.compile(
            rf"[ \t]{{0,20}}(?P<label>(?i:{alternation}))[ \t]{{0,5}}(?:[:#=]|\.{{2,}})[ \t]{{0,10}}"
            rf"(?P<value>[^\n|\t;]{{1,160}}?)(?=[ \t]{{2,}}|[ \t]*[|\t;]|[ \t]*\r?$|"
            rf"[ \t]+(?i:{alternation})[ \t]{{0,5}}[:#])",
            regex.MULTILINE)

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        results = []
        matches = []
        last_end = -1
        for anchor in _ANCHOR.finditer(text):
            pos = anchor.start()
            if pos < last_end:
                continue
            try:
                m = self._field.match(text, pos, timeout=REGEX_TIMEOUT_S)
            except TimeoutError:
                continue
            if m:
                matches.append(m)
                last_end = m.end()
        for m in matches:
            label = m.group("label")
            entity = next((e for e, rx in self._entity_of if rx.fullmatch(label)), None)
            if entity is None:
                continue
            start, end = m.span("value")
            value = m.group("value")
            shape = _VALUE_SHAPE.get(entity)
            if shape is not None:  # an identifier, phone or date value is one compact run, not the rest of a line
                head = shape.match(value)
                if not head:
                    continue
                end = start + head.end()
            else:
                stop = _SENTENCE_END.search(value)
                if stop:
                    end = start + stop.start()
            if entity == "PERSON":
                cut = _PERSON_END.search(text[start:end])  # "Jane Roe NP, Cambridge Hospital": the name ends here
                if cut:
                    end = start + cut.start()
                cut = _PERSON_TAIL.search(text, start, end)  # "sister Chloë (HCP) cell (312)...": the name ends here
                if cut:
                    end = cut.start()
                lead = _KIN_LEAD.match(text, start, end)  # "sister Chloë": the kinship word is no part of the name
                if lead:
                    start = lead.end()
            elif entity == "AGE":
                age = _AGE_OVER_89.search(value)
                if not age:
                    continue
                start, end = start + age.start(), start + age.end()
            while end > start and text[end - 1] in " .,;:":
                end -= 1
            while start < end and text[start] in " \t":
                start += 1
            if end <= start or not self._plausible(entity, text[start:end]):
                continue
            results.append(make_result(self, entity, start, end, self.SCORE, f"header {entity.lower()} field (strong)"))
        return results

    @staticmethod
    def _plausible(entity: str, value: str) -> bool:
        """Placeholders and clinical values after a PHI label are not PHI ("Date: N/A", "Contact: none")."""
        low = value.lower()
        if low in {"n/a", "na", "none", "unknown", "not available", "not provided", "-", "--", "xx", "see below", "yes",
                   "no", "male", "female", "m", "f", "other", "self"}:
            return False
        if entity in ("ID", "PHONE", "DATE"):
            return any(c.isdigit() for c in value) or entity == "DATE" and any(c.isalpha() for c in value)
        if entity == "PERSON":
            from deid.vocabulary import is_clinical_phrase

            return any(c.isalpha() for c in value) and not is_clinical_phrase(value)
        return True

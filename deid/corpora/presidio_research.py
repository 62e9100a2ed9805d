"""`presidio-research`: Microsoft's 1,500 synthetic PII sentences (MIT), text radforge never wrote.

The file is committed in tests/data/presidio-research/ (see the README there: source commit,
licence, type mapping). Its types map onto radforge's contract; job titles, nationalities and
domain names, and the parts of its DATE_TIME / GPE / AGE labels that Safe Harbor does not call
identifiers (a bare year, a weekday, a country, a state code, an age under 90), go to `ignore`.
"""

from __future__ import annotations

import json

import regex

from deid.corpora.base import TEST_DATA, Corpus, CorpusError, GoldDoc, check_doc, sample

NAME = "presidio-research"
PATH = TEST_DATA / "presidio-research" / "synth_dataset_v2.json"

TYPE_MAP = {
    "PERSON": "PERSON", "PHONE_NUMBER": "PHONE", "EMAIL_ADDRESS": "EMAIL",
    "CREDIT_CARD": "ID", "IBAN_CODE": "ID", "US_SSN": "ID", "US_DRIVER_LICENSE": "ID",
    "STREET_ADDRESS": "LOCATION", "GPE": "LOCATION", "ZIP_CODE": "LOCATION",
    "DATE_TIME": "DATE", "AGE": "AGE", "IP_ADDRESS": "IP", "ORGANIZATION": "ORGANIZATION",
}
IGNORED_TYPES = frozenset({"TITLE", "NRP", "DOMAIN_NAME"})

_YEAR = regex.compile(r"\d{4}|'\d{2}")
_WEEKDAY = regex.compile(r"(?i)(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?")
# the countries the file holds, and a few more: the country is the one geographic unit Safe Harbor keeps
COUNTRIES = frozenset(c.casefold() for c in (
    "Australia", "Austria", "Belgium", "Brazil", "Canada", "Cyprus", "Cyprus (Greek)", "Czech Republic", "Czechia",
    "Denmark", "Estonia", "Finland", "France", "Germany", "Greenland", "Hungary", "Iceland", "Ireland", "Italy",
    "Mexico", "Netherlands", "New Zealand", "Norway", "Poland", "Portugal", "Slovenia", "South Africa", "Spain",
    "Sweden", "Switzerland", "Tunisia", "United Kingdom", "UK", "United States", "USA", "US", "Uruguay",
))
DEMONYMS = frozenset({"greenlander", "greenlanders"})
_STATE_CODE = regex.compile(r"[A-Z]{2}")


def ignore_reason(presidio_type: str, value: str) -> str | None:
    """Why a labelled value is not a HIPAA identifier (the ignore span's type), or None when it is one."""
    if presidio_type in IGNORED_TYPES:
        return presidio_type
    v = value.strip()
    if presidio_type == "DATE_TIME":
        if _YEAR.fullmatch(v):
            return "YEAR"
        if _WEEKDAY.fullmatch(v):
            return "WEEKDAY"
    if presidio_type == "GPE":
        if v.casefold() in COUNTRIES:
            return "COUNTRY"
        if v.casefold() in DEMONYMS:  # labelled GPE in some templates; a nationality like NRP
            return "NRP"
        if _STATE_CODE.fullmatch(v):
            return "STATE"
        if v.casefold() == "nan":  # an empty cell of the generator's table, printed as text
            return "ARTEFACT"
    if presidio_type == "AGE" and v.isdigit() and int(v) < 90:
        return "AGE_UNDER_90"  # Safe Harbor: only ages over 89 are identifiers
    return None


def convert(record: dict, doc_id: str) -> GoldDoc:
    """One file record {"full_text", "spans": [{entity_type, start_position, end_position, entity_value}]}."""
    text = record["full_text"]
    spans, ignore = [], []
    for s in record.get("spans") or []:
        kind, start, end = s["entity_type"], s["start_position"], s["end_position"]
        if text[start:end] != s["entity_value"]:
            raise CorpusError(f"{PATH.name} record {doc_id}: span [{start}:{end}] does not hold its value")
        reason = ignore_reason(kind, s["entity_value"])
        if reason is not None:
            ignore.append({"start": start, "end": end, "type": reason})
        elif kind in TYPE_MAP:
            spans.append({"start": start, "end": end, "type": TYPE_MAP[kind]})
        else:
            raise CorpusError(f"{PATH.name} record {doc_id}: entity type {kind} has no mapping (a new release?)")
    key = lambda d: (d["start"], d["end"])  # noqa: E731
    return check_doc(GoldDoc(id=doc_id, text=text, spans=tuple(sorted(spans, key=key)),
                             ignore=tuple(sorted(ignore, key=key))))


def load(limit: int | None = None, seed: int = 4242) -> Corpus:
    if not PATH.is_file():
        raise CorpusError(f"the presidio-research corpus is missing: expected {PATH} (part of a radforge clone)")
    with open(PATH, encoding="utf-8") as fh:
        records = json.load(fh)
    docs = [convert(r, f"pr-{i:04d}") for i, r in enumerate(records)]
    return Corpus(name=NAME, docs=tuple(sample(docs, limit, seed)))

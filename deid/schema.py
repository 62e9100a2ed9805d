"""The records that cross the de-identification boundary (the API other packages code against)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# The types every consumer sees. Presidio's names (PHONE_NUMBER, DATE_TIME, ...) are mapped onto these.
ENTITY_TYPES = ("PERSON", "DATE", "AGE", "ID", "PHONE", "EMAIL", "URL", "IP", "LOCATION", "ORGANIZATION")

PRESIDIO_TO_CONTRACT = {
    "PHONE_NUMBER": "PHONE", "EMAIL_ADDRESS": "EMAIL", "IP_ADDRESS": "IP", "DATE_TIME": "DATE",
    "US_SSN": "ID", "MEDICAL_LICENSE": "ID", "US_DRIVER_LICENSE": "ID", "US_PASSPORT": "ID",
    "US_BANK_NUMBER": "ID", "CREDIT_CARD": "ID", "IBAN_CODE": "ID", "US_ITIN": "ID", "NRP": "LOCATION",
    "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION", "ORG": "ORGANIZATION", "PER": "PERSON",
}


def contract_type(entity_type: str) -> str:
    """Map any recognizer's entity name onto the contract's ten types."""
    return PRESIDIO_TO_CONTRACT.get(entity_type, entity_type)


@dataclass
class RawReport:
    """One report as it leaves the raw zone. Metadata fields are used for keys, date shift and known-value search."""

    report_id: str
    text: str
    mrn: str | None = None
    accession: str | None = None
    exam_datetime: datetime | str | None = None
    patient_name: str | None = None
    dob: str | None = None
    version: int | None = None


@dataclass(frozen=True)
class Entity:
    """A PHI span; offsets point into the ORIGINAL text."""

    start: int
    end: int
    type: str
    recognizer: str
    score: float


@dataclass
class DeidResult:
    report_id: str
    text_deid: str | None
    entities: list[Entity] = field(default_factory=list)
    quarantined: str | None = None
    patient_key: str | None = None
    report_key: str | None = None
    exam_datetime_shifted: datetime | None = None
    exam_year: int | None = None
    engine_version: str = ""
    preredacted: int = 0

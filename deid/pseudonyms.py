"""Keyed pseudonyms: patient/report/accession keys and the per-patient date offset.

All of them are HMACs under the site secret (`radforge.secret.keyed_hash`): a plain hash of an
MRN can be reversed by hashing every possible MRN; an HMAC cannot without the secret.
"""

from __future__ import annotations

from radforge.secret import keyed_hash

MAX_SHIFT_DAYS = 365


def patient_key(secret: bytes, mrn: str | None) -> str | None:
    return keyed_hash(secret, "patient", mrn.strip()) if mrn and mrn.strip() else None


def report_key(secret: bytes, accession: str | None, version: int | None) -> str | None:
    if not accession or not accession.strip():
        return None
    return keyed_hash(secret, "report", f"{accession.strip()}:{version if version is not None else 1}")


def accession_key(secret: bytes, accession: str | None) -> str | None:
    return keyed_hash(secret, "accession", accession.strip()) if accession and accession.strip() else None


def date_shift_days(secret: bytes, patient: str) -> int:
    """A per-patient offset in ±(1..365) days, never 0, stable for a secret.

    `patient` is the patient key (or, without an MRN, the report id): the same patient gets
    the same offset in every report, so intervals between their exams survive.
    """
    value = int(keyed_hash(secret, "dateshift", patient, length=8), 16)
    magnitude = 1 + value % MAX_SHIFT_DAYS
    return magnitude if (value >> 20) & 1 else -magnitude


def text_hash(secret: bytes, text: str) -> str:
    """Keyed hash of a text for the audit trail (proves which input/output, reveals nothing)."""
    return keyed_hash(secret, "text", text)

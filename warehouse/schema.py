"""radforge's report schema, the default export-column mapping and the zone schemas (contracts)."""

from __future__ import annotations

import polars as pl

REPORT_FIELDS = ("report_id", "accession", "mrn", "patient_name", "dob", "exam_datetime", "modality",
                 "body_part", "facility", "version", "text")

# Export column -> radforge field. Matched case-insensitively; a site's [warehouse.column_mapping]
# is applied on top (it wins). Covers the synth JSONL keys, the RIS-style CSV header and common variants.
DEFAULT_COLUMN_MAPPING: dict[str, str] = {
    # radforge / synth JSONL keys
    "id": "report_id", "report_id": "report_id", "accession": "accession", "mrn": "mrn",
    "patient_name": "patient_name", "dob": "dob", "exam_datetime": "exam_datetime", "modality": "modality",
    "body_part": "body_part", "facility": "facility", "version": "version", "text": "text",
    # RIS-style CSV export (synth reports.csv header)
    "accessionnumber": "accession", "patientname": "patient_name", "examdatetime": "exam_datetime",
    "bodypart": "body_part", "reporttext": "text",
    # common variants
    "accession_number": "accession", "accessionno": "accession", "medical_record_number": "mrn",
    "patient_id": "mrn", "birth_date": "dob", "date_of_birth": "dob", "study_date": "exam_datetime",
    "exam_date": "exam_datetime", "report_text": "text", "report": "text", "body_region": "body_part",
}

RAW_SCHEMA: dict[str, pl.DataType] = {
    "row_id": pl.String(), "source_file": pl.String(), "row_number": pl.Int64(), "report_id": pl.String(),
    "accession": pl.String(), "mrn": pl.String(), "patient_name": pl.String(), "dob": pl.String(),
    "exam_datetime": pl.Datetime("us"), "modality": pl.String(), "body_part": pl.String(),
    "facility": pl.String(), "version": pl.Int32(), "text": pl.String(),
}

QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "row_id": pl.String(), "source_file": pl.String(), "row_number": pl.Int64(), "stage": pl.String(),
    "reason": pl.String(), "raw_record": pl.String(),
}

DEID_SCHEMA: dict[str, pl.DataType] = {
    "patient_key": pl.String(), "report_key": pl.String(), "accession_key": pl.String(), "version": pl.Int32(),
    "exam_year": pl.Int32(), "exam_datetime_shifted": pl.Datetime("us"), "modality": pl.String(),
    "body_part": pl.String(), "text_deid": pl.String(), "engine_version": pl.String(),
    "raw_row_id_hash": pl.String(),
}

# Ingest quarantine reason codes (each bad row gets exactly one, the first that applies).
INGEST_REASONS = ("malformed", "undecodable", "missing_id", "missing_text", "oversize", "bad_date", "bad_dob",
                  "bad_version")


def resolve_mapping(columns: list[str], site_mapping: dict[str, str]) -> dict[str, str]:
    """Map export columns to radforge fields: the site's mapping wins, then the defaults (case-insensitive).

    Each field is taken by at most one column; unmapped columns are ignored (e.g. synth's `tags`).
    """
    site = {k.strip().lower(): v for k, v in site_mapping.items()}
    out: dict[str, str] = {}
    for table in (site, DEFAULT_COLUMN_MAPPING):
        for col in columns:
            field = table.get(col.strip().lower())
            if col not in out and field in REPORT_FIELDS and field not in out.values():
                out[col] = field
    return out

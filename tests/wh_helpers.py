"""Warehouse test helpers: hand-written export files and de-identified zone rows.

Beside `shared_data.py` at the top of tests/, which is on sys.path for every test (tests/conftest.py is
imported from there), so the warehouse, evaluation and other tests all import it by name. A unique name:
a `tests/warehouse` package would shadow the real `warehouse`.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

FINDINGS = ("The lungs are clear without focal consolidation, effusion or pneumothorax. "
            "The heart is normal in size. No acute osseous abnormality is seen.")


def report(i: int = 1, **over: object) -> dict[str, object]:
    """One valid report in the synth JSONL shape."""
    row: dict[str, object] = {
        "id": f"r{i:04d}", "mrn": f"MRN{i % 7:05d}", "accession": f"ACC{i:06d}", "patient_name": "Test Patient",
        "dob": "1960-02-03", "exam_datetime": f"20{10 + i % 10}-03-04T10:11:12", "modality": "CT",
        "body_part": "CHEST", "facility": "Demo General", "version": 1, "tags": [],
        "text": f"EXAM: CT CHEST\nFINDINGS: {FINDINGS} Nodule {i} mm.\nIMPRESSION: Nodule {i} mm, otherwise normal.",
    }
    row.update(over)
    return row


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def raw_rows(settings) -> pl.DataFrame:  # noqa: ANN001
    files = sorted(settings.zone("raw").glob("batch=*/part-*.parquet"))
    return pl.read_parquet(files) if files else pl.DataFrame()


def quarantine_rows(settings, stage: str = "ingest") -> pl.DataFrame:  # noqa: ANN001
    files = sorted((settings.zone("quarantine") / stage).glob("batch=*/part-*.parquet"))
    return pl.read_parquet(files) if files else pl.DataFrame()


def deid_row(i: int, text: str, *, patient: str | None = None, version: int = 1, accession: str | None = None,
             year: int = 2015, modality: str = "CT") -> dict[str, object]:
    """A row of the de-identified zone (what the de-id step produces), for pair/snapshot tests."""
    from datetime import datetime

    acc = accession or f"a{i:05d}"
    return {"patient_key": patient or f"p{i % 5:03d}", "report_key": f"{acc}:{version}", "accession_key": acc,
            "version": version, "exam_year": year, "exam_datetime_shifted": datetime(year, 5, 6, 7, 8),
            "modality": modality, "body_part": "CHEST", "text_deid": text, "engine_version": "test",
            "raw_row_id_hash": f"h{i:06d}v{version}"}


def commit_deid(settings, rows: list[dict], partition_id: str = "testbatch-00000") -> None:  # noqa: ANN001
    """Put rows into the de-identified zone through the warehouse's own commit (ledger + files)."""
    from warehouse.deid_zone import commit_partition
    from warehouse.ledger import init_catalog
    from warehouse.schema import DEID_SCHEMA, QUARANTINE_SCHEMA

    init_catalog(settings)
    commit_partition(settings, partition_id, partition_id.rsplit("-", 1)[0], Path("/nonexistent/raw.parquet"),
                     len(rows), pl.DataFrame(rows, schema=DEID_SCHEMA), pl.DataFrame(schema=QUARANTINE_SCHEMA),
                     "test")


def pair_text(findings: str, impression: str) -> str:
    return f"EXAM: CT CHEST\nFINDINGS: {findings}\nIMPRESSION: {impression}"

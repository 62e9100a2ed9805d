"""The converted export goes through ingest and de-id unchanged, and every row is accounted for."""

from __future__ import annotations

import csv
import json

import polars as pl
import pytest

EMPTY_REPORTS = {"CXR566", "CXR2182", "CXR2678"}  # no section at all in the XML: empty text


def _slice_export(src, dest, first: int) -> int:
    """The CSV export's first `first` reports plus the three empty ones (a quick but representative file)."""
    with open(src, newline="", encoding="utf-8") as fh, open(dest, "w", newline="", encoding="utf-8") as out:
        reader, writer = csv.reader(fh), csv.writer(out, lineterminator="\r\n")
        writer.writerow(next(reader))
        n = 0
        for i, row in enumerate(reader):
            if i < first or row[0] in EMPTY_REPORTS:
                writer.writerow(row)
                n += 1
    return n


def test_ingest_and_deid_of_the_real_export_reconcile(site, iu_export, tmp_path):
    pytest.importorskip("deid.engine")
    from warehouse.deid_zone import run_deid_zone
    from warehouse.ingest import ingest_paths
    from warehouse.pairs import build_pairs
    from warehouse.reconcile import reconcile

    out, _ = iu_export
    export = tmp_path / "iu-slice.csv"
    n = _slice_export(out / "reports.csv", export, first=80)
    assert n == 83

    ingested = ingest_paths([export], site)
    assert (ingested.rows_in, ingested.rows_written, ingested.rows_quarantined) == (83, 80, 3)
    assert ingested.files[0].reasons == {"missing_text": 3}

    deid = run_deid_zone(site, 1).to_dict()
    assert deid["rows_in"] == 80 == deid["rows_deid"] + deid["rows_quarantined"]
    assert deid["rows_quarantined"] == 0  # XXXX marks are pre-redacted, not residual PHI
    texts = pl.read_parquet(sorted(site.zone("deid").rglob("*.parquet")))["text_deid"].to_list()
    assert sum("XXXX" in t for t in texts) > 50  # the publishers' marks are kept, not re-replaced

    trail = site.zone("audit") / "trail.jsonl"  # the de-id audit counts the marks as pre-redacted
    records = [json.loads(line) for line in trail.read_text().splitlines() if '"deid.report"' in line]
    assert len(records) == 80
    assert sum(1 for r in records if (r.get("counts") or {}).get("PREREDACTED", 0) > 0) > 50

    pairs = build_pairs(site)
    report = reconcile(site)
    assert report.ok, report.mismatches
    assert report.totals["rows_in"] == 83 and report.totals["raw_rows"] == 80
    assert report.totals["deid_rows"] + report.totals["deid_quarantined"] == 80
    assert report.totals["pairs"] == pairs.pairs > 40

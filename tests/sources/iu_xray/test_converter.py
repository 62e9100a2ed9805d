"""The converter on the real archive: every report, the right counts, an export ingest takes as it is."""

from __future__ import annotations

import csv
import io
import json
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sources.datasets import DatasetFormatError, DatasetNotFound, convert
from sources.datasets.iu_xray import CITATION, CSV_HEADER, EXPECTED_REPORTS


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_report_is_converted_once(iu_export, xml_truth):
    out, summary = iu_export
    reports = _jsonl(out / "reports.jsonl")
    assert summary.reports == len(reports) == len(xml_truth) == EXPECTED_REPORTS == 3955
    assert len({r["id"] for r in reports}) == 3955
    assert {r["accession"] for r in reports} == set(xml_truth)
    assert len({r["mrn"] for r in reports}) == 3955  # one placeholder MRN per report: no patient ids in the corpus
    assert {(r["modality"], r["body_part"], r["version"]) for r in reports} == {("XR", "CHEST", 1)}


def test_section_counts_match_the_xml(iu_export, xml_truth):
    _, summary = iu_export
    both = sum(1 for s in xml_truth.values() if s.get("FINDINGS") and s.get("IMPRESSION"))
    assert both == 3419  # the figure the issue quotes for IU X-ray
    assert summary.with_both == both
    assert summary.with_findings == sum(1 for s in xml_truth.values() if s.get("FINDINGS"))
    assert summary.with_impression == sum(1 for s in xml_truth.values() if s.get("IMPRESSION"))
    assert summary.reports_with_redactions > 3000 and summary.redaction_marks > summary.reports_with_redactions


def test_text_carries_the_xml_sections_with_headers(iu_export, xml_truth):
    out, _ = iu_export
    for rec in _jsonl(out / "reports.jsonl"):
        truth = xml_truth[rec["id"]]
        lines = dict(line.split(": ", 1) for line in rec["text"].splitlines())
        for label in ("INDICATION", "COMPARISON", "FINDINGS", "IMPRESSION"):
            assert lines.get(label, "") == truth.get(label, ""), (rec["id"], label)
        assert ("no_findings" in rec["tags"]) == (not truth.get("FINDINGS"))


def test_csv_and_jsonl_hold_the_same_reports(iu_export):
    out, _ = iu_export
    with open(out / "reports.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == CSV_HEADER
    by_id = {r["id"]: r for r in _jsonl(out / "reports.jsonl")}
    assert len(rows) - 1 == len(by_id)
    for row in rows[1:]:
        rec = by_id[row[0]]
        assert (row[1], row[5], row[6], row[9]) == (rec["mrn"], rec["modality"], rec["body_part"], rec["text"])
        assert row[2] == row[3] == ""  # the corpus has no names or birth dates


def test_sections_file_and_card(iu_export, xml_truth):
    out, summary = iu_export
    sections = _jsonl(out / "sections.jsonl")
    assert len(sections) == 3955
    assert all(s["findings"] == xml_truth[s["id"]].get("FINDINGS", "") for s in sections)
    card = (out / "DATASET_CARD.md").read_text(encoding="utf-8")
    assert "CC BY-NC-ND 4.0" in card and CITATION in card and "Demner-Fushman" in card
    assert f"| with both FINDINGS and IMPRESSION | {summary.with_both} |" in card
    assert summary.archive_sha256 in card


def test_conversion_is_byte_identical(tmp_path, iu_export, iu_archive):
    out, _ = iu_export
    convert(tmp_path, archive=iu_archive)
    for name in ("reports.jsonl", "reports.csv", "sections.jsonl", "DATASET_CARD.md"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name
    assert not list(tmp_path.glob(".*.tmp"))


def test_cli_writes_the_export(tmp_path, site):
    from radforge.cli import app

    result = CliRunner().invoke(app, ["dataset", "iu-xray", "--out", str(tmp_path / "x"), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["reports"] == 3955 and summary["with_both"] == 3419
    assert (tmp_path / "x" / "reports.csv").exists()


def test_missing_archive_is_a_named_error(tmp_path):
    with pytest.raises(DatasetNotFound):
        convert(tmp_path, archive=tmp_path / "absent.tgz")


def _tgz(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_broken_xml_is_a_named_error_without_text(tmp_path):
    archive = _tgz(tmp_path / "bad.tgz", {"ecgen-radiology/7.xml": b"<eCitation><uId id='CXR7'/><Abstract>"})
    with pytest.raises(DatasetFormatError) as info:
        convert(tmp_path / "out", archive=archive)
    assert "7" in str(info.value)


def test_entity_expansion_is_refused(tmp_path):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<eCitation><uId id="CXR1"/><AbstractText Label="FINDINGS">&b;</AbstractText></eCitation>')
    archive = _tgz(tmp_path / "bomb.tgz", {"ecgen-radiology/1.xml": bomb})
    with pytest.raises(DatasetFormatError, match="EntitiesForbidden"):  # defusedxml refuses entity declarations
        convert(tmp_path / "out", archive=archive)

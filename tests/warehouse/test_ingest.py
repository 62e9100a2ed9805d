"""Ingestion on real files: formats, mapping, quarantine reasons, idempotence, owner-only raw zone."""

from __future__ import annotations

import csv
import json
import stat

import polars as pl
import pytest
from wh_helpers import quarantine_rows, raw_rows, report, write_jsonl

from warehouse.ingest import ingest_paths

CSV_HEADER = "AccessionNumber,MRN,PatientName,DOB,ExamDateTime,Modality,BodyPart,Facility,Version,ReportText"


def test_reingesting_the_same_file_is_a_no_op(site, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [report(i) for i in range(1, 6)])
    first = ingest_paths([path], site).files[0]
    files_before = sorted(site.zone("raw").rglob("*.parquet"))
    second = ingest_paths([path], site).files[0]
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(path.read_bytes())  # same bytes under another name: same content hash
    third = ingest_paths([copy], site).files[0]
    assert (first.status, second.status, third.status) == ("ingested", "skipped", "skipped")
    assert first.rows_written == second.rows_written == 5
    assert sorted(site.zone("raw").rglob("*.parquet")) == files_before
    assert raw_rows(site).height == 5
    from radforge.catalog import reader

    with reader(site) as con:
        assert con.execute("SELECT count(*), min(status) FROM ledger").fetchone() == (1, "done")


BAD_ROWS = [
    # (what is wrong, the row, expected reason)
    ("no accession number", report(10, accession=""), "missing_id"),
    ("no MRN", report(11, mrn=None), "missing_id"),
    ("an empty report text", report(12, text="   "), "missing_text"),
    ("an exam date that is not a date", report(13, exam_datetime="yesterday"), "bad_date"),
    ("an exam date in the year 1066", report(14, exam_datetime="1066-10-14T09:00:00"), "bad_date"),
    ("a date of birth on February 30", report(15, dob="1970-02-30"), "bad_dob"),
    ("a version that is not a number", report(16, version="two"), "bad_version"),
    ("a fractional version", report(18, version=2.5), "bad_version"),
    ("a text longer than max_text_chars", report(17, text="FINDINGS: " + "x" * 600), "oversize"),
]


def test_each_kind_of_bad_jsonl_row_is_quarantined_with_its_reason(site, tmp_path, monkeypatch):
    monkeypatch.setenv("RADFORGE_WAREHOUSE__MAX_TEXT_CHARS", "500")
    from radforge.settings import get_settings

    settings = get_settings()
    path = tmp_path / "bad.jsonl"
    write_jsonl(path, [report(1)] + [row for _, row, _ in BAD_ROWS])
    with open(path, "ab") as fh:
        fh.write(b"{this is not json\n")
        fh.write(b'{"id": "r99", "accession": "A99", "mrn": "M99", "text": "caf\xe9", '
                 b'"exam_datetime": "2015-01-01T00:00:00"}\n')
    result = ingest_paths([path], settings).files[0]
    q = quarantine_rows(settings).sort("row_number")
    expected = [reason for _, _, reason in BAD_ROWS] + ["malformed", "undecodable"]
    assert q["reason"].to_list() == expected
    assert q["row_number"].to_list() == list(range(2, 2 + len(expected)))
    assert (result.rows_in, result.rows_written, result.rows_quarantined) == (1 + len(expected), 1, len(expected))
    assert result.reasons == {r: expected.count(r) for r in set(expected)}
    assert raw_rows(settings)["report_id"].to_list() == ["r0001"]


def test_csv_export_with_the_ris_header(site, tmp_path):
    path = tmp_path / "ris.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_HEADER.split(","))
        w.writerow(["A1", "M1", "Doe, John", "1950-01-02", "2015-03-04T10:11:12", "ct", "CHEST", "DGH", "2",
                    'FINDINGS:\nLungs clear, "quoted", commas.\r\nIMPRESSION: Normal.'])
        w.writerow(["A2", "M2", "Roe, Jane", "", "20160101", "XR", "HAND", "DGH", "1", "FINDINGS: x"])
        w.writerow(["A3", "M3", "short row"])
    with open(path, "ab") as fh:
        fh.write(b'A4,M4,Bad Bytes,1950-01-02,2015-03-04T10:11:12,CT,CHEST,DGH,1,"caf\xe9 text"\r\n')
    ingest_paths([path], site)
    raw = raw_rows(site).sort("accession")
    assert raw["accession"].to_list() == ["A1", "A2"]
    assert raw["text"][0] == 'FINDINGS:\nLungs clear, "quoted", commas.\nIMPRESSION: Normal.'
    assert raw["version"].to_list() == [2, 1]
    assert raw["modality"].to_list() == ["CT", "XR"]
    assert raw["dob"].to_list() == ["1950-01-02", None]
    assert raw["exam_datetime"].dt.year().to_list() == [2015, 2016]
    assert sorted(quarantine_rows(site)["reason"].to_list()) == ["malformed", "undecodable"]


def test_site_column_mapping_overrides_the_default(site, tmp_path, monkeypatch):
    monkeypatch.setenv("RADFORGE_WAREHOUSE__COLUMN_MAPPING",
                       json.dumps({"Acc No": "accession", "Patient ID": "mrn", "Body": "text", "When": "exam_datetime",
                                   "Rev": "version"}))
    from radforge.settings import get_settings

    settings = get_settings()
    path = tmp_path / "site.csv"
    path.write_text("Acc No,Patient ID,When,Rev,Body,text\nX1,P1,2019-05-06 07:08:09,3,FINDINGS: site text,decoy\n")
    ingest_paths([path], settings)
    raw = raw_rows(settings)
    assert raw.select("accession", "mrn", "version", "text").row(0) == ("X1", "P1", 3, "FINDINGS: site text")


def test_hl7_oru_messages(site, tmp_path):
    msgs = [
        "MSH|^~\\&|RIS|DGH|RADFORGE|SITE|20200101||ORU^R01|MSG1|P|2.5.1\r"
        "PID|1||MRN9^^^DGH^MR||DOE^JOHN||19500102\r"
        "OBR|1|ACC9|ACC9|CT^CHEST|||20150304101112||||||||||||||||||C\r"
        "OBX|1|TX|REPORT||FINDINGS: left \\F\\ right \\T\\ center \\S\\ up \\E\\ \\R\\\r"
        "OBX|2|TX|REPORT||\r"
        "OBX|3|TX|REPORT||IMPRESSION: ok\r"
        "ZRF|2",
        "MSH|^~\\&|RIS|DGH|RADFORGE|SITE|20200101||ORU^R01|MSG2|P|2.5.1\r"
        "PID|1||MRN8^^^DGH^MR||ROE^JANE||19600102\r"
        "OBR|1|ACC8|ACC8|XR^HAND|||notadate\r"
        "OBX|1|TX|REPORT||FINDINGS: fine",
    ]
    path = tmp_path / "feed.hl7"
    path.write_text("\n".join(msgs) + "\n")
    result = ingest_paths([path], site).files[0]
    raw = raw_rows(site)
    assert raw.select("report_id", "accession", "mrn", "patient_name", "dob", "modality", "body_part",
                      "version").row(0) == ("MSG1", "ACC9", "MRN9", "JOHN DOE", "1950-01-02", "CT", "CHEST", 2)
    assert raw["text"][0] == "FINDINGS: left | right & center ^ up \\ ~\n\nIMPRESSION: ok"
    assert (result.rows_in, result.rows_quarantined, result.reasons) == (2, 1, {"bad_date": 1})


def test_parquet_export(site, tmp_path):
    path = tmp_path / "export.parquet"
    rows = [report(i) for i in range(1, 4)]
    pl.DataFrame([{k: v for k, v in r.items() if k != "tags"} for r in rows]).write_parquet(path)
    assert ingest_paths([path], site).files[0].rows_written == 3
    assert sorted(raw_rows(site)["accession"].to_list()) == ["ACC000001", "ACC000002", "ACC000003"]


def test_rows_are_chunked_and_the_raw_zone_is_owner_only(site, tmp_path, monkeypatch):
    monkeypatch.setenv("RADFORGE_WAREHOUSE__CHUNK_ROWS", "4")
    from radforge.settings import get_settings

    settings = get_settings()
    path = write_jsonl(tmp_path / "big.jsonl", [report(i) for i in range(1, 11)])
    ingest_paths([path], settings)
    parts = sorted(settings.zone("raw").rglob("part-*.parquet"))
    assert [pl.read_parquet(p).height for p in parts] == [4, 4, 2]
    assert raw_rows(settings)["row_id"].n_unique() == 10
    for folder in [settings.zone("raw"), parts[0].parent, settings.zone("quarantine") / "ingest"]:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_the_three_synth_formats_give_the_same_reports(site, corpus):
    summary = ingest_paths([corpus], site)  # a folder: reports.{jsonl,csv,hl7}; gold.jsonl is not a report file
    assert sorted(f.format for f in summary.files) == ["csv", "hl7", "jsonl"]
    raw = raw_rows(site)
    by_format = {}
    for f in summary.files:
        part = raw.filter(pl.col("row_id").str.starts_with(f.batch_id))
        by_format[f.format] = part.select("accession", "mrn", "version", "modality", "exam_datetime", "dob",
                                          "text").sort("accession", "version")
    lines = (corpus / "reports.jsonl").read_text().splitlines()
    n_in = {f.format: f.rows_in for f in summary.files}
    assert n_in["jsonl"] == n_in["csv"] == n_in["hl7"] == len(lines)
    assert by_format["jsonl"].equals(by_format["csv"])
    assert by_format["jsonl"].drop("text").equals(by_format["hl7"].drop("text"))
    hl7_text = by_format["hl7"]["text"].str.strip_chars().to_list()
    assert hl7_text == by_format["jsonl"]["text"].str.strip_chars().to_list()
    empty = [json.loads(line)["id"] for line in lines if "empty_text" in json.loads(line)["tags"]]
    assert summary.files[0].reasons.get("missing_text", 0) == len(empty)


def test_unknown_format_is_a_named_error(site, tmp_path):
    from warehouse.errors import IngestError

    path = tmp_path / "notes.docx"
    path.write_bytes(b"PK")
    with pytest.raises(IngestError, match="unknown export format"):
        ingest_paths([path], site)


def test_landing_files_lists_only_what_is_not_ingested_yet(site, tmp_path):
    from warehouse.ingest import landing_files

    landing = site.landing_path
    write_jsonl(landing / "a.jsonl", [report(1)])
    write_jsonl(landing / "b.jsonl", [report(2, version="2.0")])
    (landing / "gold.jsonl").write_text("{}\n")
    (landing / ".partial.jsonl").write_text("{}\n")
    assert [p.rsplit("/", 1)[1] for p in landing_files(site)] == ["a.jsonl", "b.jsonl"]
    ingest_paths([landing / "a.jsonl"], site)
    assert [p.rsplit("/", 1)[1] for p in landing_files(site)] == ["b.jsonl"]
    ingest_paths(landing_files(site), site)
    assert landing_files(site) == []
    assert raw_rows(site).sort("accession")["version"].to_list() == [1, 2]

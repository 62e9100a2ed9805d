"""Regression tests for what `bench/fuzz.py` found in ingest (issue #13): one test per weakness fixed.

Each test names the failure it guards against in its docstring ("was: ..."). Real files, real
ingest, real Parquet/DuckDB; synthetic values only.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import zipfile
from pathlib import Path

import polars as pl
import pytest
from wh_helpers import quarantine_rows, raw_rows, report, write_jsonl

import warehouse.ingest as ingest_mod
from radforge.catalog import reader
from warehouse.ingest import ingest_file, ingest_paths, landing_files

CSV_HEADER = "AccessionNumber,MRN,PatientName,DOB,ExamDateTime,Modality,BodyPart,Facility,Version,ReportText"


def _csv(rows: int, start: int = 1, nl: str = "\n") -> str:
    return CSV_HEADER + nl + "".join(f'A{i},M{i},Doe,1950-01-02,20150304,CT,CHEST,DGH,1,"FINDINGS: ok {i}"{nl}'
                                     for i in range(start, start + rows))


def _refusals(settings) -> dict[str, str]:  # noqa: ANN001
    """file name -> refusal reason. The catalog holds keyed file keys, never names: map them back from the
    files under the test's folder (a key that maps to no file there stays a key, and the test fails)."""
    from warehouse.ingest import file_key

    names = {}
    for dirpath, _dirs, files in os.walk(Path(settings.home).parent):
        for name in files:
            path = Path(dirpath) / name
            for spelling in {str(path), str(path.absolute()), str(path.resolve())}:
                names[file_key(settings, spelling)] = name
    with reader(settings) as con:
        rows = con.execute("SELECT source_file, reason FROM ingest_refusals").fetchall()
    assert all(p.startswith("file:") for p, _ in rows)  # no path or name in the catalog
    return {names.get(p, p): r for p, r in rows}


def _nothing_in_zones(settings) -> bool:  # noqa: ANN001
    return raw_rows(settings).height == 0 and quarantine_rows(settings).height == 0


# --- readers --------------------------------------------------------------------------------------

def test_a_json_lone_surrogate_quarantines_one_row(site, tmp_path):
    """Was: "\\ud800" in a JSON string crashed the whole file (UnicodeEncodeError writing Parquet)."""
    path = tmp_path / "s.jsonl"
    write_jsonl(path, [report(1), report(2, text="FINDINGS: @@")])
    path.write_text(path.read_text().replace("@@", "\\ud800"))
    result = ingest_paths([path], site).files[0]
    assert (result.rows_written, result.reasons) == (1, {"undecodable": 1})


@pytest.mark.parametrize("line", [
    '{"id": "x", "text": ' + "[" * 50_000 + "]" * 50_000 + "}",  # was: RecursionError
    '{"id": "x", "version": ' + "9" * 5000 + "}",  # was: ValueError (Python's int digit limit)
], ids=["deep nesting", "5000-digit integer"])
def test_json_that_python_cannot_load_is_one_malformed_row(site, tmp_path, line):
    """Was: the exception escaped the reader and aborted the file."""
    path = tmp_path / "j.jsonl"
    path.write_text(line + "\n" + json.dumps(report(1)) + "\n")
    result = ingest_paths([path], site).files[0]
    assert (result.rows_in, result.rows_written, result.reasons) == (2, 1, {"malformed": 1})


def test_cr_only_line_ends_are_line_ends_in_jsonl(site, tmp_path):
    """Was: a JSONL export with classic-Mac CR line ends was one malformed row."""
    path = tmp_path / "cr.jsonl"
    path.write_text("\r".join(json.dumps(report(i)) for i in range(1, 5)) + "\r")
    assert ingest_paths([path], site).files[0].rows_written == 4


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_a_byte_order_mark_selects_the_encoding(site, tmp_path, encoding):
    """Was: UTF-16 (Excel 'Unicode text') exports were read as UTF-8: every row undecodable."""
    path = tmp_path / "u.csv"
    data = _csv(3).replace("ok 1", "épanchement").encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    ingest_paths([path], site)
    raw = raw_rows(site).sort("accession")
    assert raw["accession"].to_list() == ["A1", "A2", "A3"]
    assert raw["text"][0] == "FINDINGS: épanchement"


def test_broken_utf16_is_undecodable_rows_not_a_crash(site, tmp_path):
    """Was: an unpaired UTF-16 surrogate unit (00 DC) or an odd trailing byte raised UnicodeDecodeError mid-file
    (surrogateescape cannot encode a byte below 0x80)."""
    good = [json.dumps(report(i)) + "\n" for i in (1, 2, 3)]
    data = b"\xff\xfe" + good[0].encode("utf-16-le") + good[1].encode("utf-16-le").replace(b"F\x00", b"\x00\xdc", 1) \
        + good[2].encode("utf-16-le") + b"x"
    path = tmp_path / "u16.jsonl"
    path.write_bytes(data)
    result = ingest_paths([path], site).files[0]
    assert (result.rows_in, result.rows_written, result.reasons) == (4, 2, {"undecodable": 2})


def test_an_unclosed_csv_quote_costs_one_row_not_the_rest(site, tmp_path):
    """Was: everything after the quote was swallowed into one malformed record (rows silently gone)."""
    lines = _csv(6).splitlines(keepends=True)
    lines[2] = lines[2].replace('2"\n', "2\n")  # the quote before FINDINGS is never closed
    path = tmp_path / "q.csv"
    path.write_text("".join(lines))
    result = ingest_paths([path], site).files[0]
    assert (result.rows_in, result.rows_written, result.reasons) == (6, 5, {"malformed": 1})
    assert sorted(raw_rows(site)["accession"].to_list()) == ["A1", "A3", "A4", "A5", "A6"]


def test_a_header_after_blank_lines_is_still_the_header(site, tmp_path):
    """Was: a leading blank line became an empty header and every row was malformed."""
    path = tmp_path / "b.csv"
    path.write_text("\n\r\n" + _csv(2))
    assert ingest_paths([path], site).files[0].rows_written == 2


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "hl7", "parquet"])
def test_a_huge_field_is_quarantined_without_holding_it(site, tmp_path, fmt):
    """Was: a record was read whole whatever its size (a 50 MB field, or a CR-less file, held in memory).

    Now a line/record/message is read up to max(1 MiB, 4 x max_text_chars) characters; the rest is
    skipped and the row quarantined as `oversize` with a short prefix.
    """
    big = "x" * 3_000_000
    path = tmp_path / f"big.{fmt}"
    if fmt == "csv":
        path.write_text(_csv(1) + f'A9,M9,Doe,,20150304,CT,CHEST,DGH,1,"{big}"\n' + _csv(1, start=2).split("\n", 1)[1])
    elif fmt == "parquet":  # read whole by pyarrow, but cut before validation and the quarantine copy it
        pl.DataFrame([{k: v for k, v in r.items() if k != "tags"} for r in (report(1), report(9, text=big),
                                                                             report(2))]).write_parquet(path)
    elif fmt == "jsonl":
        path.write_text(json.dumps(report(1)) + "\n" + json.dumps(report(9, text=big)) + "\n"
                        + json.dumps(report(2)) + "\n")
    else:
        msg = ("MSH|^~\\&|RIS|DGH|RF|S|20200101||ORU^R01|M{i}|P|2.5.1\rPID|1||MRN{i}\r"
               "OBR|1|A{i}|A{i}|CT^CHEST|||20150304\r")
        path.write_text(msg.format(i=1) + "OBX|1|TX|R||ok\n" + msg.format(i=9) + "OBX|1|TX|R||" + big + "\n"
                        + msg.format(i=2) + "OBX|1|TX|R||ok\n")
    result = ingest_paths([path], site).files[0]
    assert (result.rows_in, result.rows_written, result.reasons) == (3, 2, {"oversize": 1})
    assert len(quarantine_rows(site)["raw_record"][0]) < 20_000


def test_an_hl7_message_that_never_ends_is_bounded(site, tmp_path):
    """Was: one MSH followed by millions of segments was one message held whole in memory."""
    path = tmp_path / "long.hl7"
    path.write_text("MSH|^~\\&|RIS|DGH|RF|S|20200101||ORU^R01|M1|P|2.5.1\r"
                    + "".join(f"OBX|{i}|TX|R||line {i} {'y' * 40}\r" for i in range(30_000))
                    + "MSH|^~\\&|RIS|DGH|RF|S|20200101||ORU^R01|M2|P|2.5.1\rPID|1||MRN2\rOBR|1|A2|A2|CT|||20150304\r"
                    + "OBX|1|TX|R||FINDINGS: ok\r")
    result = ingest_paths([path], site).files[0]
    assert (result.rows_in, result.rows_written, result.reasons) == (2, 1, {"oversize": 1})


def test_mllp_framed_messages_after_a_huge_one_are_not_skipped(site, tmp_path):
    """Was (found by make fuzz): messages framed only by MLLP bytes on one physical line after an oversize one
    were skipped with the rest of that line and silently merged into it."""
    msg = ("\x0bMSH|^~\\&|RIS|DGH|RF|S|20200101||ORU^R01|M{i}|P|2.5.1\x1cPID|1||MRN{i}\x1c"
           "OBR|1|A{i}|A{i}|CT|||20150304\x1cOBX|1|TX|R||{text}\x1c")
    path = tmp_path / "mllp.hl7"
    path.write_text(msg.format(i=1, text="y" * 3_000_000) + "".join(msg.format(i=i, text="ok") for i in (2, 3, 4)))
    result = ingest_paths([path], site).files[0]
    assert (result.rows_in, result.rows_written, result.reasons) == (4, 3, {"oversize": 1})


def test_a_quarantined_hl7_message_is_kept_as_sent(site, tmp_path):
    """Was: the quarantine kept the mapped fields only; a message with a broken MSH kept nothing to review."""
    path = tmp_path / "bad.hl7"
    path.write_text("MSH#^~\\&|RIS|DGH|RF|S|20200101||ORU^R01|KEEPME|P|2.5.1\rPID|1||M1\rOBX|1|TX|R||text\n")
    ingest_paths([path], site)
    assert "KEEPME" in json.loads(quarantine_rows(site)["raw_record"][0])["_message"]


def test_a_timezone_past_the_calendar_is_a_bad_date(site, tmp_path):
    """Was: 0001-01-01T00:00:00+14:00 raised OverflowError converting to UTC and aborted the file."""
    path = write_jsonl(tmp_path / "tz.jsonl", [report(1, exam_datetime="0001-01-01T00:00:00+14:00"),
                                               report(2, exam_datetime="9999-12-31T23:59:59-14:00"), report(3)])
    result = ingest_paths([path], site).files[0]
    assert (result.rows_written, result.reasons) == (1, {"bad_date": 2})


def test_an_export_without_a_version_column_is_version_1(site, tmp_path):
    """Was: a missing version became the string 'None' and every row was quarantined as bad_version."""
    row = report(1)
    del row["version"]
    result = ingest_paths([write_jsonl(tmp_path / "nv.jsonl", [row])], site).files[0]
    assert result.rows_written == 1 and raw_rows(site)["version"].to_list() == [1]


def test_parquet_strings_that_are_not_utf8_are_undecodable_rows(site, tmp_path):
    """Was: pyarrow raised UnicodeDecodeError converting the batch and the whole file crashed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    raw = pa.array([b"FINDINGS: ok", b"\xff\xfe not utf-8"], type=pa.binary())
    path = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"accession": ["A1", "A2"], "mrn": ["M1", "M2"], "exam_datetime": ["2015-01-01"] * 2,
                             "text": pa.Array.from_buffers(pa.string(), 2, raw.buffers())}), path)
    result = ingest_paths([path], site).files[0]
    assert (result.rows_written, result.reasons) == (1, {"undecodable": 1})


def test_a_parquet_file_damaged_half_way_is_refused_and_forgotten(site, tmp_path, monkeypatch):
    """Was: the error from a damaged second row group escaped as a crash after the first chunk was committed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    monkeypatch.setenv("RADFORGE_WAREHOUSE__CHUNK_ROWS", "500")
    from radforge.settings import get_settings

    settings = get_settings()
    n = 3000
    path = tmp_path / "rg.parquet"
    pq.write_table(pa.table({"accession": [f"A{i}" for i in range(n)], "mrn": ["M"] * n,
                             "exam_datetime": ["2015-01-01"] * n, "text": [f"FINDINGS: {i} " + "abc" * 50
                                                                          for i in range(n)]}), path,
                   row_group_size=1000)
    data = bytearray(path.read_bytes())
    off = pq.ParquetFile(path).metadata.row_group(1).column(3).data_page_offset
    for k in range(off + 20, off + 200):
        data[k] ^= 0x5A
    path.write_bytes(bytes(data))
    assert ingest_file(path, settings).status == "refused"
    assert _refusals(settings) == {"rg.parquet": "unreadable"} and _nothing_in_zones(settings)


# --- whole files ----------------------------------------------------------------------------------

def test_a_symlink_out_of_the_landing_folder_is_refused_and_recorded(site, tmp_path):
    """Was: a link in the landing folder to any readable file (another site's export, /etc/passwd) was ingested."""
    outside = write_jsonl(tmp_path / "outside.jsonl", [report(50, accession="SECRET")])
    landing = site.landing_path
    write_jsonl(landing / "ok.jsonl", [report(1)])
    os.symlink(outside, landing / "link.jsonl")
    os.symlink(landing / "ok.jsonl", landing / "inside.jsonl")  # a link that stays inside is fine
    # both the folder walk (CLI) and the DAG's path (landing_files, then each file by name) refuse it
    summary = ingest_paths([landing], site)
    assert sorted((os.path.basename(f.source_file), f.status) for f in summary.files) == [
        ("link.jsonl", "refused"), ("ok.jsonl", "ingested"), ("ok.jsonl", "skipped")]
    assert [os.path.basename(p) for p in landing_files(site)] == ["link.jsonl"]
    assert ingest_paths(landing_files(site), site).files[0].status == "refused"
    assert _refusals(site) == {"link.jsonl": "symlink_escape"}
    assert raw_rows(site)["accession"].to_list() == ["ACC000001"]


def test_a_fifo_is_refused_not_waited_on(site, tmp_path):
    """Was: opening a FIFO named like an export blocked ingest forever."""
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    assert ingest_file(fifo, site).status == "refused"
    assert _refusals(site) == {"pipe.jsonl": "not_a_regular_file"}


def test_a_file_that_changes_while_read_is_refused_then_ingested_whole(site, tmp_path, monkeypatch):
    """Was: the ledger recorded the first hash as done for rows read from other bytes (the export still growing)."""
    monkeypatch.setenv("RADFORGE_WAREHOUSE__CHUNK_ROWS", "2")
    from radforge.settings import get_settings

    settings = get_settings()
    path = write_jsonl(tmp_path / "growing.jsonl", [report(i) for i in range(1, 7)])
    real_split = ingest_mod._split_chunk
    calls = []

    def split_and_grow(*args, **kwargs):  # another process appends while the first chunk is being written
        if not calls:
            with open(path, "a") as fh:
                fh.write(json.dumps(report(7)) + "\n")
        calls.append(1)
        return real_split(*args, **kwargs)

    monkeypatch.setattr(ingest_mod, "_split_chunk", split_and_grow)
    first = ingest_file(path, settings)
    assert first.status == "refused" and _refusals(settings) == {"growing.jsonl": "changed_while_reading"}
    assert _nothing_in_zones(settings)
    with reader(settings) as con:
        assert con.execute("SELECT count(*) FROM ledger").fetchone() == (0,)
    second = ingest_file(path, settings)
    assert (second.status, second.rows_in, second.rows_written) == ("ingested", 7, 7)


def test_a_refused_file_does_not_stop_the_others(site, tmp_path):
    """Was: one bad file raised out of the folder walk and the files after it were never ingested."""
    landing = site.landing_path
    (landing / "a_truncated.csv.gz").write_bytes(gzip.compress(_csv(20).encode())[:60])
    write_jsonl(landing / "b.jsonl", [report(1)])
    (landing / "c.parquet").write_bytes(b"PAR1 not really")
    summary = ingest_paths([landing], site)
    assert [f.status for f in summary.files] == ["refused", "ingested", "refused"]
    assert _refusals(site) == {"a_truncated.csv.gz": "truncated_archive", "c.parquet": "unreadable"}


def _zip(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in members.items():
            z.writestr(name, text)
    return buf.getvalue()


def test_gzip_and_zip_exports_are_read_as_streams(site, tmp_path):
    """Was: a .csv.gz or .zip in the landing folder was silently skipped (never ingested, never reported)."""
    landing = site.landing_path
    (landing / "ris.csv.gz").write_bytes(gzip.compress(_csv(3).encode()))
    (landing / "bundle.zip").write_bytes(_zip({"a/reports.jsonl": json.dumps(report(7)) + "\n", "b/x.csv": _csv(2, 8)}))
    summary = ingest_paths([landing], site)
    assert sorted((f.format, f.rows_written) for f in summary.files) == [("csv+gzip", 3), ("zip", 3)]
    assert sorted(raw_rows(site)["row_number"].to_list()) == [1, 1, 2, 2, 3, 3]


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("t.csv.gz", gzip.compress(_csv(50).encode())[:-30], "truncated_archive"),
    ("c.jsonl.gz", b"\x1f\x8b\x08\x00" + bytes(range(64)), "corrupt_archive"),
    ("t.zip", _zip({"r.jsonl": "{}\n" * 100})[:40], "corrupt_archive"),
    ("slip.zip", _zip({"../../etc/r.jsonl": "{}\n"}), "unsafe_member_name"),
    ("abs.zip", _zip({"/tmp/r.jsonl": "{}\n"}), "unsafe_member_name"),
    ("doc.zip", _zip({"notes.docx": "x"}), "unsupported_member"),
    ("nested.zip", _zip({"inner.zip": "x"}), "unsupported_member"),
    ("bomb.jsonl.gz", gzip.compress(b"\n" * (80 << 20), 9), "archive_bomb"),
], ids=["truncated gzip", "corrupt gzip", "truncated zip", "zip slip", "absolute member", "not an export",
        "zip in a zip", "gzip bomb"])
def test_hostile_archives_are_refused_whole_with_a_reason(site, tmp_path, name, data, reason):
    """Nothing of a refused archive reaches a zone (half an export now + all of it later = duplicates)."""
    path = tmp_path / name
    path.write_bytes(data)
    assert ingest_file(path, site).status == "refused"
    assert _refusals(site) == {name: reason}
    assert _nothing_in_zones(site)


def test_a_zip_bomb_is_refused_from_its_directory(site, tmp_path):
    """256 MB of zeros declared in a zip of about 250 kB: refused from its directory, before inflating anything."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z, z.open("r.csv", "w", force_zip64=True) as m:
        block = b"0" * (1 << 20)
        for _ in range(256):
            m.write(block)
    path = tmp_path / "bomb.zip"
    path.write_bytes(buf.getvalue())
    assert ingest_file(path, site).status == "refused"
    assert _refusals(site) == {"bomb.zip": "archive_bomb"}


def test_the_cli_reports_refusals_with_exit_code_1_and_one_line(site, tmp_path):
    from typer.testing import CliRunner

    from radforge.cli import app

    landing = site.landing_path
    write_jsonl(landing / "ok.jsonl", [report(1)])
    (landing / "bad.csv.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    res = CliRunner().invoke(app, ["ingest", str(landing), "--json"])
    assert res.exit_code == 1, res.output
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    assert summary["files_refused"] == 1 and summary["rows_written"] == 1
    assert pl.DataFrame(summary["files"]).filter(pl.col("status") == "refused")["reasons"].to_list() == [
        {"truncated_archive": 1}]


def test_catalog_and_dag_results_hold_no_export_file_name(site) -> None:
    """Regression (#13 canary review): a RIS job that names exports after the patient put that name in the
    catalog (`radforge sql` can read it) and in the ingest DAG's task results. Both hold a keyed file key now."""
    from warehouse.ingest import file_key, ingest_paths, landing_file_keys, landing_path

    site.landing_path.mkdir(parents=True, exist_ok=True)
    named = site.landing_path / "Doe_Jane_31415926.csv"
    named.write_text(_csv(3))
    (site.landing_path / "Roe_Rick_27182818.zip").write_bytes(b"PK\x03\x04 not a zip")
    keys = landing_file_keys(site)
    assert len(keys) == 2 and all(k.startswith("file:") and "31415926" not in k for k in keys)
    assert landing_path(file_key(site, named.resolve()), site) == named.resolve()
    summary = ingest_paths([site.landing_path], site)
    assert summary.rows_written == 3 and len(summary.refused) == 1
    dag_result = json.dumps(summary.to_dict(paths=False))
    assert "Doe" not in dag_result and "31415926" not in dag_result and "Roe_Rick" not in dag_result
    with reader(site) as con:
        catalog = json.dumps([con.execute(f"SELECT * FROM {t}").fetchall() for t in ("ledger", "ingest_refusals")],
                             default=str)
    assert "Doe" not in catalog and "31415926" not in catalog and "27182818" not in catalog
    assert landing_file_keys(site) == [k for k in keys if k != file_key(site, named.resolve())]  # done: not listed

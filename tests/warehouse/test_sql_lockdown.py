"""`radforge sql` is read-only and sees only the catalog and the PHI-free zones.

Each attempt to write, attach, copy out, load an extension, re-enable file access or read a file
outside the de-identified/pairs/snapshot zones (the raw zone above all) ends in one clean line and
exit code 1, never a traceback and never a byte of the file it aimed at.
"""

from __future__ import annotations

import duckdb
import polars as pl
import pytest
from cli_helpers import run_main

from radforge.catalog import reader
from warehouse.errors import ReadOnlyQuery
from warehouse.schema import DEID_SCHEMA, RAW_SCHEMA
from warehouse.views import _lock_down, refresh_views, run_sql

RAW_CANARY = "Quenmarvick"


@pytest.fixture
def sql_site(site):
    deid = site.zone("deid") / "exam_year=2020"
    deid.mkdir(parents=True)
    pl.DataFrame([{"patient_key": "p1", "report_key": "r1", "accession_key": "a1", "version": 1, "exam_year": 2020,
                   "exam_datetime_shifted": None, "modality": "CT", "body_part": "CHEST",
                   "text_deid": "FINDINGS: clear. IMPRESSION: normal.", "engine_version": "t",
                   "raw_row_id_hash": "h"}], schema=DEID_SCHEMA).write_parquet(deid / "part-b-00000.parquet")
    raw = site.zone("raw") / "batch=b"
    raw.mkdir(parents=True)
    pl.DataFrame([{"row_id": "1", "source_file": "x", "row_number": 1, "report_id": "1", "accession": "A1",
                   "mrn": "12345678", "patient_name": f"{RAW_CANARY}, Ann", "dob": "1950-01-01",
                   "exam_datetime": None, "modality": "CT", "body_part": "CHEST", "facility": "F", "version": 1,
                   "text": f"Patient {RAW_CANARY}"}], schema=RAW_SCHEMA).write_parquet(raw / "part-00000.parquet")
    (site.root / "outside.csv").write_text(f"name\n{RAW_CANARY}\n")
    refresh_views(site)
    return site


def test_views_over_the_deidentified_zone_still_work(sql_site) -> None:
    columns, rows = run_sql("SELECT count(*) AS n, any_value(modality) FROM deid_reports", sql_site)
    assert rows == [(1, "CT")]


@pytest.mark.parametrize("attack", [
    "SELECT * FROM read_parquet('{raw}/batch=b/part-00000.parquet')",
    "SELECT * FROM read_parquet('{deid}/../raw/batch=b/part-00000.parquet')",
    "SELECT * FROM read_parquet('{raw}/**/*.parquet')",
    "SELECT * FROM glob('{raw}/*')",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv('{root}/outside.csv')",
    "SELECT * FROM read_text('{root}/secret/site.key')",
    "SELECT * FROM read_blob('{root}/site-state.json')",
    "SELECT * FROM read_blob('{root}/catalog.duckdb.tmp/../secret/site.key')",
    "SELECT * FROM read_parquet('https://203.0.113.1/x.parquet')",
    "EXPLAIN ANALYZE SELECT * FROM read_csv('{root}/outside.csv')",
    "COPY (SELECT * FROM deid_reports) TO '{root}/leak.csv'",
    "ATTACH '{root}/other.duckdb' AS other",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "RESET allowed_directories",
    "SELECT * FROM query('SET enable_external_access = true')",
    "CREATE TABLE t AS SELECT 1",
    "INSERT INTO ledger SELECT * FROM ledger",
    "DROP VIEW deid_reports",
    "SELECT 1; SELECT 2",
])
def test_each_attack_is_refused_in_one_line(sql_site, attack, capsys, monkeypatch) -> None:
    q = attack.format(root=sql_site.root, raw=sql_site.zone("raw"), deid=sql_site.zone("deid"))
    with pytest.raises(ReadOnlyQuery) as info:
        run_sql(q, sql_site)
    assert "\n" not in str(info.value) and RAW_CANARY not in str(info.value)
    code, out, err = run_main(["sql", q], capsys, monkeypatch)
    assert code == 1 and err.startswith("error:"), (code, err)
    assert "Traceback" not in err and RAW_CANARY not in out + err
    assert not (sql_site.root / "leak.csv").exists() and not (sql_site.root / "other.duckdb").exists()


def test_settings_are_locked_once_the_query_connection_is_set_up(sql_site) -> None:
    with reader(sql_site) as con:
        _lock_down(con, sql_site)
        for statement in ("SET enable_external_access = true", "SET allowed_directories = ['/']",
                          "SET lock_configuration = false", "SET autoload_known_extensions = true"):
            with pytest.raises(duckdb.Error, match="(?i)lock|configuration"):
                con.execute(statement)
        assert con.execute("SELECT current_setting('enable_external_access')").fetchone()[0] is False


def test_a_failed_cast_does_not_echo_the_value(sql_site) -> None:
    with pytest.raises(ReadOnlyQuery) as info:
        run_sql("SELECT CAST(text_deid AS INTEGER) FROM deid_reports", sql_site)
    assert "clear" not in str(info.value) and "ConversionException" in str(info.value)


def test_a_link_from_the_deidentified_zone_into_the_raw_zone_is_refused(sql_site) -> None:
    """DuckDB checks allowed_directories on the link's target, not only on the path as written."""
    link = sql_site.zone("deid") / "exam_year=2020" / "part-x-00000.parquet"
    link.symlink_to(sql_site.zone("raw") / "batch=b" / "part-00000.parquet")
    with pytest.raises(ReadOnlyQuery, match="PermissionException"):
        run_sql("SELECT patient_name FROM read_parquet('" + str(link) + "')", sql_site)
    with pytest.raises(ReadOnlyQuery, match="PermissionException"):
        run_sql("SELECT count(*) FROM deid_reports", sql_site)
    link.unlink()
    assert run_sql("SELECT count(*) FROM deid_reports", sql_site)[1] == [(1,)]

"""End to end with the real de-id engine (loaded once): synth -> ingest -> deid-zone -> pairs -> snapshot,
through the CLI, then reconciliation — and reconciliation failing when a row is removed by hand."""

from __future__ import annotations

import json
import shutil

import polars as pl
import pytest
from shared_data import fresh_site
from typer.testing import CliRunner
from wh_helpers import report, write_jsonl

from radforge.cli import app

runner = CliRunner()


def _cli(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.output, result.exception)
    return result.stdout


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    from sources.synth import write_corpus

    root = tmp_path_factory.mktemp("pipeline")
    # With known values off the de-id engine skips its known-value pass, so a report quoting its own MRN as an
    # unusual token is caught only by the residual check: a real de-id quarantine.
    with fresh_site(root / "site", RADFORGE_WAREHOUSE__CHUNK_ROWS="12",
                    RADFORGE_DEID__USE_KNOWN_VALUES="false") as settings:
        write_corpus(root / "corpus", reports=24, seed=21, formats=("jsonl",), workers=1, progress=False)
        extra = write_jsonl(root / "extra.jsonl", [
            report(1, mrn="QX7Z9K", text="FINDINGS: Compared with study QX7Z9K the lungs are clear.\nIMPRESSION: x"),
            report(2, accession="", text="FINDINGS: no accession"),
        ])
        out = {"settings": settings, "root": root,
               "ingest": json.loads(_cli("ingest", str(root / "corpus" / "reports.jsonl"), str(extra), "--json")),
               "deid": json.loads(_cli("deid-zone", "--json")),
               "pairs": json.loads(_cli("pairs", "--json")),
               "snapshot": json.loads(_cli("dataset", "snapshot", "--name", "e2e", "--json"))}
        yield out


def test_every_row_lands_in_one_place(pipeline):
    ing, deid = pipeline["ingest"], pipeline["deid"]
    assert ing["rows_in"] == 26 and ing["rows_written"] + ing["rows_quarantined"] == 26
    assert deid["rows_in"] == ing["rows_written"] and deid["partitions_done"] == 3
    assert deid["rows_deid"] + deid["rows_quarantined"] == deid["rows_in"]
    extra_batch = next(f["batch_id"] for f in ing["files"] if f["source_file"].endswith("extra.jsonl"))
    q = pl.read_parquet(sorted((pipeline["settings"].zone("quarantine") / "deid").rglob("*.parquet")))
    assert q.height == deid["rows_quarantined"] and set(q["stage"]) == {"deid"}
    mine = q.filter(pl.col("row_id").str.starts_with(extra_batch))
    assert mine["reason"].to_list() == ["residual_phi:ID"]  # the report quoting its own MRN
    reasons = {r: n for p in deid["partitions"] for r, n in p["reasons"].items()}
    assert sum(reasons.values()) == q.height
    pairs = pipeline["pairs"]
    assert pairs["candidates"] == deid["rows_deid"] and pairs["pairs"] + pairs["rejected"] == pairs["candidates"]


def test_deid_zone_layout_and_columns(pipeline):
    settings = pipeline["settings"]
    files = sorted(settings.zone("deid").glob("exam_year=*/part-*.parquet"))
    assert files and all(f.parent.name.startswith("exam_year=") for f in files)
    df = pl.read_parquet(files)
    for col in ("patient_key", "report_key", "accession_key", "version", "exam_year", "exam_datetime_shifted",
                "modality", "body_part", "text_deid", "engine_version", "raw_row_id_hash"):
        assert col in df.columns, col
    for f in files:
        assert set(pl.read_parquet(f)["exam_year"]) == {int(f.parent.name.split("=")[1])}
    corpus = [json.loads(line) for line in (pipeline["root"] / "corpus" / "reports.jsonl").read_text().splitlines()]
    mrns = {r["mrn"] for r in corpus} | {r["accession"] for r in corpus}
    joined = "\n".join(df["text_deid"].to_list())
    assert not [m for m in mrns if m and m in joined]  # no MRN or accession number survives de-identification
    assert _cli("deid-zone", "--json") and json.loads(_cli("deid-zone", "--json"))["partitions_done"] == 0


def test_reconcile_passes_and_ingest_again_is_a_no_op(pipeline):
    out = json.loads(_cli("warehouse", "reconcile", "--json"))
    assert out["ok"] and out["totals"]["rows_in"] == 26 and not out["mismatches"]
    again = json.loads(_cli("ingest", str(pipeline["root"] / "corpus" / "reports.jsonl"), "--json"))
    assert [f["status"] for f in again["files"]] == ["skipped"]
    text = _cli("warehouse", "reconcile")
    assert "MISMATCH" not in text and f"pairs={pipeline['pairs']['pairs']}" in text


def test_sql_reads_views_and_refuses_writes_and_raw_files(pipeline):
    rows = json.loads(_cli("sql", "SELECT stage, removed, remaining FROM latest_funnel ORDER BY 3 DESC", "--json"))
    assert rows[0] == {"stage": "candidates", "removed": 0, "remaining": pipeline["pairs"]["candidates"]}
    n = json.loads(_cli("sql", "SELECT count(*) AS n FROM snapshot_rows WHERE snapshot = 'e2e'", "--json"))
    assert n == [{"n": pipeline["pairs"]["pairs"]}]
    n = json.loads(_cli("sql", "SELECT count(*) AS n FROM deid_reports", "--json"))
    assert n == [{"n": pipeline["deid"]["rows_deid"]}]
    refused = runner.invoke(app, ["sql", "DELETE FROM ledger"])
    assert refused.exit_code == 1 and type(refused.exception).__name__ == "ReadOnlyQuery"
    from radforge.errors import RadforgeError
    from warehouse.views import run_sql

    raw = str(pipeline["settings"].zone("raw") / "*" / "*.parquet")
    with pytest.raises(Exception, match="(?i)permission|disabled"):
        run_sql(f"SELECT * FROM read_parquet('{raw}')", pipeline["settings"])
    with pytest.raises(RadforgeError, match="only SELECT"):
        run_sql("COPY (SELECT 1) TO '/tmp/x.csv'", pipeline["settings"])


def test_dataset_list_and_existing_name(pipeline):
    listed = json.loads(_cli("dataset", "list", "--json"))
    assert [s["name"] for s in listed] == ["e2e"] and listed[0]["hash"] == pipeline["snapshot"]["hash"]
    result = runner.invoke(app, ["dataset", "snapshot", "--name", "e2e"])
    assert result.exit_code != 0 and isinstance(result.exception, Exception)
    assert type(result.exception).__name__ == "SnapshotExists"


@pytest.mark.parametrize("zone", ["deid", "raw"])
def test_reconcile_fails_when_a_row_is_removed_by_hand(pipeline, tmp_path, monkeypatch, zone):
    """On a copy of the site (the ledger stores site-relative paths, so a copied site is whole)."""
    home = tmp_path / "copy"
    shutil.copytree(pipeline["settings"].root, home)
    monkeypatch.setenv("RADFORGE_HOME", str(home))
    monkeypatch.setenv("RADFORGE_WAREHOUSE__CHUNK_ROWS", "12")
    assert json.loads(_cli("warehouse", "reconcile", "--json"))["ok"]

    pattern = "exam_year=*/part-*.parquet" if zone == "deid" else "batch=*/part-*.parquet"
    victim = sorted((home / zone).glob(pattern))[0]
    df = pl.read_parquet(victim)
    df.slice(1).write_parquet(victim)  # one row removed by hand
    out = json.loads(_cli("warehouse", "reconcile", "--json", code=1))
    assert not out["ok"] and out["mismatches"]
    assert "MISMATCH" in _cli("warehouse", "reconcile", code=1)


def test_partitions_de_identified_after_the_pairs_run_are_pending_not_a_mismatch(pipeline, tmp_path, monkeypatch):
    """Under a real scheduler a pairs run can start while de-id tasks still commit partitions (issue #20): the
    pairs check counts the partitions that run read, and the newer ones are pending until the next pairs run."""
    home = tmp_path / "copy"
    shutil.copytree(pipeline["settings"].root, home)
    monkeypatch.setenv("RADFORGE_HOME", str(home))
    monkeypatch.setenv("RADFORGE_WAREHOUSE__CHUNK_ROWS", "12")
    more = write_jsonl(tmp_path / "more.jsonl", [report(i) for i in range(40, 45)])
    _cli("ingest", str(more), "--json")
    assert json.loads(_cli("deid-zone", "--json"))["partitions_done"] == 1
    out = json.loads(_cli("warehouse", "reconcile", "--json"))  # exit 0: nothing lost, one partition pending
    assert out["ok"] and out["pairs_pending_partitions"] == 1, out["mismatches"]
    _cli("pairs", "--json")
    out = json.loads(_cli("warehouse", "reconcile", "--json"))
    assert out["ok"] and out["pairs_pending_partitions"] == 0

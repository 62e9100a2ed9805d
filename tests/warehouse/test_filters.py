"""Every filter rejects with its own reason; the funnel adds up; Polars == the plain-Python reference."""

from __future__ import annotations

import polars as pl
import pytest
from wh_helpers import commit_deid, deid_row, pair_text

from warehouse.filters import STAGES, FilterConfig, select_pairs, select_pairs_python
from warehouse.schema import DEID_SCHEMA

LONG = ("The lungs are clear without focal consolidation. There is no pleural effusion or pneumothorax. "
        "The cardiomediastinal silhouette is normal.")
CFG = FilterConfig(min_findings_words=10, min_tokens=8, max_tokens=40, drop_templated_normals=True)

CASES = [
    # (what the candidate looks like, de-identified text, expected reason; None = kept as a pair)
    ("a good pair", pair_text(LONG + " Mild scoliosis.", "Mild scoliosis."), None),
    ("an empty text", "", "empty_text"),
    ("a combined section", "FINDINGS/IMPRESSION: " + LONG, "combined_section"),
    ("no findings section", "IMPRESSION: Normal chest.", "missing_findings"),
    ("no impression section", "FINDINGS: " + LONG, "missing_impression"),
    ("findings under ten words", pair_text("Lungs clear. No effusion.", "Clear."), "short_findings"),
    ("an impression longer than the findings", pair_text(LONG, LONG + " Also " + LONG), "impression_longer"),
    ("an impression copied from the findings", pair_text(LONG, LONG.rsplit(" The ", 1)[0]), "impression_copied"),
    ("more tokens than the window allows", pair_text(LONG + " " + LONG, "Bilateral findings as above, stable."),
     "token_window"),
    ("a templated normal impression", pair_text(LONG, "No acute cardiopulmonary abnormality."), "templated_normal"),
    ("an exact duplicate of the good pair", pair_text(LONG + " Mild scoliosis.", "Mild scoliosis."),
     "exact_duplicate"),
    ("a duplicate after normalisation", pair_text(LONG.upper() + "  mild scoliosis!", "MILD scoliosis"),
     "normalised_duplicate"),
]


def _frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=DEID_SCHEMA)


def test_each_filter_keeps_its_reason():
    rows = [deid_row(i, text) for i, (_, text, _) in enumerate(CASES)]
    pairs, rejected, funnel = select_pairs(_frame(rows), CFG)
    reasons = dict(zip(rejected["report_key"], rejected["reason"], strict=True))
    for i, (case, _, expected) in enumerate(CASES):
        key = f"a{i:05d}:1"
        assert reasons.get(key) == expected, case
    assert pairs["report_key"].to_list() == ["a00000:1"]
    assert pairs.row(0, named=True)["findings"] == LONG + " Mild scoliosis."
    assert pairs.row(0, named=True)["impression"] == "Mild scoliosis."
    by_stage = {f["stage"]: f for f in funnel}
    assert by_stage["candidates"]["remaining"] == len(CASES)
    assert sum(f["removed"] for f in funnel) == len(CASES) - 1
    assert by_stage["pairs"]["remaining"] == 1 == funnel[-2]["remaining"]
    assert [f["stage"] for f in funnel[1:-1]] == list(STAGES)


def test_templated_normals_are_kept_unless_asked():
    rows = [deid_row(0, pair_text(LONG, "No acute cardiopulmonary abnormality."))]
    pairs, _, _ = select_pairs(_frame(rows), FilterConfig(drop_templated_normals=False))
    assert pairs.height == 1


def test_the_latest_version_of_an_accession_wins():
    original = deid_row(1, pair_text(LONG + " Left effusion.", "Left effusion."), accession="acc", version=1)
    addendum = deid_row(1, pair_text(LONG + " Right effusion.", "Right effusion, corrected."), accession="acc",
                        version=2)
    copy = {**addendum, "raw_row_id_hash": "zz-second-copy"}  # the same version again (another export format)
    pairs, rejected, _ = select_pairs(_frame([original, copy, addendum]), CFG)
    assert pairs["report_key"].to_list() == ["acc:2"]
    assert pairs["impression"].to_list() == ["Right effusion, corrected."]
    assert sorted(rejected["reason"].to_list()) == ["duplicate_report", "superseded_version"]


def test_polars_matches_the_python_reference_on_synth_texts(corpus):
    import json

    lines = (corpus / "reports.jsonl").read_text().splitlines()
    rows = []
    for i, line in enumerate(lines):
        r = json.loads(line)
        rows.append(deid_row(i, r["text"], accession=r["accession"], version=r["version"], patient=r["mrn"]))
    cfg = FilterConfig(min_findings_words=10, min_tokens=8, max_tokens=200, drop_templated_normals=True)
    kept = set(select_pairs(_frame(rows), cfg)[0]["report_key"])
    good = [r for r in rows if r["report_key"] in kept][:5]
    rows += [deid_row(1000 + i, r["text_deid"], accession=f"zdup{i}") for i, r in enumerate(good)]
    pairs, rejected, _ = select_pairs(_frame(rows), cfg)
    py_pairs, py_rejected = select_pairs_python(rows, cfg)
    assert pairs["report_key"].to_list() == [r["report_key"] for r in py_pairs]
    assert pairs["findings"].to_list() == [r["findings"] for r in py_pairs]
    assert pairs["impression"].to_list() == [r["impression"] for r in py_pairs]
    assert dict(zip(rejected["report_key"], rejected["reason"], strict=True)) == {
        r["report_key"]: r["reason"] for r in py_rejected}
    assert pairs.height > 0.5 * len(lines)
    assert rejected.filter(pl.col("reason") == "exact_duplicate")["report_key"].to_list() == [
        f"zdup{i}:1" for i in range(5)]


def test_build_pairs_stores_pairs_rejects_and_funnel(site):
    from radforge.catalog import reader
    from warehouse.pairs import build_pairs

    commit_deid(site, [deid_row(i, text) for i, (_, text, _) in enumerate(CASES)])
    result = build_pairs(site, CFG)
    assert (result.candidates, result.pairs, result.changed) == (len(CASES), 1, True)
    assert pl.read_parquet(result.pairs_path).height + pl.read_parquet(result.rejected_path).height == len(CASES)
    with reader(site) as con:
        funnel = con.execute("SELECT stage, removed FROM funnel WHERE run_id = ? ORDER BY step",
                             [result.run_id]).fetchall()
    assert funnel == [(f["stage"], f["removed"]) for f in result.funnel]
    again = build_pairs(site, CFG)
    assert (again.run_id, again.changed) == (result.run_id, False)


@pytest.mark.parametrize("field", ["min_findings_words", "max_tokens"])
def test_filter_thresholds_come_from_config(field):
    text = pair_text(LONG, "Normal chest radiograph today.")
    loose = FilterConfig()
    strict = FilterConfig(**{field: 30 if field == "min_findings_words" else 12})
    assert select_pairs(_frame([deid_row(0, text)]), loose)[0].height == 1
    assert select_pairs(_frame([deid_row(0, text)]), strict)[0].height == 0

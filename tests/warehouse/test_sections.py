"""Section parsing: a table of the spellings real reports use, and Polars == the plain-`re` reference."""

from __future__ import annotations

import json

import polars as pl
import pytest

from warehouse.sections import extract_sections, sections_python

SPELLINGS = [
    # (how the report is written, text, findings, impression, parse status)
    ("upper-case headers with colons", "FINDINGS: Lungs clear.\nIMPRESSION: Normal chest.",
     "Lungs clear.", "Normal chest.", "ok"),
    ("title-case headers alone on their lines", "Findings\nLungs clear.\nImpression\nNormal chest.",
     "Lungs clear.", "Normal chest.", "ok"),
    ("both sections run together on one line", "EXAM: CT. FINDINGS: Lungs clear. IMPRESSION: Normal chest.",
     "Lungs clear.", "Normal chest.", "ok"),
    ("CONCLUSION for the impression", "FINDINGS: Lungs clear.\n\nCONCLUSION: Normal chest.",
     "Lungs clear.", "Normal chest.", "ok"),
    ("SUMMARY and REPORT headers", "REPORT:\nLungs clear.\n\nSUMMARY\nNormal chest.", "Lungs clear.",
     "Normal chest.", "ok"),
    ("a numbered impression list", "FINDINGS: Two nodules.\nIMPRESSION:\n1. Nodule A.\n2.  Nodule B.",
     "Two nodules.", "1. Nodule A.\n2. Nodule B.", "ok"),
    ("an addendum after the impression", "FINDINGS: Lungs clear.\nIMPRESSION: Normal.\n\nADDENDUM: Prior seen.",
     "Lungs clear.", "Normal.", "ok"),
    ("a sign-off after the impression", "FINDINGS: a b.\nIMPRESSION: Normal.\nElectronically signed by: [NAME]",
     "a b.", "Normal.", "ok"),
    ("a communication sentence after a run-together impression",
     "FINDINGS: Big bleed. IMPRESSION: Acute hemorrhage. Critical result communicated to [NAME] at [TIME].",
     "Big bleed.", "Acute hemorrhage.", "ok"),
    ("a paragraph of prose after the impression", "FINDINGS: x y.\nIMPRESSION: Normal.\n\nPlease call us.",
     "x y.", "Normal.", "ok"),
    ("a corrected impression", "FINDINGS: x y.\nCORRECTED IMPRESSION:\nRight, not left.", "x y.",
     "Right, not left.", "ok"),
    ("lower-case headers", "findings: lungs clear. impression: normal.", "lungs clear.", "normal.", "ok"),
    ("a combined FINDINGS/IMPRESSION section", "EXAM: XR\nFINDINGS/IMPRESSION: Normal.", None, None, "combined"),
    ("a combined FINDINGS AND IMPRESSION section", "FINDINGS AND IMPRESSION:\nNormal.", None, None, "combined"),
    ("no findings header", "EXAM: CT\nIMPRESSION: Normal.", None, "Normal.", "missing_findings"),
    ("no impression header", "FINDINGS: Lungs clear.\nSigned by [NAME]", "Lungs clear.", None, "missing_impression"),
    ("an empty findings section", "FINDINGS:\n\nIMPRESSION: Normal.", None, "Normal.", "missing_findings"),
    ("no headers at all", "Lungs clear. Normal chest.", None, None, "missing_both"),
    ("an empty text", "  \n", None, None, "empty"),
    ("'findings' used in prose is not a header", "FINDINGS: These findings are stable.\nIMPRESSION: Stable.",
     "These findings are stable.", "Stable.", "ok"),
    ("non-ASCII text", "FINDINGS: Lésion hépatique.\nIMPRESSION: Kyste bénin.", "Lésion hépatique.",
     "Kyste bénin.", "ok"),
]


@pytest.mark.parametrize(("case", "text", "findings", "impression", "status"), SPELLINGS, ids=[s[0] for s in SPELLINGS])
def test_section_spellings(case, text, findings, impression, status):
    row = extract_sections(pl.DataFrame({"text_deid": [text]})).collect().row(0, named=True)
    assert (row["findings"], row["impression"], row["parse_status"]) == (findings, impression, status)
    assert sections_python(text) == (findings, impression, status)


def test_null_text_is_empty():
    row = extract_sections(pl.DataFrame({"text_deid": [None]}, schema={"text_deid": pl.String})).collect().row(0)
    assert row[1:] == (None, None, "empty")


def test_polars_and_python_agree_on_the_synth_corpus(corpus):
    rows = [json.loads(line) for line in (corpus / "reports.jsonl").read_text().splitlines()]
    texts = [r["text"] for r in rows]
    out = extract_sections(pl.DataFrame({"text_deid": texts})).collect()
    polars_rows = list(zip(out["findings"], out["impression"], out["parse_status"], strict=True))
    assert polars_rows == [sections_python(t) for t in texts]
    tags = [set(r["tags"]) for r in rows]
    status = out["parse_status"].to_list()
    assert [s == "combined" for s in status] == ["combined_sections" in t for t in tags]
    assert [s == "empty" for s in status] == ["empty_text" in t for t in tags]


def test_sections_match_the_synth_gold_offsets(corpus):
    """synth's sections.jsonl gives each section's span in the text: the sectioner must find the same text."""
    gold_path = corpus / "sections.jsonl"
    if not gold_path.exists():
        pytest.skip("this synth version writes no sections.jsonl")
    rows = [json.loads(line) for line in (corpus / "reports.jsonl").read_text().splitlines()]
    gold = {g["id"]: g for g in map(json.loads, gold_path.read_text().splitlines())}
    out = extract_sections(pl.DataFrame({"text_deid": [r["text"] for r in rows]})).collect()

    def norm(s: str | None) -> str:
        return " ".join((s or "").split())

    checked = agree = 0
    for r, findings, impression in zip(rows, out["findings"], out["impression"], strict=True):
        if "combined_sections" in r["tags"]:
            continue  # one section for both: not a pair, by design (parse_status "combined")
        g = gold[r["id"]]
        want = [norm(r["text"][a:b]) if span else "" for span in (g["findings"], g["impression"])
                for a, b in [span or (0, 0)]]
        checked += 1
        agree += want == [norm(findings), norm(impression)]
    assert checked >= 50 and agree >= 0.97 * checked, (agree, checked)

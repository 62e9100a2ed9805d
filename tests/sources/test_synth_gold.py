"""The gold policy of the synthetic corpus, read as sentences: what is PHI, what only looks like it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from sources.synth import generate_block
from sources.synth.exams import ALL_EXAMS
from sources.synth.vocab import EPONYM_TERMS, TRAP_SURNAMES
from sources.synth.writers import hl7_escape

RADFORGE = Path(sys.executable).with_name("radforge")
# Clinical look-alikes that a careless de-identifier flags; none of them may touch a gold span.
LOOKALIKES = {
    "spine level": r"\b[CTL]\d{1,2}-[CTLS]?\d{1,2}\b",
    "series/image": r"series \d+, image \d+",
    "BI-RADS": r"BI-RADS \d[A-C]?",
    "sequence": r"\bT[12]-weighted\b",
    "strength": r"\b[0-5]/5 strength\b",
    "dose": r"\b\d+(\.\d+)? (mCi|mGy|mL|uCi)\b",
    "size": r"\b\d+(\.\d+)? x \d+(\.\d+)?( x \d+(\.\d+)?)? cm\b",
    "guideline year": r"Fleischner 2017",
    "relative time": r"\b(\d+ (weeks|days|months)|day \d+|\d+ hours ago)\b",
}


@pytest.fixture(scope="module")
def records() -> list[dict]:
    out = []
    for block in range(4):
        out.extend(generate_block(11, block, 500)[0])
    return out


def _overlaps(spans: list[tuple[int, int, str]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e, _ in spans)


@pytest.mark.parametrize("name", sorted(LOOKALIKES))
def test_clinical_lookalikes_are_not_gold(records: list[dict], name: str) -> None:
    pattern = re.compile(LOOKALIKES[name])
    seen = 0
    for r in records:
        for m in pattern.finditer(r["text"]):
            seen += 1
            assert not _overlaps(r["spans"], m.start(), m.end()), (r["id"], m.group())
    assert seen, f"the corpus should contain {name} look-alikes"


def test_eponyms_are_not_gold_but_eponymous_physicians_are(records: list[dict]) -> None:
    eponyms = 0
    trap_names = 0
    for r in records:
        for term in (t for t in EPONYM_TERMS if " " in t or "-" in t):  # "Fleischner" alone may be Dr. Fleischner
            for m in re.finditer(re.escape(term), r["text"]):
                eponyms += 1
                assert not _overlaps(r["spans"], m.start(), m.end()), (r["id"], term)
        for s, e, kind in r["spans"]:
            if kind == "PERSON" and r["text"][s:e].split()[-1] in TRAP_SURNAMES:
                trap_names += 1
    assert eponyms > 100 and trap_names > 100
    assert sum("eponym_name" in r["tags"] for r in records) > 10


def test_ages_are_gold_only_over_89(records: list[dict]) -> None:
    ages = [r["text"][s:e] for r in records for s, e, kind in r["spans"] if kind == "AGE"]
    assert ages and all(a.isdigit() and int(a) > 89 for a in ages)
    young = re.compile(r"\b([1-8]?\d)(-year-old| y/o| year old)")
    assert any(young.search(r["text"]) for r in records)  # present in text, not gold


def test_dates_come_in_many_formats_and_years_alone_are_not_gold(records: list[dict]) -> None:
    dates = [r["text"][s:e] for r in records for s, e, kind in r["spans"] if kind == "DATE"]
    forms = {
        "03/14/2019": r"^\d{2}/\d{2}/\d{4}$", "3/14/2019": r"^\d{1,2}/\d{1,2}/\d{4}$",
        "March 14, 2019": r"^[A-Z][a-z]+ \d{1,2}, \d{4}$", "14-Mar-19": r"^\d{2}-[A-Z][a-z]{2}-\d{2}$",
        "2019-03-14": r"^\d{4}-\d{2}-\d{2}$", "3/14": r"^\d{1,2}/\d{1,2}$", "last March": r"^last [A-Z][a-z]+$",
        "March 2019": r"^[A-Z][a-z]+ \d{4}$", "date and time": r"\d{1,2}:\d{2}", "time alone": r"^\d{1,2}:\d{2}",
    }
    missing = [name for name, rx in forms.items() if not any(re.search(rx, d) for d in dates)]
    assert not missing, missing
    assert not [d for d in dates if re.fullmatch(r"\d{4}", d)]


def test_every_phi_type_appears_in_free_text_not_only_in_headers(records: list[dict]) -> None:
    kinds = Counter()
    for r in records:
        body_start = r["sections"].get("findings", (len(r["text"]),))[0]
        kinds.update(kind for s, _, kind in r["spans"] if s >= body_start)
    assert {"PERSON", "DATE", "PHONE", "EMAIL", "URL", "IP", "ORGANIZATION"} <= set(kinds)


def test_sections_mark_findings_and_impression(records: list[dict]) -> None:
    with_findings = [r for r in records if "findings" in r["sections"]]
    assert len(with_findings) > 0.9 * len(records)
    words = [len(r["text"][slice(*r["sections"]["findings"])].split()) for r in with_findings]
    assert sum(w > 10 for w in words) > 0.9 * len(words)
    for r in records:
        if "no_findings" in r["tags"] or "empty_text" in r["tags"]:
            assert "findings" not in r["sections"]
        if "no_impression" in r["tags"] or "empty_text" in r["tags"]:
            assert "impression" not in r["sections"]


def test_impression_summarises_the_findings(records: list[dict]) -> None:
    """Normal studies get one of their exam's normal impressions; abnormal ones do not."""
    normals = {(e.modality, e.body_part): tuple(i.split("{")[0].lower() for i in e.normal_impressions)
               for e in ALL_EXAMS}
    assert len(normals) == len(ALL_EXAMS)
    checked = Counter()
    for r in records:
        if "impression" not in r["sections"] or "correction" in r["tags"] or "superseded" in r["tags"]:
            continue
        impression = r["text"][slice(*r["sections"]["impression"])]
        is_normal = impression.lower().startswith(normals[(r["modality"], r["body_part"])])
        assert is_normal == ("normal" in r["tags"]), (r["id"], impression)
        checked[is_normal] += 1
    assert checked[True] > 300 and checked[False] > 300


def test_corrected_report_changes_only_the_impression(records: list[dict]) -> None:
    by_acc: dict[str, list[dict]] = {}
    for r in records:
        by_acc.setdefault(r["accession"], []).append(r)
    corrected = [v for v in by_acc.values() if any("correction" in r["tags"] for r in v)]
    assert corrected
    for original, fixed in corrected:
        assert fixed["text"].startswith("*** CORRECTED REPORT ***\n")
        o_find, f_find = (r["text"][slice(*r["sections"].get("findings", (0, 0)))] for r in (original, fixed))
        o_imp, f_imp = (r["text"][slice(*r["sections"]["impression"])] for r in (original, fixed))
        assert o_find == f_find and o_imp != f_imp


def test_hl7_escape_covers_every_delimiter() -> None:
    assert hl7_escape(r"a|b^c&d~e\f") == r"a\F\b\S\c\T\d\R\e\E\f"


def test_cli_json_summary_and_bad_format(tmp_path: Path) -> None:
    proc = subprocess.run([str(RADFORGE), "synth", "-n", "50", "--seed", "2", "--out", str(tmp_path / "c"),
                           "--formats", "jsonl", "--json"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["reports"] == 50 and set(summary["files"]) == {"reports.jsonl", "gold.jsonl", "sections.jsonl"}
    assert summary["years"][0] >= 2008 and summary["years"][1] <= 2025
    bad = subprocess.run([str(RADFORGE), "synth", "-n", "5", "--out", str(tmp_path / "d"), "--formats", "xml"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "Invalid value for '--formats': xml" in bad.stderr  # a usage error


def test_exams_fit_the_patient(records: list[dict]) -> None:
    """Mammograms for women over 30, prostate MRI for men; a patient keeps one name, sex and DOB."""
    for r in records:
        age = int(r["exam_datetime"][:4]) - int(r["dob"][:4])
        if r["modality"] == "MG":
            assert r["sex"] == "F" and age >= 30, r["id"]
        if r["body_part"] in ("PROSTATE", "SCROTUM"):
            assert r["sex"] == "M", r["id"]
    people: dict[str, tuple] = {}
    for r in records:
        assert people.setdefault(r["mrn"], (r["patient_name"], r["sex"], r["dob"])) == \
            (r["patient_name"], r["sex"], r["dob"])


# PHI-shaped strings that must always lie inside some gold span (completeness of the gold).
MUST_BE_GOLD = {
    "email": r"[\w.]+@[\w.-]+\.\w+",
    "url": r"https?://\S+",
    "ip": r"\b(?:10|172|192)\.\d{1,3}\.\d{1,3}\.\d{1,3}\b",
    "phone": r"\(\d{3}\) 555-\d{4}|\b\d{3}[-.]555[-.]\d{4}\b|\b555-\d{4}\b|\+1 \d{3} 555 \d{4}",
    "numeric date": r"\b\d{1,2}/\d{1,2}/\d{2}(?:\d{2})?\b",
    "iso date": r"\b(?:19|20)\d{2}-\d{2}-\d{2}\b",
    "long date": r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December)"
                 r" \d{1,2}, \d{4}\b",
    "clock time": r"\b\d{1,2}:\d{2}(?: ?[AaPp][Mm])?\b",
}


def _catalogue_words() -> frozenset[str]:
    texts = [t for e in ALL_EXAMS for t in (*e.titles, *e.techniques, *e.indications, *e.normal_impressions)]
    texts += [t for e in ALL_EXAMS for _, normals in e.organs for t in normals]
    texts += [t for e in ALL_EXAMS for a in e.abnormal for t in (a.organ, a.finding, a.impression)]
    credentials = {"md", "do", "mbbs", "rn", "rt"}  # a patient named Do next to "Lee, Minh, DO"
    return frozenset(re.findall(r"\w+", " ".join(texts).lower())) | credentials


CATALOGUE_WORDS = _catalogue_words()


def _covered(spans: list[tuple[int, int, str]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e, _ in spans)


@pytest.mark.parametrize("name", sorted(MUST_BE_GOLD))
def test_phi_shaped_strings_are_always_gold(records: list[dict], name: str) -> None:
    pattern = re.compile(MUST_BE_GOLD[name])
    seen = 0
    for r in records:
        for m in pattern.finditer(r["text"]):
            seen += 1
            assert _covered(r["spans"], m.start(), m.end()), (r["id"], name, m.group())
    assert seen > 50


def test_every_mention_of_the_patient_mrn_accession_and_surname_is_gold(records: list[dict]) -> None:
    surnames = 0
    for r in records:
        text = r["text"]
        for value in (r["mrn"], r["accession"]):
            for m in re.finditer(re.escape(value), text):
                assert _covered(r["spans"], m.start(), m.end()), (r["id"], "id")
        last = r["last"]
        if last in TRAP_SURNAMES or last.lower() in CATALOGUE_WORDS:
            continue  # "Hill" in Hill-Sachs, "Gray" in gray-white matter, "Li" in LI-RADS: not the patient
        for form in {last, last.upper()}:
            for m in re.finditer(rf"(?<!\w){re.escape(form)}(?!\w)", text):
                surnames += 1
                assert _covered(r["spans"], m.start(), m.end()), (r["id"], "surname")
    assert surnames > 1000

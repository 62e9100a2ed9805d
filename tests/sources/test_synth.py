"""The synthetic corpus: determinism, gold spans, hard cases, and the CSV/HL7 exports parse back."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from sources.synth import PHI_TYPES, iter_reports, write_corpus

REPO = Path(__file__).resolve().parents[2]
RADFORGE = Path(sys.executable).with_name("radforge")
FILES = ("reports.jsonl", "gold.jsonl", "sections.jsonl", "reports.csv", "reports.hl7")
HARD_CASES = ("no_findings", "no_impression", "empty_text", "addendum", "correction", "templated_normal", "long",
              "non_ascii_name", "short_findings", "age_over_89", "run_together", "combined_sections",
              "numbered_impression", "critical_result", "outside_hospital", "all_caps", "eponym_name")


def _digests(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in FILES}


def _load(folder: Path) -> tuple[list[dict], list[dict]]:
    reports = [json.loads(line) for line in (folder / "reports.jsonl").read_text(encoding="utf-8").splitlines()]
    gold = [json.loads(line) for line in (folder / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    return reports, gold


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1000 reports, seed 7, written by the real CLI in a subprocess."""
    out = tmp_path_factory.mktemp("synth") / "a"
    proc = subprocess.run([str(RADFORGE), "synth", "--reports", "1000", "--seed", "7", "--out", str(out)],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert "1000 reports" in proc.stdout
    return out


def test_same_seed_gives_byte_identical_files(corpus: Path, tmp_path: Path) -> None:
    again = write_corpus(tmp_path / "b", reports=1000, seed=7)
    assert again["reports"] == 1000
    assert _digests(corpus) == _digests(tmp_path / "b")


def test_output_does_not_depend_on_workers(corpus: Path, tmp_path: Path) -> None:
    write_corpus(tmp_path / "w2", reports=1000, seed=7, workers=2)
    assert _digests(corpus) == _digests(tmp_path / "w2")


def test_another_seed_gives_another_corpus(corpus: Path, tmp_path: Path) -> None:
    write_corpus(tmp_path / "s8", reports=1000, seed=8, formats=("jsonl",))
    assert (tmp_path / "s8" / "reports.jsonl").read_bytes() != (corpus / "reports.jsonl").read_bytes()


def test_every_gold_span_lies_inside_its_text(corpus: Path) -> None:
    reports, gold = _load(corpus)
    assert [r["id"] for r in reports] == [g["id"] for g in gold]
    assert len({r["id"] for r in reports}) == len(reports) == 1000
    kinds = Counter()
    for r, g in zip(reports, gold, strict=True):
        last_end = 0
        for s in g["spans"]:
            assert 0 <= s["start"] < s["end"] <= len(r["text"])
            assert s["start"] >= last_end, "spans overlap or are out of order"
            piece = r["text"][s["start"]:s["end"]]
            assert piece.strip() == piece and piece, (r["id"], s)
            assert s["type"] in PHI_TYPES
            kinds[s["type"]] += 1
            last_end = s["end"]
    assert set(kinds) == set(PHI_TYPES)


def test_header_phi_is_gold(corpus: Path) -> None:
    """The MRN and accession printed in a report are always covered by an ID span."""
    reports, gold = _load(corpus)
    checked = 0
    for r, g in zip(reports, gold, strict=True):
        ids = {r["text"][s["start"]:s["end"]] for s in g["spans"] if s["type"] == "ID"}
        for value in (r["mrn"], r["accession"]):
            if value in r["text"]:
                assert value in ids, r["id"]
                checked += 1
    assert checked > 500


def test_every_hard_case_is_present(corpus: Path) -> None:
    reports, _ = _load(corpus)
    tags = Counter(t for r in reports for t in r["tags"])
    missing = [t for t in HARD_CASES if not tags[t]]
    assert not missing, missing
    assert all(r["text"] == "" for r in reports if "empty_text" in r["tags"])
    assert Counter(r["modality"] for r in reports).keys() >= {"CT", "MR", "XR", "US", "MG", "NM"}


def test_second_versions_share_the_accession_of_their_original(corpus: Path) -> None:
    reports, _ = _load(corpus)
    by_acc: dict[str, list[dict]] = {}
    for r in reports:
        by_acc.setdefault(r["accession"], []).append(r)
    dups = [v for v in by_acc.values() if len(v) > 1]
    assert dups
    for versions in dups:
        assert [v["version"] for v in versions] == list(range(1, len(versions) + 1))
        first, second = versions[0], versions[1]
        if "addendum" in second["tags"]:
            assert second["text"].startswith(first["text"]) and "ddendum" in second["text"][len(first["text"]):]
        else:
            assert "correction" in second["tags"] and "CORRECTED" in second["text"]


def test_patients_have_exams_in_several_years(corpus: Path) -> None:
    reports, _ = _load(corpus)
    years: dict[str, set[int]] = {}
    for r in reports:
        years.setdefault(r["mrn"], set()).add(int(r["exam_datetime"][:4]))
        assert 2008 <= int(r["exam_datetime"][:4]) <= 2025
    assert max(len(y) for y in years.values()) >= 4
    assert sum(len(y) >= 2 for y in years.values()) > len(years) // 4
    names = {}
    for r in reports:  # one name and DOB per MRN
        assert names.setdefault(r["mrn"], (r["patient_name"], r["dob"])) == (r["patient_name"], r["dob"])


def test_csv_parses_back(corpus: Path) -> None:
    reports, _ = _load(corpus)
    with open(corpus / "reports.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["AccessionNumber", "MRN", "PatientName", "DOB", "ExamDateTime", "Modality", "BodyPart",
                       "Facility", "Version", "ReportText"]
    assert rows[1:] == [[r["accession"], r["mrn"], r["patient_name"], r["dob"], r["exam_datetime"], r["modality"],
                         r["body_part"], r["facility"], str(r["version"]), r["text"]] for r in reports]
    assert (corpus / "reports.csv").read_bytes().count(b"\r\n") >= len(reports) + 1  # CRLF records


def _hl7_unescape(value: str) -> str:
    out, i = [], 0
    table = {"F": "|", "S": "^", "T": "&", "R": "~", "E": "\\"}
    while i < len(value):
        if value[i] == "\\" and i + 2 < len(value) and value[i + 2] == "\\" and value[i + 1] in table:
            out.append(table[value[i + 1]])
            i += 3
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def test_hl7_parses_back(corpus: Path) -> None:
    reports, _ = _load(corpus)
    messages = [m for m in (corpus / "reports.hl7").read_bytes().decode().split("\n") if m]
    assert len(messages) == len(reports)
    for msg, r in zip(messages, reports, strict=True):
        segs = [s.split("|") for s in msg.split("\r")]
        by_name = Counter(s[0] for s in segs)
        assert segs[0][0] == "MSH" and segs[0][8] == "ORU^R01" and segs[0][11] == "2.5.1"
        pid = next(s for s in segs if s[0] == "PID")
        obr = next(s for s in segs if s[0] == "OBR")
        assert pid[3].split("^")[0] == r["mrn"] and pid[7] == r["dob"].replace("-", "")
        assert obr[2] == r["accession"] and obr[25] == ("F" if r["version"] == 1 else "C")
        text = "\n".join(_hl7_unescape(s[5]) for s in segs if s[0] == "OBX")
        assert text == r["text"]
        assert next(s for s in segs if s[0] == "ZRF")[1] == str(r["version"])
        assert by_name["OBX"] == (r["text"].count("\n") + 1 if r["text"] else 0)


def test_in_memory_records_match_the_files(corpus: Path) -> None:
    reports, gold = _load(corpus)
    records = list(iter_reports(1000, 7))
    assert [r["text"] for r in records] == [r["text"] for r in reports]
    assert [[list(s) for s in r["spans"]] for r in records] == \
        [[[s["start"], s["end"], s["type"]] for s in g["spans"]] for g in gold]

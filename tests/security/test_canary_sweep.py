"""A small seeded canary sweep (the sample of `make canary` that runs in `make test`).

Unique canary PHI in every field and free-text position goes through ingest → de-id zone → pairs →
snapshot → audit report, errors are forced in every stage, and every file outside the raw and
quarantine zones (and every error message) must hold none of it, while the raw zone must hold it
(the scanner's control).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def canary():
    spec = importlib.util.spec_from_file_location("radforge_bench_canary", REPO / "bench" / "canary.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_corpus_plants_unique_canaries_of_every_kind(canary) -> None:
    corpus = canary.build_corpus(30, seed=3)
    kinds = {c.kind for c in corpus.canaries}
    assert kinds >= {"patient_name", "physician_name", "mrn", "accession", "dob", "exam_datetime", "phone",
                     "facility", "address"}
    words = [n for c in corpus.canaries if c.kind in ("patient_name", "physician_name", "facility", "address")
             for n in c.needles]
    assert len(words) == len(set(words))  # every invented word is planted once
    text = "\n".join(r["text"] for r in corpus.records).lower()
    for c in corpus.canaries:
        if c.kind in ("physician_name", "phone", "address", "patient_name"):
            assert c.needles[0] in text.replace("-", "")  # planted in the free text


def test_scanner_finds_each_kind_and_ignores_clean_text(canary) -> None:
    corpus = canary.build_corpus(30, seed=3)
    scanner = canary.Scanner(corpus.canaries, set())
    r = corpus.records[0]
    hits = scanner.find(r["text"] + f" {r['mrn']} {r['accession']} {r['dob']} {r['exam_datetime']}")
    assert {"patient_name", "mrn", "accession", "dob", "exam_datetime"} <= set(hits.values())
    import datetime as dt

    dob = dt.date.fromisoformat(r["dob"])
    assert set(scanner.find(dob.strftime("born %B %d, %Y").replace(" 0", " ")).values()) == {"dob"}
    assert scanner.find("FINDINGS: No acute abnormality. IMPRESSION: Normal chest.") == {}


def test_seeded_sweep_finds_no_canary_outside_the_phi_zones(canary, tmp_path) -> None:
    result = canary.run(24, 7, tmp_path / "site", direct=True, train=False, real_model=False, eval_limit=4,
                        judge_limit=1, quiet=True, quick=True)
    assert result["canaries"] > 150 and result["files_scanned"] > 20
    assert result["canaries_found"] == 0, result["found"]
    assert result["forced_errors"] >= 15 and result["forced_errors_nonzero_rc"] >= 9
    assert {"ingest", "deid_zone", "pairs", "snapshot", "train", "evaluate", "sql", "audit"} <= set(
        result["forced_error_stages"])
    control = result["control_hits_in_raw"]  # the same scanner sees them where they are allowed to be
    for kind in ("patient_name", "physician_name", "mrn", "accession", "dob", "phone", "facility"):
        assert control.get(kind, 0) > 0, kind

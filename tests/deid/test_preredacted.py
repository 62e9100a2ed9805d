"""Pre-redacted marks (public corpora): counted, never entities, never replaced, never a crash."""

import json

from deid import RawReport

TEXT = ("Comparison: XXXX. Indication: XXXX-year-old XXXX with chest pain.\n"
        "Findings: heart size normal, [REDACTED] seen on ***. Prior [** Name **] study on XX/XX/XXXX.\n"
        "The study was reviewed with Dr. ___ on ___.")


def test_marks_are_counted_not_flagged(engine, deid_settings):
    result = engine.deidentify(RawReport("iu-1", TEXT))
    assert result.quarantined is None
    assert result.entities == []
    assert result.text_deid == TEXT
    assert result.preredacted >= 6
    last = (deid_settings.zone("audit") / "trail.jsonl").read_text().splitlines()[-1]
    assert json.loads(last)["counts"]["PREREDACTED"] == result.preredacted


def test_phi_next_to_marks_is_still_found(engine):
    text = "Discussed with Dr. Roe on 03/14/2021 (XXXX)."
    result = engine.deidentify(RawReport("iu-2", text))
    assert {text[e.start:e.end] for e in result.entities} == {"Roe", "03/14/2021"}

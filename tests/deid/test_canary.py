"""Canary PHI: values that must never appear in a log line, an audit record, an exception or a quarantine reason."""

import logging

from deid import RawReport

CANARIES = {"name": "Zebulon Quixwhistle", "mrn": "Q7730051", "phone": "617-555-0199", "dob": "02/29/1944",
            "email": "zq.canary@example.net", "acc": "CAN-99123"}
TEXT = (f"Patient: QUIXWHISTLE, ZEBULON   MRN: {CANARIES['mrn']}   DOB: {CANARIES['dob']}\n"
        f"Accession: {CANARIES['acc']}\nFindings discussed with {CANARIES['name']} at {CANARIES['phone']}, "
        f"{CANARIES['email']}.")


def _assert_clean(blob: str) -> None:
    for value in list(CANARIES.values()) + ["QUIXWHISTLE", "Quixwhistle", "Zebulon", "ZEBULON"]:
        assert value not in blob, "canary leaked"


def test_no_canary_in_logs_audit_results_or_errors(engine, deid_settings, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("presidio-analyzer", "presidio_analyzer", "radforge", "spacy"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    good = RawReport("canary-1", TEXT, mrn=CANARIES["mrn"], accession=CANARIES["acc"], version=1,
                     patient_name="QUIXWHISTLE^ZEBULON", dob="1944-02-29")
    # a report the engine cannot handle (a number where the MRN should be): it fails, the batch does not
    broken = RawReport("canary-2", TEXT, mrn=7730051, accession="CAN-2", version=1)
    results = engine.deidentify_batch([good, broken])
    assert results[0].quarantined is None
    _assert_clean(results[0].text_deid)
    assert results[1].quarantined and results[1].quarantined.startswith("error:")
    _assert_clean(results[1].quarantined)
    _assert_clean(caplog.text)
    trail = (deid_settings.zone("audit") / "trail.jsonl").read_text()
    _assert_clean(trail)
    assert results[0].report_key in trail


def test_errors_raised_by_the_library_carry_no_text(deid_settings):
    import pytest

    from radforge.errors import ConfigError

    deid_settings_bad = deid_settings.model_copy(deep=True)
    deid_settings_bad.deid.recognizers = ["NoSuchRecognizer"]
    from deid import Deidentifier

    with pytest.raises(ConfigError) as info:
        Deidentifier(settings=deid_settings_bad)
    assert "NoSuchRecognizer" in str(info.value) and "known:" in str(info.value)

"""Surrogates: realistic, consistent within a patient, different across patients; tags in tag mode."""

from deid import RawReport

TEXT_A = "Patient: ROE, JANE   MRN: 4455667\nFindings discussed with Dr. Kowalski on 03/14/2021."
TEXT_B = "Follow-up for Jane Roe. Dr. Kowalski was notified. Call 617-555-0101."


def _values(result, text):
    return {text[e.start:e.end]: e.type for e in result.entities}


def test_same_patient_same_fake_name_across_reports(engine):
    a, b = engine.deidentify_batch([RawReport("a", TEXT_A, mrn="4455667", accession="A1", version=1),
                                    RawReport("b", TEXT_B, mrn="4455667", accession="A2", version=1)])
    assert a.quarantined is None and b.quarantined is None
    assert "Kowalski" not in a.text_deid and "Kowalski" not in b.text_deid
    fake_a = a.text_deid.split("Dr. ")[1].split()[0]
    fake_b = b.text_deid.split("Dr. ")[1].split()[0]
    assert fake_a == fake_b  # same real name, same patient -> same surrogate
    assert "ROE" not in a.text_deid and "Roe" not in b.text_deid


def test_other_patient_other_fake(engine):
    results = engine.deidentify_batch([RawReport(f"p{i}", "Findings discussed with Dr. Kowalski.", mrn=f"90000{i}")
                                       for i in range(6)])
    fakes = {r.text_deid.split("Dr. ")[1].rstrip(".") for r in results}
    assert len(fakes) > 1  # keyed by patient: not one global replacement table


def test_surrogate_keeps_shapes(engine):
    text = "MRN: 00123456. Call (617) 555-5372. Age 93 years. Email jroe@example.com."
    r = engine.deidentify(RawReport("s", text, mrn="00123456"))
    out = r.text_deid
    assert "00123456" not in out and "555-5372" not in out and "jroe@example.com" not in out
    assert "90+ years" in out
    assert "@example.org" in out


def test_tag_mode(tag_engine):
    r = tag_engine.deidentify(RawReport("t", TEXT_A, mrn="4455667"))
    assert "[PERSON]" in r.text_deid and "[ID]" in r.text_deid and "[DATE]" in r.text_deid
    assert "Kowalski" not in r.text_deid and "4455667" not in r.text_deid


def test_entities_point_into_the_original_text(engine):
    r = engine.deidentify(RawReport("o", TEXT_A))
    values = _values(r, TEXT_A)
    assert values["Kowalski"] == "PERSON" and values["03/14/2021"] == "DATE" and values["4455667"] == "ID"

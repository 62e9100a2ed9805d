"""Residual check: a report whose output still holds PHI-shaped text goes to quarantine, with the reason."""

from deid import RawReport
from deid.engine import Deidentifier
from deid.residual import ResidualChecker


def test_residual_hit_quarantines_the_report(deid_settings):
    # A site that (mis)configured the engine without the phone recognizer: the residual pass still catches it.
    settings = deid_settings.model_copy(deep=True)
    settings.deid.recognizers = ["HeaderFieldRecognizer", "PersonCueRecognizer", "DateRecognizer"]
    settings.deid.ner = "off"
    engine = Deidentifier(settings=settings)
    result = engine.deidentify(RawReport("q1", "Findings called to the floor at 617-555-0142 by Dr. Roe."))
    assert result.quarantined == "residual_phi:PHONE"
    assert result.text_deid is None
    clean = engine.deidentify(RawReport("q2", "No acute cardiopulmonary process."))
    assert clean.quarantined is None and clean.text_deid == "No acute cardiopulmonary process."


def test_inserted_surrogates_and_preredaction_do_not_count_as_residual():
    checker = ResidualChecker()
    text = "Call 617-555-0142. MRN: XXXX."
    assert checker.check(text, [(5, 17)]) == []
    assert checker.check(text, []) == ["PHONE"]


def test_empty_and_bad_reports_are_quarantined_not_raised(engine):
    results = engine.deidentify_batch([RawReport("e1", ""), RawReport("e2", "   \n"), RawReport("e3", None)])
    assert [r.quarantined for r in results] == ["empty_text", "empty_text", "empty_text"]


def test_raw_partition_quarantine_file_is_owner_only(engine, deid_settings, tmp_path):
    import stat

    from deid.quarantine import write_quarantine

    path = write_quarantine(deid_settings, tmp_path / "batch=1", [{"row_id": "r", "reason": "empty_text", "text": ""}])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # its own folder: quarantine/deid/ is the warehouse's Parquet quarantine, which reconcile counts
    assert path.parent == deid_settings.zone("quarantine") / "deid-review"
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert write_quarantine(deid_settings, tmp_path / "batch=1", []) is None and not path.exists()

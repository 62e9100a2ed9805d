"""The engine leaves process-wide state to `radforge.process.start()` and refuses to run without it (issue #19)."""

import pytest

from radforge import egress
from radforge.errors import ConfigError


def test_an_engine_built_before_the_process_started_refuses_to_run_unguarded(deid_settings, monkeypatch):
    from deid import Deidentifier

    monkeypatch.setattr(egress, "_policy", None)  # a process that never called radforge.process.start()
    with pytest.raises(ConfigError, match=r"call radforge\.process\.start\(\) before") as info:
        Deidentifier(settings=deid_settings)
    assert "\n" not in str(info.value)
    assert egress.active_policy() is None, "the engine installed the guard behind its caller's back"


def test_building_an_engine_installs_neither_the_guard_nor_logging(deid_settings, monkeypatch):
    import radforge.log
    from deid import Deidentifier

    def changed(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the engine's constructor changed process-wide state")

    before = egress.active_policy()
    monkeypatch.setattr(egress, "install", changed)
    monkeypatch.setattr(radforge.log, "setup_logging", changed)
    settings = deid_settings.model_copy(deep=True)
    settings.deid.ner = "off"
    engine = Deidentifier(settings=settings, audit=False)
    assert egress.active_policy() is before
    assert engine.deidentify_batch([]) == []


def _persons(engine, text: str) -> list[str]:
    from deid.schema import RawReport

    return [text[e.start:e.end] for e in engine.analyze_batch([RawReport(report_id="r1", text=text)])[0]
            if e.type == "PERSON"]


def test_a_sites_clinical_terms_belong_to_its_engine_not_to_the_process(engine, deid_settings):
    """[deid].clinical_terms went into a module-level set: the first site's words held for every later engine."""
    from deid import Deidentifier

    text = "Placed a Mahurkar catheter in the right internal jugular vein."
    assert _persons(engine, text) == ["Mahurkar"], "the device name is no longer a name-like word: pick another"
    settings = deid_settings.model_copy(deep=True)
    settings.deid.clinical_terms = ["Mahurkar"]
    site_engine = Deidentifier(settings=settings, audit=False)
    assert _persons(site_engine, text) == []
    assert _persons(engine, text) == ["Mahurkar"], "another site's clinical terms leaked into this engine"
    assert _persons(site_engine, text) == []

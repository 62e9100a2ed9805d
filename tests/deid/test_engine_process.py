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

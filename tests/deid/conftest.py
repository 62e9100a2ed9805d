"""De-id test fixtures: one site and one loaded engine for the whole session (spaCy loads once)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def deid_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("deid-site")


@pytest.fixture(scope="session")
def deid_settings(deid_home: Path):
    """Settings of a fresh site (zones, secret) used by every de-id test."""
    from radforge.settings import get_settings
    from radforge.site import init_site

    settings = get_settings(home=deid_home)
    init_site(settings)
    return settings


@pytest.fixture(scope="session")
def engine(deid_settings, _egress_guard):
    """The real engine (Presidio + spaCy), loaded once, auditing into the session site.

    The session's egress guard (tests/conftest.py) stands in for `radforge.process.start()`: without a guard
    the engine refuses to load.
    """
    from deid import Deidentifier

    return Deidentifier(settings=deid_settings)


@pytest.fixture(scope="session")
def tag_engine(engine):
    """The same loaded engine in tag mode (no second spaCy load)."""
    import copy

    clone = copy.copy(engine)
    clone.mode = "tag"
    return clone


@pytest.fixture
def deid_env(deid_home: Path, deid_settings, monkeypatch: pytest.MonkeyPatch) -> Path:
    """RADFORGE_HOME pointing at the session site, for CLI tests."""
    monkeypatch.setenv("RADFORGE_HOME", str(deid_home))
    monkeypatch.delenv("RADFORGE_CONFIG", raising=False)
    return deid_home


def _found(recognizer, text: str) -> list[str]:
    results = recognizer.analyze(text, recognizer.supported_entities, None)
    return sorted({text[r.start:r.end] for r in results if r.score >= 0.4}, key=text.find)


@pytest.fixture(scope="session")
def found():
    """found(recognizer, text) -> the values it finds (score >= the default threshold), in text order."""
    return _found


os.environ.setdefault("HF_HUB_OFFLINE", "1")

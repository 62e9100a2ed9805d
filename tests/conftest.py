"""Shared fixtures: every test runs offline, with its own RADFORGE_HOME and the egress guard on."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session", autouse=True)
def _egress_guard() -> None:
    from radforge.egress import install

    install()


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator["object"]:
    """A freshly initialised site under a temporary RADFORGE_HOME; yields its Settings."""
    from radforge.settings import get_settings
    from radforge.site import init_site

    home = tmp_path / "site"
    monkeypatch.setenv("RADFORGE_HOME", str(home))
    monkeypatch.delenv("RADFORGE_CONFIG", raising=False)
    settings = get_settings()
    init_site(settings)
    yield get_settings()

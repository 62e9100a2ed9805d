"""Shared fixtures: every test runs offline, with its own RADFORGE_HOME and the egress guard on."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
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
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A freshly initialised site under a temporary RADFORGE_HOME; yields its Settings."""
    from radforge.settings import get_settings
    from radforge.site import init_site

    home = tmp_path / "site"
    monkeypatch.setenv("RADFORGE_HOME", str(home))
    monkeypatch.delenv("RADFORGE_CONFIG", raising=False)
    settings = get_settings()
    init_site(settings)
    yield get_settings()


# --- shared models and data for the training / evaluation / DAG tests --------------------------

from shared_data import make_pairs, write_snapshot  # noqa: E402,F401 - re-exported for older tests

REPO = Path(__file__).resolve().parents[1]
TEST_CACHE = Path(os.environ.get("RADFORGE_TEST_CACHE", REPO / ".venv" / ".test-cache"))


@contextmanager
def _cache_lock() -> Iterator[None]:
    """One builder of the shared model cache at a time: `make test` runs two pytest workers (xdist)."""
    TEST_CACHE.mkdir(parents=True, exist_ok=True)
    with open(TEST_CACHE / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def smollm2_path() -> Path:
    """The real SmolLM2-135M-Instruct as an HF folder, converted once from the shipped GGUF and cached."""
    from radforge.models import DEMO_LLM_DIRNAME, prepare_demo_llm

    with _cache_lock():
        return prepare_demo_llm(TEST_CACHE / DEMO_LLM_DIRNAME)


@pytest.fixture(scope="session")
def tiny_llama_path(smollm2_path: Path) -> Path:
    """A tiny random Llama (2 layers, 64 wide) with SmolLM2's real tokenizer: trains in milliseconds."""
    from radforge.models import TINY_LLAMA_DIRNAME, prepare_tiny_llama

    with _cache_lock():
        return prepare_tiny_llama(TEST_CACHE / TINY_LLAMA_DIRNAME, tokenizer_from=smollm2_path)


@pytest.fixture
def tiny_snapshot(site) -> Path:
    """A 60-pair snapshot named `tiny` under the test site's snapshots zone."""
    return write_snapshot(site.zone("snapshots"), "tiny", make_pairs(60))

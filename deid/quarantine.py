"""Quarantine: raw text of reports that failed de-identification, kept for a privacy officer to review.

The quarantine zone is a PHI zone (owner-only, like raw). Files hold the row id, keyed report
key, reason code and the raw text; nothing from here ever reaches a log or the audit trail.

They live in `quarantine/deid-review/`, a folder of their own: `quarantine/deid/` is the warehouse's
de-id quarantine (Parquet, one file per partition chunk, counted by `radforge warehouse reconcile`).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from radforge.settings import Settings

REVIEW_DIR = "deid-review"


def quarantine_file(settings: Settings, source: Path) -> Path:
    source = Path(source)
    tag = hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:12]
    name = source.name if source.is_dir() else source.parent.name + "-" + source.stem
    return settings.zone("quarantine") / REVIEW_DIR / f"{name}-{tag}.jsonl"


def write_quarantine(settings: Settings, source: Path, rows: list[dict]) -> Path | None:
    """Write (or replace) the quarantine file of one raw partition; removes a stale one when none remain."""
    path = quarantine_file(settings, source)
    if not rows:
        if path.exists():
            path.unlink()
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.replace(tmp, path)
    return path

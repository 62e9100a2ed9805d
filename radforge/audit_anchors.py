"""Monthly anchors: the trail's position at a month's end, kept by the compliance officer off the server.

The audit key stops anyone without it from rewriting the trail. It cannot stop the key holder (or whoever
takes the server with its key) from rewriting it, nor anyone from deleting its tail and putting back an
older head. What they cannot change is a value already printed on paper or kept in the officer's own
files: `YYYY-MM:<hash of the month's last record>:<records in the trail at the month's end>`. The monthly
compliance report prints it; `radforge audit verify --anchor ...` / `--anchors FILE` checks that the trail
still holds that exact record at that exact position.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from radforge.errors import RadforgeError

GENESIS = "0" * 64
_ANCHOR = re.compile(r"^(\d{4}-\d{2}):([0-9a-f]{64}):(\d+)$")


class AnchorError(RadforgeError):
    """An anchor given to `audit verify` is not in the form the monthly report prints."""


@dataclass(frozen=True)
class Anchor:
    month: str  # YYYY-MM
    last_hash: str  # hash of the last record appended up to the month's end (GENESIS when none)
    count: int  # records in the trail up to the month's end = that record's seq + 1

    @property
    def text(self) -> str:
        return f"{self.month}:{self.last_hash}:{self.count}"

    def as_dict(self) -> dict[str, Any]:
        return {"month": self.month, "last_hash": self.last_hash, "count": self.count, "text": self.text}


def parse_anchor(text: str) -> Anchor:
    """`2026-11:<64 hex>:<count>` (as printed in the monthly report) → Anchor."""
    m = _ANCHOR.match(text.strip().lower())
    if not m:
        raise AnchorError(f"anchor {text.strip()[:90]!r} is not YYYY-MM:<64 hex hash>:<record count>")
    try:
        datetime.strptime(m.group(1), "%Y-%m")
    except ValueError as exc:
        raise AnchorError(f"anchor month {m.group(1)!r} is not a month") from exc
    return Anchor(m.group(1), m.group(2), int(m.group(3)))


def read_anchors(path: Path) -> list[Anchor]:
    """One anchor a line; blank lines and `#` comments ignored (the officer may annotate the file)."""
    if not path.exists():
        raise AnchorError(f"anchors file {path} does not exist")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [parse_anchor(line.split("#", 1)[0]) for line in lines if line.split("#", 1)[0].strip()]


def month_anchor(records: Iterable[dict[str, Any]], month: str) -> Anchor:
    """The trail's position at the end of `month`: its last record stamped in or before that month.

    A quiet month repeats the previous position (the anchor still pins everything before it).
    """
    last_hash, count = GENESIS, 0
    for rec in records:
        if str(rec.get("ts", ""))[:7] <= month:
            last_hash, count = str(rec.get("hash")), int(rec.get("seq", -1)) + 1
    return Anchor(month, last_hash, count)


def check_anchor(anchor: Anchor, records: int, hash_at: dict[int, str]) -> str | None:
    """None when the trail (`records` long, `hash_at` seq → hash) still holds the anchored record, else why not."""
    if anchor.count == 0:
        return None
    if anchor.count > records:
        return (f"anchor {anchor.month} names record {anchor.count - 1} but the trail has {records} records "
                "(records deleted since the anchor was taken)")
    if hash_at.get(anchor.count - 1) != anchor.last_hash:
        return (f"anchor {anchor.month} does not match record {anchor.count - 1} (the trail was rewritten since "
                "the anchor was taken, or the anchor was mistyped)")
    return None

"""Overlap queries on character spans in O(log n), so a 1 MB report costs what its length says, not its square."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable


class SpanIndex:
    """A set of (start, end) spans, merged; `overlaps(s, e)` and `contains(s, e)` by binary search."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for s, e in sorted(spans):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def _before(self, pos: int) -> int:
        """Index of the last span starting before `pos`, or -1."""
        return bisect_left(self.starts, pos) - 1

    def overlaps(self, start: int, end: int) -> bool:
        i = self._before(end)
        return i >= 0 and self.ends[i] > start

    def contains(self, start: int, end: int) -> bool:
        i = self._before(start + 1)
        return i >= 0 and self.starts[i] <= start and end <= self.ends[i]

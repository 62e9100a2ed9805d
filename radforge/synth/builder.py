"""A text builder that records gold PHI spans while the report is written.

Offsets are never searched for afterwards (a name that is also a word, or an MRN that repeats,
would be found in the wrong place): each PHI value is appended through `phi()`, which notes its
exact character range at that moment.
"""

from __future__ import annotations

# The gold types, as in the contract (gold.jsonl) and the de-id engine.
PHI_TYPES = ("PERSON", "DATE", "AGE", "ID", "PHONE", "EMAIL", "URL", "IP", "LOCATION", "ORGANIZATION")


class TextBuilder:
    """Append-only text with span bookkeeping. Positions are Python str indices (code points).

    `add` is the list's own `append` (no Python frame per piece: this is the hot path of the
    generator); the position is brought up to date only when a PHI span needs it.
    """

    __slots__ = ("parts", "add", "spans", "_pos", "_synced")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.add = self.parts.append
        self.spans: list[tuple[int, int, str]] = []
        self._pos = 0
        self._synced = 0

    @property
    def pos(self) -> int:
        parts = self.parts
        if self._synced != len(parts):
            self._pos += sum(map(len, parts[self._synced:]))
            self._synced = len(parts)
        return self._pos

    def phi(self, text: str, kind: str) -> None:
        start = self.pos
        end = start + len(text)
        self.spans.append((start, end, kind))
        self.parts.append(text)
        self._pos = end
        self._synced += 1

    def text(self) -> str:
        return "".join(self.parts)

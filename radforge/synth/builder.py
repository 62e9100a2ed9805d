"""A text builder that records gold PHI spans while the report is written.

Offsets are never searched for afterwards (a name that is also a word, or an MRN that repeats,
would be found in the wrong place): each PHI value is appended through `phi()`, which notes its
exact character range at that moment.
"""

from __future__ import annotations

# The gold types, as in the contract (gold.jsonl) and the de-id engine.
PHI_TYPES = ("PERSON", "DATE", "AGE", "ID", "PHONE", "EMAIL", "URL", "IP", "LOCATION", "ORGANIZATION")


class TextBuilder:
    """Append-only text with span bookkeeping. Positions are Python str indices (code points)."""

    __slots__ = ("parts", "pos", "spans")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.spans: list[tuple[int, int, str]] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.pos += len(text)

    def phi(self, text: str, kind: str) -> None:
        end = self.pos + len(text)
        self.spans.append((self.pos, end, kind))
        self.parts.append(text)
        self.pos = end

    def seq(self, pieces) -> None:
        """Append pieces: plain strings, or (text, kind) pairs for PHI (kind None = not PHI)."""
        for piece in pieces:
            if piece.__class__ is str:
                self.add(piece)
            elif piece[1] is None:
                self.add(piece[0])
            else:
                self.phi(piece[0], piece[1])

    def text(self) -> str:
        return "".join(self.parts)

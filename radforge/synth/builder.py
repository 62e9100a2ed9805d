"""A text builder that records gold PHI spans while the report is written.

Offsets are never searched for afterwards (a name that is also a word, or an MRN that repeats,
would be found in the wrong place): each PHI value is appended through `phi()`, which marks the
piece; `finish()` turns the marks into character offsets in one pass over the piece lengths.
"""

from __future__ import annotations

from itertools import accumulate

# The gold types, as in the contract (gold.jsonl) and the de-id engine.
PHI_TYPES = ("PERSON", "DATE", "AGE", "ID", "PHONE", "EMAIL", "URL", "IP", "LOCATION", "ORGANIZATION")


class TextBuilder:
    """Append-only text with span bookkeeping. Offsets are Python str indices (code points).

    `add` is the list's own `append` (no Python frame per piece: this is the generator's hot path).
    """

    __slots__ = ("parts", "add", "marks", "base_spans")

    def __init__(self, prefix: str = "", prefix_spans: list[tuple[int, int, str]] | None = None) -> None:
        self.parts: list[str] = [prefix] if prefix else []
        self.add = self.parts.append
        self.marks: list[tuple[int, str]] = []
        self.base_spans = list(prefix_spans or ())

    def phi(self, text: str, kind: str) -> None:
        self.marks.append((len(self.parts), kind))
        self.parts.append(text)

    def finish(self) -> tuple[str, list[tuple[int, int, str]]]:
        """The text and its spans, in order."""
        offsets = list(accumulate(map(len, self.parts), initial=0))
        spans = self.base_spans + [(offsets[i], offsets[i + 1], kind) for i, kind in self.marks]
        return "".join(self.parts), spans

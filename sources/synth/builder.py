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

    __slots__ = ("parts", "add", "marks", "base_spans", "sections", "base_sections")

    def __init__(self, prefix: str = "", prefix_spans: list[tuple[int, int, str]] | None = None,
                 prefix_sections: dict[str, tuple[int, int]] | None = None) -> None:
        self.parts: list[str] = [prefix] if prefix else []
        self.add = self.parts.append
        self.marks: list[tuple[int, str]] = []
        self.base_spans = list(prefix_spans or ())
        self.sections: dict[str, list[int]] = {}
        self.base_sections = dict(prefix_sections or {})

    def phi(self, text: str, kind: str) -> None:
        self.marks.append((len(self.parts), kind))
        self.parts.append(text)

    def open_section(self, name: str) -> None:
        """The body of section `name` (findings, impression, addendum) starts with the next piece."""
        self.sections[name] = [len(self.parts), len(self.parts)]

    def close_section(self, name: str) -> None:
        self.sections[name][1] = len(self.parts)

    def finish(self) -> tuple[str, list[tuple[int, int, str]], dict[str, tuple[int, int]]]:
        """The text, its spans in order, and the character range of each marked section body."""
        offsets = list(accumulate(map(len, self.parts), initial=0))
        spans = self.base_spans + [(offsets[i], offsets[i + 1], kind) for i, kind in self.marks]
        sections = dict(self.base_sections)
        sections.update((name, (offsets[a], offsets[b])) for name, (a, b) in self.sections.items())
        return "".join(self.parts), spans, sections

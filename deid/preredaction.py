"""Marks that an upstream system already de-identified ("XXXX", "[REDACTED]", "***", "[** Name **]", "___").

They are counted (audit type PREREDACTED), never reported as entities, never replaced, and never
re-flagged by the residual check — the public IU X-ray corpus, for one, is full of "XXXX".
"""

from __future__ import annotations

import regex

PREREDACTED = regex.compile(
    r"(?:\[\*\*[^\]\n]{0,80}\*\*\]"            # MIMIC/i2b2 style [** ... **]
    r"|\[(?i:redacted|removed|deleted|deidentified|de-identified|name|date|phi|hidden)\]"
    r"|<(?i:redacted|phi|name|date)>"
    r"|(?<![A-Za-z])X{3,}(?:[\-/., ]{1,2}X{2,}){0,5}(?![A-Za-z])"  # XXXX, XX/XX/XXXX
    r"|\*{3,}"
    r"|(?<!\w)_{3,}(?!\w))"  # MIMIC's "___"
)


def find_preredacted(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in PREREDACTED.finditer(text)]

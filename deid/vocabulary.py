"""Clinical vocabulary: words that look like names to NER but are eponyms, anatomy or report terms.

Loaded once per process from `deid/data/clinical_terms.txt` plus the site's extra terms.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import regex

_DATA = Path(__file__).parent / "data" / "clinical_terms.txt"
_WORD = regex.compile(r"[A-Za-z][A-Za-z'\-]*")
_extra: set[str] = set()


@lru_cache(maxsize=1)
def _load() -> tuple[frozenset[str], frozenset[str]]:
    """(eponyms, other clinical words): the file's first section is eponyms, many of them also surnames."""
    sections: list[set[str]] = []
    for line in _DATA.read_text(encoding="utf-8").splitlines():
        if line.startswith("# ---"):
            sections.append(set())
        elif sections and not line.startswith("#"):
            sections[-1].update(w.lower() for w in line.split())
    eponyms = frozenset(sections[0]) if sections else frozenset()
    other = frozenset(set().union(*sections[1:])) if len(sections) > 1 else frozenset()
    return eponyms, other


def clinical_terms(eponyms: bool = True) -> frozenset[str]:
    """The clinical vocabulary; without the eponyms (many of them surnames) when `eponyms` is False."""
    epo, other = _load()
    return epo | other if eponyms else other


def add_terms(terms: list[str]) -> None:
    """Site-specific extra terms (from [deid].clinical_terms)."""
    _extra.update(t.lower() for t in terms)


def is_clinical_word(word: str, eponyms: bool = True) -> bool:
    w = word.lower().strip(".,;:'\u2019")
    if w.endswith("'s") or w.endswith("\u2019s"):
        w = w[:-2]
    epo, other = _load()
    return w in other or w in _extra or (eponyms and w in epo)


def is_clinical_phrase(text: str, eponyms: bool = True) -> bool:
    """True when every word of `text` is clinical vocabulary (so the span is not a name or place).

    With `eponyms=False` a surname-like eponym ("Baker", "Wilson") counts as a possible name: use it
    when a cue already says a person follows ("Dr. Baker").
    """
    words = _WORD.findall(text)
    return bool(words) and all(is_clinical_word(w, eponyms) for w in words)

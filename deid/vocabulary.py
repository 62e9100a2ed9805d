"""Clinical vocabulary: words that look like names to NER but are eponyms, anatomy or report terms.

Loaded once per process from `deid/data/clinical_terms.txt`. A site's extra terms ([deid].clinical_terms)
belong to the engine built with that site's settings, not to the process: `site_terms(...)` makes them
the current ones for the duration of one engine call (a context variable, like `decimal.localcontext`),
so two engines with different sites in one process never see each other's words.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

import regex

_DATA = Path(__file__).parent / "data" / "clinical_terms.txt"
_WORD = regex.compile(r"[A-Za-z][A-Za-z'\-]*")
_site_terms: ContextVar[frozenset[str]] = ContextVar("site_clinical_terms", default=frozenset())


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


def normalise_terms(terms: Iterable[str]) -> frozenset[str]:
    """A site's extra terms as `is_clinical_word` compares them (lower case)."""
    return frozenset(t.lower().strip() for t in terms if t and t.strip())


@contextmanager
def site_terms(terms: frozenset[str]) -> Iterator[None]:
    """Within the block, `terms` (from `normalise_terms`) count as clinical words too."""
    token = _site_terms.set(terms)
    try:
        yield
    finally:
        _site_terms.reset(token)


def is_site_term(word: str) -> bool:
    """One of the current site's extra terms ([deid].clinical_terms: "words never taken for names")."""
    terms = _site_terms.get()
    return bool(terms) and word.lower().strip(".,;:'\u2019") in terms


def is_clinical_word(word: str, eponyms: bool = True) -> bool:
    w = word.lower().strip(".,;:'\u2019")
    if w.endswith("'s") or w.endswith("\u2019s"):
        w = w[:-2]
    epo, other = _load()
    return w in other or w in _site_terms.get() or (eponyms and w in epo)


def is_clinical_phrase(text: str, eponyms: bool = True) -> bool:
    """True when every word of `text` is clinical vocabulary (so the span is not a name or place).

    With `eponyms=False` a surname-like eponym ("Baker", "Wilson") counts as a possible name: use it
    when a cue already says a person follows ("Dr. Baker").
    """
    words = _WORD.findall(text)
    return bool(words) and all(is_clinical_word(w, eponyms) for w in words)

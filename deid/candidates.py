"""Where NER can matter: the name-bearing regions of a report.

spaCy NER is the cost of de-identification (~50 reports/s/core on whole reports). Names in
radiology reports sit in a few sentences — headers, signatures, "discussed with ...". A sentence
is a candidate when it holds a capitalised word that is not clinical vocabulary (mid-sentence,
or sentence-initial and not a known English/clinical word), an all-capitals word that is not a
known term, a non-ASCII letter, or a name cue ("Dr", "discussed", "dictated"). Pattern
recognizers still run on the whole text; only NER is restricted.
"""

from __future__ import annotations

from functools import lru_cache

import regex

from deid.vocabulary import is_clinical_word

_SENTENCE = regex.compile(r"[^\n.!?;]{1,2000}(?:[.!?;]+|\n|$)")
_CAP_WORD = regex.compile(r"(?<![\w'\-])(?:[A-Z\u00C0-\u00DE][a-z\u00DF-\u00FF'\u2019\-]{1,30}|[A-Z\u00C0-\u00DE]{3,30})(?![\w])")
_CUE = regex.compile(r"(?i:\b(?:dr|drs|mr|mrs|ms|miss|prof|discussed|dictated|signed|notified|called|paged|informed|"
                     r"spoke|communicated|conveyed|reviewed|read|attending|resident|fellow|technologist|tech|physician|"
                     r"radiologist|referring|ordering|pcp|husband|wife|son|daughter|mother|father|contact|cc)\b)")
_NON_ASCII = regex.compile(r"[\u00C0-\u024F]")
MAX_REGION = 600


@lru_cache(maxsize=1)
def _english() -> frozenset[str]:
    """Common English words (spaCy's lemma index and stop words): a sentence-initial word in it is not a name cue."""
    import spacy.lang.en.stop_words as stop

    words: set[str] = set(stop.STOP_WORDS)
    try:
        from spacy.lookups import load_lookups

        tables = load_lookups("en", ["lemma_index"], strict=False)
        if tables.has_table("lemma_index"):
            for values in tables.get_table("lemma_index").values():
                words.update(values)
    except Exception:  # noqa: BLE001 - the lookups package is optional; the stop words still help
        pass
    return frozenset(words)


def set_english_words(words: set[str] | frozenset[str]) -> None:
    """Give the candidate finder the loaded model's lemma index (avoids needing spacy-lookups-data)."""
    _english.cache_clear()
    base = set(_english()) | set(words)
    _ENGLISH_OVERRIDE.clear()
    _ENGLISH_OVERRIDE.update(base)


_ENGLISH_OVERRIDE: set[str] = set()


def _is_english(word: str) -> bool:
    w = word.lower()
    return w in _ENGLISH_OVERRIDE if _ENGLISH_OVERRIDE else w in _english()


def _is_candidate(sentence: str) -> bool:
    if _CUE.search(sentence) or _NON_ASCII.search(sentence):
        return True
    first = True
    for m in _CAP_WORD.finditer(sentence):
        word = m.group()
        initial = first and not sentence[: m.start()].strip(" \t\r\n-*•#>0123456789.)(:")
        first = False
        if is_clinical_word(word):
            continue
        if word.isupper():
            if not _is_english(word):
                return True
            continue
        if initial and _is_english(word):
            continue
        return True
    return False


def candidate_regions(text: str) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) spans of `text` worth running NER on, merged when adjacent."""
    regions: list[tuple[int, int]] = []
    for m in _SENTENCE.finditer(text):
        start, end = m.span()
        if end - start < 3 or not _is_candidate(m.group()):
            continue
        if regions and start - regions[-1][1] <= 1 and end - regions[-1][0] <= MAX_REGION:
            regions[-1] = (regions[-1][0], end)
        else:
            regions.append((start, end))
    out = []
    for start, end in regions:  # a very long sentence is cut (NER cost grows with length, context does not)
        while end - start > MAX_REGION:
            cut = text.rfind(" ", start, start + MAX_REGION)
            cut = cut if cut > start else start + MAX_REGION
            out.append((start, cut))
            start = cut
        out.append((start, end))
    return out

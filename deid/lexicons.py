"""Word lists that tell a name from a word, whatever the casing: Philter's lexicons plus radforge's vocabulary.

Why: spaCy's small model finds almost no names in all-caps or all-lower-case text, and a report
written that way is common (dictation, old RIS exports, nursing notes). The PhysioNet deid package
and Philter reach high recall on such text with lexicons and context, not with NER. We take the
lexicons Philter (philter-lite, BSD-3) ships — 97k first names, 161k surnames and a 195k-word
whitelist of words that are safe in clinical text — and add the 1990 Census frequent names, radforge's
clinical terms, a drug list (drug-named-entity-recognition, MIT), GeoNames towns and countries, and
spaCy's English lemma list (a rare name that is an everyday word, "swimmer", needs a cue).

A word is a
- **strong name** when it is a first name or surname and no kind of ordinary or clinical word
  ("okafor", "kowalski", "smith"): PHI in any casing, anywhere;
- **ambiguous name** when it is a name that is also a word ("hope", "grant", "will", "baker"):
  PHI only with a cue (a title, a kinship word, an initial or another name beside it);
- **safe** when it is a known non-name word: never PHI on its own.

The lists are copied into `deid/data/lexicons/` by `build_lexicons.py` there (reading the packages at
run time cost seconds per process); loaded once per process, forked de-id workers share the copy.
"""

from __future__ import annotations

import gzip
import re
from functools import lru_cache
from pathlib import Path

_DATA = Path(__file__).parent / "data" / "lexicons"
_WORD = re.compile(r"[^\W\d_][^\W\d_'\u2019\-]*(?:['\u2019\-][^\W\d_]+)*")


def _read_words(path: Path) -> set[str]:
    """One entry per line (or several per line in the hand-kept lists), lower-cased; '#' starts a comment."""
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    words: set[str] = set()
    for line in raw.decode("utf-8").splitlines():
        line = line.split("#", 1)[0].strip().lower()
        if line:
            words.update(line.split())
    return words


@lru_cache(maxsize=1)
def _lexicon() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    """(strong names, ambiguous names, first names, safe words), computed once per process."""
    from deid.vocabulary import clinical_terms

    first = _read_words(_DATA / "first_names.txt.gz") | _read_words(_DATA / "names.txt")
    names = first | _read_words(_DATA / "surnames.txt.gz")
    safe = (_read_words(_DATA / "philter_safe_words.txt.gz") | _read_words(_DATA / "drug_names.txt.gz")
            | _read_words(_DATA / "safe_words.txt") | clinical_terms(eponyms=False))
    safe |= {c for c in _countries() if " " not in c}
    # eponyms ("Fleischner", "Bankart", "Hodgkin") are names in a report only with a cue
    ambiguous_extra = _read_words(_DATA / "ambiguous_names.txt") | (clinical_terms() - clinical_terms(eponyms=False))
    frequent = _frequent()
    common = _english()
    # An everyday English word that is only a rare name ("swimmer", "nones", "hodgkin") needs a cue too;
    # a frequent name stays a name even when English lists it ("john", "smith", "tom").
    strong = frozenset(n for n in names if n not in safe and n not in ambiguous_extra
                       and (n not in common or n in frequent))
    ambiguous = frozenset((names - strong) | ambiguous_extra)
    return strong, ambiguous, frozenset(first), frozenset(safe)


@lru_cache(maxsize=1)
def _cities() -> frozenset[str]:
    """Town and city names (lower case, one to four words), minus everyday, clinical and drug words ("mobile")."""
    from deid.vocabulary import clinical_terms

    raw = gzip.decompress((_DATA / "cities.txt.gz").read_bytes()).decode("utf-8")
    # an everyday word only when both spaCy and Philter say so: spaCy's list also holds towns ("bristol")
    words = ((_english() & _lexicon()[3]) | clinical_terms() | _read_words(_DATA / "drug_names.txt.gz") | _countries()
             | _read_words(_DATA / "safe_words.txt"))
    return frozenset(line for line in raw.splitlines() if line and not line.startswith("#") and line not in words)


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    raw = gzip.decompress((_DATA / "countries.txt.gz").read_bytes()).decode("utf-8")
    return frozenset(line for line in raw.splitlines() if line and not line.startswith("#"))


def is_country(phrase: str) -> bool:
    """A country name: not PHI under Safe Harbor (the issue's 'countries are not identifiers')."""
    return " ".join(phrase.lower().split()) in _countries()


@lru_cache(maxsize=65536)
def is_city(phrase: str) -> bool:
    """Is this (one to four words, any casing) a town or city name that is not also an ordinary word?"""
    return " ".join(phrase.lower().split()) in _cities()


def load() -> None:
    """Load the lexicons now (a parent process before forking workers; a bench before timing)."""
    _lexicon()
    _cities()


# Name particles joined to a surname by a hyphen.
_PARTICLES = frozenset({"el", "al", "abu", "ibn", "bin", "ben", "van", "von", "de", "da", "di", "du", "la", "le",
                        "mac", "mc", "o", "d", "st"})


@lru_cache(maxsize=65536)
def name_kind(word: str) -> str | None:
    """'strong', 'ambiguous' or None for one word (any casing; a possessive 's is ignored)."""
    w = _norm(word)
    strong, ambiguous, _, _ = _lexicon()
    if w not in strong and w not in ambiguous:
        w = _fold(w)  # "Hélène", "Jörg": the lists are mostly written without accents
        if len(w) > 3 and w[1] in "'\u2019":
            w = w[0] + w[2:]  # "O'Connor", "D'Angelo": the lists write "oconnor"
    if w in strong:
        return "strong"
    if w in ambiguous:
        return "ambiguous"
    parts = w.split("-")
    if len(parts) == 2 and parts[0] in _PARTICLES and len(parts[1]) > 2:  # "El-Sayed", "al-Amin", "Abu-Bakr"
        return name_kind(parts[1]) or ("ambiguous" if parts[0] in ("el", "al", "abu", "ibn", "bin") else None)
    # "Marie-Claude", and the Korean given names written with a hyphen ("Eun-ji", "Soo-ah", "Ji-woo"),
    # whose syllables may have two letters: every part a name, one of them a strong one of three letters or more
    if len(parts) > 1 and all(len(p) >= 2 and (p in strong or p in ambiguous) for p in parts) and (
            all(len(p) > 2 for p in parts) or any(len(p) > 2 and p in strong for p in parts)):
        return "strong" if any(p in strong for p in parts) else "ambiguous"
    return None


def is_frequent_name(word: str) -> bool:
    """Among the 1,000 most frequent US first names or 5,000 most frequent surnames (1990 Census)."""
    return _norm(word) in _frequent()


@lru_cache(maxsize=1)
def _frequent() -> frozenset[str]:
    return frozenset(_read_words(_DATA / "frequent_names.txt.gz"))


@lru_cache(maxsize=65536)
def is_first_name(word: str) -> bool:
    w = _norm(word)
    return w in _lexicon()[2] or _fold(w) in _lexicon()[2]


@lru_cache(maxsize=65536)
def is_surname(word: str) -> bool:
    w = _norm(word)
    return w in _surnames() or _fold(w) in _surnames()


@lru_cache(maxsize=1)
def _surnames() -> frozenset[str]:
    return frozenset(_read_words(_DATA / "surnames.txt.gz"))


@lru_cache(maxsize=65536)
def is_safe_word(word: str) -> bool:
    """A known word that is not a strong name: English, clinical, a drug, or on Philter's whitelist."""
    w = _norm(word)
    strong, _, _, safe = _lexicon()
    return w in safe and w not in strong


@lru_cache(maxsize=1)
def _english() -> frozenset[str]:
    from deid.candidates import english_words

    return frozenset(english_words())


@lru_cache(maxsize=65536)
def is_common_word(word: str) -> bool:
    """An everyday English word (spaCy's lemma list and stop words), which many names also are ("mercy", "john")."""
    return _norm(word) in _english()


_PARTICLES = frozenset({"de", "la", "le", "del", "della", "der", "den", "van", "von", "da", "di", "du", "dos", "das",
                        "st", "mc", "mac", "al", "el", "bin", "ibn"})


def leading_name_words(value: str) -> int:
    """Length of the prefix of `value` made of words that can be part of a name or place (not safe words).

    An all-caps or all-lower-case match of a capitalised-name pattern runs on through ordinary words
    ("MERCY HOSPITAL WITH", "OVER FROM"); this is where it should stop. 0 when the first word cannot.
    """
    from deid.candidates import is_english_word

    keep = 0
    for m in _WORD.finditer(value):
        word = m.group()
        if not (len(word) == 1 or word.lower() in _PARTICLES or name_kind(word) or is_city(word)
                or not (is_known_word(word) or is_english_word(word))):  # "DICTATING" is a word
            break
        keep = m.end()
    if value[keep:keep + 1] == "." and keep and value[keep - 2: keep - 1] in ("", " "):
        keep += 1  # the period of a last initial ("JOHN A.")
    return keep


_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_SUFFIXES = (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"), ("ly", ""),
             ("er", ""), ("ers", ""), ("ation", "e"), ("ations", "e"))


@lru_cache(maxsize=1)
def _words_not_names() -> frozenset[str]:
    """Safe and English words that are no name: what a typo is measured against ("irenka" is not a typo of "irena")."""
    strong, ambiguous, _, safe = _lexicon()
    return frozenset((safe | _english()) - strong - ambiguous)


def near_known_word(word: str, typos: bool = True) -> bool:
    """A misspelling, inflection or compound of a known word ("Ramicade", "Lucencies", "Overexpanded", "Roomate").

    Philter's rule (a word no lexicon knows is PHI) redacts every typo in a report; real reports are full of
    them. A word one edit from a safe or English word, an inflection of one, or two known words run together,
    is taken for a word. Names one edit from a word exist ("Halldór" is not one): recall on those stays with
    NER and the cue recognizers.
    """
    w = _fold(_norm(word))
    if len(w) < 6:
        return False
    known = _words_not_names()
    for suffix, repl in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and w[: len(w) - len(suffix)] + repl in known:
            return True
    for cut in range(4, len(w) - 3):
        if w[:cut] in known and w[cut:] in known:
            return True
    if not typos:
        return False
    splits = [(w[:i], w[i:]) for i in range(len(w) + 1)]
    for a, b in splits:
        if b and a + b[1:] in known:  # a letter too many
            return True
        if len(b) > 1 and a + b[1] + b[0] + b[2:] in known:  # two letters swapped
            return True
        for c in _LETTERS:
            if b and a + c + b[1:] in known:  # a wrong letter
                return True
            if a + c + b in known:  # a letter missing
                return True
    return False


@lru_cache(maxsize=65536)
def is_known_word(word: str) -> bool:
    """In any lexicon at all (a name or a safe word): an unknown word after a title is most likely a surname.
    A hyphenated word is known when each part is ("cross-sectional")."""
    w = _norm(word)
    strong, ambiguous, _, safe = _lexicon()
    if w in safe or w in strong or w in ambiguous:
        return True
    parts = [p for p in w.split("-") if p]
    return len(parts) > 1 and all(p in safe or p in strong or p in ambiguous for p in parts)


_NOT_DECOMPOSED = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ß": "ss",
                                 "ı": "i"})


def fold(word: str) -> str:
    """The word without accents, lower-case ("Þórunn" -> "thorunn"): how the lexicons write names."""
    return _fold(_norm(word))


def _fold(word: str) -> str:
    import unicodedata

    word = word.translate(_NOT_DECOMPOSED)
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def _norm(word: str) -> str:
    w = word.lower().strip(".,;:'\u2019")
    if w.endswith("'s") or w.endswith("\u2019s"):
        w = w[:-2]
    return w

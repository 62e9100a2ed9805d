"""Postal addresses in any country's layout, and the lines that follow them (town, postcode).

US street patterns (`StreetAddressRecognizer`) need an English suffix ("Street", "Ave"). Addresses written
the European way ("5049 Harjukuja 54", "ul. Słowicza 10 Apt. 360", "Rue Dielhère 130") and the town and
postcode lines under them ("Wrocław\\n53-320", "SEINÄJOKI\\nFinland 38524") carry no such word. An address
is anchored by a house number beside a word no lexicon knows, by an apartment/suite/box number, or by
"lives at/on"; the next lines of the block are taken while they look like a town or a postcode.
"""

from __future__ import annotations

from typing import ClassVar

import regex
from presidio_analyzer import RecognizerResult

from deid.recognizers.base import REGEX_TIMEOUT_S, RadEntityRecognizer, make_result

_STREET_WORD = r"(?:\p{L}[\p{L}'\u2019\-]{1,30}|\p{L}{1,4}\.)"  # a period only after an abbreviation ("ul.")
_ANCHORS = [
    ("number, street name, number", regex.compile(
        rf"(?<![\w.,/:\-])\d{{1,6}}[ \t]{{1,2}}(?:(?:{_STREET_WORD})[ \t]{{1,2}}){{1,3}}\d{{1,5}}[A-Za-z]?\b\.?"
        r"(?:[ \t]{1,2}(?i:apt|apartment|suite|ste|unit|flat)\.?[ \t]{0,2}#?\d{1,6})?")),
    ("street name then number", regex.compile(
        r"\b(?i:rue|avenue|avenida|avda\.|calle|carrer|via|viale|piazza|ul\.|ulica|trg|plac|rua|praça|strada|"
        r"chemin|boulevard)[ \t]{1,2}(?:\p{L}[\p{L}'\u2019\-]{1,30}[ \t]{1,2}){1,4}\d{1,5}[A-Za-z]?\b")),
    ("european street suffix", regex.compile(
        r"\b\p{L}[\p{L}\-]{1,30}(?i:straße|strasse|str\.|straat|vej|veien|vegen|gatan|gata|gade|katu|kuja|tie|weg|"
        r"laan|plein|gasse|allee|platz|vägen|väg|stræde|stien|vei)[ \t]{1,2}\d{1,5}[A-Za-z]?\b")),
    ("apartment, suite or box", regex.compile(
        r"\b(?i:apt|apartment|suite|ste|flat|p\.?o\.?[ \t]?box|box)\.?[ \t]{0,2}#?[ \t]{0,2}\d{1,6}[A-Za-z]?\b")),
    ("military unit", regex.compile(r"\b(?i:unit|psc|cmr)[ \t]{1,2}\d{3,5}[ \t,]{1,3}(?i:box)[ \t]{1,2}\d{1,5}\b")),
]
_FUNCTION_WORD = regex.compile(r"(?i)\b(?:her|his|their|with|who|was|is|and|but|since|for|where|when|alone|by|"
                               r"the|a|an|wife|husband|son|daughter|partner)\b")
_NUMBERED = "number, street name, number"
_NEEDS_UNKNOWN = frozenset({_NUMBERED, "street name then number"})
_NEXT_LINE = regex.compile(r"[ \t]{0,3}\n[ \t>?,]{0,6}")
_TOWN_LINE = regex.compile(r"(?P<town>\p{L}[\p{L}'\u2019.\-]{1,30}(?:[ \t]{1,2}\p{L}[\p{L}'\u2019.\-]{1,30}){0,3})?"
                           r"[ \t,]{0,3}(?P<code>(?:[A-Z]{2}[ \t]{1,2})?\d{3,6}(?:-\d{3,4})?|\d{2}-\d{3})?[ \t.]*$")
_LIVES = regex.compile(r"\b(?i:lives|living|resides|residing|located|address\s{1,2}is)[ \t]{1,2}(?i:at|on)[ \t]{1,2}"
                       r"(?P<phi>[^\n.,;!?]{3,60})")


class AddressBlockRecognizer(RadEntityRecognizer):
    """House-number anchors, then the town and postcode lines of the same block."""

    ENTITY: ClassVar[str] = "LOCATION"
    SCORE: ClassVar[float] = 0.7

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        spans: list[tuple[int, int, str]] = []
        for label, rx in [*_ANCHORS, ("after lives at/on", _LIVES)]:
            try:
                matches = list(rx.finditer(text, timeout=REGEX_TIMEOUT_S))
            except TimeoutError:
                continue  # a pathological input: skip the anchor, as the pattern recognizers do
            for m in matches:
                if rx is _LIVES:
                    start, end = m.span("phi")
                    stop = _FUNCTION_WORD.search(text, start + 1, end)  # "77 valley road milford | her daughter"
                    value = text[start:stop.start() if stop else end].rstrip()
                    if any(c.isdigit() for c in value) or _street_words_unknown(value):
                        spans.append((start, start + len(value), label))
                elif label not in _NEEDS_UNKNOWN or _street_words_unknown(m.group(), skip_first=label != _NUMBERED):
                    spans.append((m.start(), m.end(), label))  # not "3 cm 4", "via pager 5"
        for _start, end, _label in list(spans):
            spans.extend(self._following_lines(text, end))
        return [make_result(self, self.ENTITY, s, e, self.SCORE, label) for s, e, label in spans if e > s]

    @staticmethod
    def _following_lines(text: str, end: int) -> list[tuple[int, int, str]]:
        """Up to three lines after an address: a town, a postcode, or "Country 12345" (the code only)."""
        from deid import lexicons

        out = []
        pos = end
        for _ in range(3):
            nl = _NEXT_LINE.match(text, pos)
            if nl is None:
                break
            line_end = text.find("\n", nl.end())
            line_end = len(text) if line_end < 0 else line_end
            m = _TOWN_LINE.match(text, nl.end(), line_end)
            if m is None or m.end() != line_end or not (m.group("town") or m.group("code")):
                break
            town = m.group("town") or ""
            if town and lexicons.is_country(town.strip(" .")):
                if m.group("code"):
                    out.append((*m.span("code"), "postcode after a country"))
                break
            if town and all(lexicons.is_safe_word(w) and not lexicons.is_city(w) and not lexicons.name_kind(w)
                            for w in town.replace("-", " ").split()):
                break  # "FINDINGS", "Impression": the block has ended
            out.append((nl.end(), m.end(), "town or postcode line"))
            pos = line_end
        return out


def _street_words_unknown(value: str, skip_first: bool = False) -> bool:
    """A street name is a word no lexicon knows ("Koskikatu"), a town or a name; "3 cm 4" and "2 views 3" are not."""
    from deid import lexicons

    words = regex.findall(r"\p{L}[\p{L}'\u2019\-]{1,30}", value)[1 if skip_first else 0:]
    return any(lexicons.is_city(w) or lexicons.name_kind(w) == "strong"
               or not all(lexicons.is_known_word(p) for p in w.split("-") if p) for w in words)

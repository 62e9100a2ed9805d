"""Places written the way staff write them: wards and rooms, hospitals by their local abbreviation, towns.

A nursing note says "back to 4 West", "transferred to BMC", "rehab in quincy", "from OSH ER"; none of it
has the capitals, street suffixes or ZIP codes the address and city patterns need. Three kinds of clue:
- a **ward or room** shape: "4 West", "7N" after a movement verb, "room 12", "bed 3B", "pod C";
- a **destination** after a movement verb ("transferred to", "back from", "rehab in", "d/c to"): an
  abbreviation or a capitalised name that is no clinical or ordinary word ("ICU", "home" and "rehab" are);
- a **town** from the city lexicon (`deid.lexicons.is_city`) after "in", "from", "to", "near", "lives in".
"""

from __future__ import annotations

from typing import ClassVar

import regex
from presidio_analyzer import Pattern

from deid.recognizers.base import RadPatternRecognizer

_MOVE = (r"(?i:transferred|transfer|xfer|xferred|txfr|txf|tx|sent|discharged|d/c'?d|d/c|dc'?d|admitted|admit|returned|"
         r"return|returning|back|going|went|moved|brought|taken|transported|came|arrived|presented|rehab|"
         r"lives|living|resides|residing|home|visiting|visited|flew|drove|travel(?:l?ed)?|trip|vacation|born|"
         r"originally|relocated|osh|outside\s{1,2}hospital|admission|readmission|readmitted|records?|films?|images|"
         r"studies|reports?|labs|chart)")
_DEST_WORD = r"(?:\p{Lu}[\p{L}'\u2019\-]{1,24}|\p{Lu}{2,8}|\p{Ll}[\p{Ll}'\-]{2,24})"


class PlaceRecognizer(RadPatternRecognizer):
    ENTITY = "LOCATION"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("ward by floor and wing (medium)", r"(?<![\w/.\-])(?P<phi>\d{1,2}\s{0,1}(?i:north|south|east|west|"
                r"northeast|northwest|southeast|southwest)(?:\s{1,2}(?i:tower|wing|pavilion|building|bldg))?)\b", 0.7),
        Pattern("ward shorthand after a move (medium)", rf"\b{_MOVE}\s{{1,3}}(?:back\s{{1,2}})?(?i:to|from|on|at)"
                r"\s{1,3}(?:the\s{1,2})?(?P<phi>\d{1,2}(?i:[nsew]){1,2}|(?i:[nsew])\d{1,2})\b", 0.7),
        Pattern("room or bed number (medium)", r"\b(?i:room|rm\.?|bed|bay|suite|ward)\s{0,2}#?\s{0,2}"
                r"(?P<phi>\d{1,4}[A-Za-z]?(?:-\d{1,2}[A-Za-z]?)?)\b(?!\s{0,2}(?i:mg|ml|cm|mm|%|units?|hours?|hrs?|"
                r"days?|min))", 0.6),
        Pattern("destination after a move (medium)", rf"\b{_MOVE}\s{{1,3}}(?:(?i:back|alone|here|nearby|now|"
                r"currently|locally|independently)\s{1,2})?(?i:to|from|at|in|into|"
                rf"near|of)\s{{1,3}}(?:(?i:the|an?)\s{{1,2}})?(?P<phi>{_DEST_WORD}(?:[ \t]{{1,2}}{_DEST_WORD}){{0,2}})",
                0.6),
        Pattern("abbreviation before a unit (medium)",
                r"\b(?i:from|to|at|via|in)\s{1,3}(?!(?i:the|an|our|his|her|their|your|this|that|same|main|peds|"
                r"adult|local|outside|osh|ccu|micu|sicu)\b)(?P<phi>\p{Lu}{2,8}|\p{Ll}{2,8})\s{1,2}"
                r"(?i:er|ed|icu|ccu|micu|sicu|hospital|clinic|rehab|nursing\s{1,2}home|snf|ltac|ltach|ambulance)\b",
                0.7),
        Pattern("code after an admission (medium)", r"\b(?i:admission|admitted|readmitted|readmission|transferred|"
                r"hospitalized|seen|treated|followed|workup|work-up|evaluated)\s{1,2}(?i:to|at|from|in)\s{1,3}"
                r"(?P<phi>\p{Lu}{2,5}|\p{Ll}{2,5})\b(?![\-/])", 0.6),
        Pattern("abbreviation closing a clause (medium)", r"\b(?i:followed\s{1,2}by\s{1,2}\S{1,20}\s{1,2}\S{1,20}"
                r"\s{1,2}at|seen\s{1,2}at|treated\s{1,2}at|from|at)\s{1,3}(?P<phi>\p{Lu}{2,6}|\p{Ll}{2,6})(?=\s{0,2}[.;,)(]|"
                r"\s{0,2}$|\s{1,2}(?i:in|on|and|for|with|clinic|er|ed)\b)",
                0.6),
    ]
    CONTEXT: ClassVar[list[str]] = ["transferred", "room", "bed", "ward", "floor", "rehab", "lives"]
    # "from vamc er", "seen in SUC clinic": the unit after the code is the evidence, whatever lists hold the code
    TRUSTED_PATTERNS: ClassVar[frozenset[str]] = frozenset({"abbreviation before a unit (medium)"})

    def refine_span(self, text: str, start: int, end: int) -> tuple[int, int]:
        """Keep the leading words that can be a place: not ordinary or clinical words ("home", "ICU", "the")."""
        value = text[start:end]
        if value[:1].isdigit():
            return start, end
        from deid import lexicons
        from deid.vocabulary import is_clinical_word

        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line = text[line_start: line_end if line_end >= 0 else len(text)]
        caps_line = not any(c.islower() for c in line)
        keep = start
        words = list(_WORD.finditer(value))
        if len(words) == 1 and _facility_code(words[0].group()):
            return start, start + words[0].end()  # "seen at mgh", "FROM LCH (": Philter's safe list holds such codes
        for i, m in enumerate(words):
            word, low = m.group(), m.group().lower()
            if low in _NOT_PLACE or is_clinical_word(word, eponyms=False):
                break
            if lexicons.is_city(value[words[0].start():m.end()]) or lexicons.is_city(word):
                keep = start + m.end()
                continue
            code = word.isupper() and 2 <= len(word) <= 8 and not caps_line  # "BMC", "OSH", "MGH" in mixed text
            name_like = word[0].isupper() and not word.isupper() or caps_line or word.islower()
            if word.islower() and lexicons.is_known_word(word) and lexicons.name_kind(word) != "strong":
                if i + 1 < len(words) and lexicons.is_city(words[i + 1].group()) and lexicons.name_kind(word):
                    continue  # "kaiser fairview": a name before a town is the place's name
                break  # lower case: "was", "her", "updated" are words, "semc" and "quincy" are not
            if not code and (not name_like or (lexicons.is_safe_word(word) and not lexicons.name_kind(word))):
                break
            keep = start + m.end()
        return start, keep


_WORD = regex.compile(r"\p{L}[\p{L}'\u2019\-]*")


def _facility_code(word: str) -> bool:
    """A short code where a place goes ("from mgh", "at CSL"): no English, clinical or unit word ("osh", "ed")."""
    from deid import lexicons
    from deid.candidates import is_english_word
    from deid.vocabulary import is_clinical_word

    low = word.lower()
    return (2 <= len(word) <= 5 and word.isalpha() and (word.isupper() or word.islower())
            and low not in _NOT_PLACE and low not in _NOT_CODE and not is_english_word(word)
            and not lexicons.is_common_word(word) and not is_clinical_word(word)
            and lexicons.name_kind(word) != "strong")
_NOT_PLACE = frozenset({"home", "rehab", "hospital", "floor", "unit", "icu", "er", "ed", "or", "pacu", "ccu", "micu",
                        "sicu", "nicu", "picu", "csru", "cath", "lab", "ir", "ct", "mri", "us", "xr", "snf",
                        "ltac", "ltach", "hospice", "bed", "room", "his", "her", "their", "this", "that", "be", "see",
                        "have", "baseline", "normal", "sinus", "him", "them", "me", "dialysis", "surgery",
                        "ambulance", "ems", "clinic", "office", "pcp", "osh"})
# Units, services and shorthand that follow "to"/"from"/"at" and are no facility ("transferred to ctu", "seen at hd").
_NOT_CODE = frozenset({"vna", "pt", "ot", "hd", "ctu", "pcu", "cvicu", "tsicu", "nsicu", "ccu", "cvu", "sdu", "tcu",
                       "ltc", "alf", "ecf", "nh", "acf", "bid", "tid", "qid", "qd", "prn", "hs", "po", "iv", "im", "sq",
                       "npo", "ama", "rrt", "ems", "ed", "er", "ms", "ns", "lr", "cxr", "ekg", "ecg", "eeg", "emg",
                       "tte", "tee", "cta", "mra", "mrv", "pet", "spect", "kub", "ivc", "svc", "pa", "np", "md", "rn",
                       "sw", "cm", "gi", "gu", "ent", "id", "obgyn", "peds", "neuro", "ortho", "cards", "onc", "renal",
                       "pulm", "heme", "endo", "psych", "ir", "ep", "cath", "rehab", "acute", "am", "pm", "noc", "hr",
                       "hrs", "min", "wk", "wks", "mo", "yr", "yrs", "mos", "sx", "hx", "dx", "tx", "rx", "fx", "bx",
                       "pmh", "psh", "ros", "hpi", "cc", "fu", "f/u", "pta", "ptt", "inr", "bmp", "cbc", "lft", "abg"})


class TownRecognizer(RadPatternRecognizer):
    """A town from the GeoNames lexicon after a preposition, any casing: "lives in fairview", "from OAKDALE".

    Only the longest leading words that form a known town are kept ("in fairview. hcp is" -> "fairview");
    towns that are also everyday words ("Mobile", "Reading") are not in the lexicon (`deid.lexicons`).
    """

    ENTITY = "LOCATION"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("town after a preposition (medium)", r"\b(?i:in|from|near|to|of|at|outside)\s{1,3}"
                r"(?P<phi>\p{L}[\p{L}'\u2019\-]{2,24}(?:[ \t]\p{L}[\p{L}'\u2019\-.]{1,24}){0,3})", 0.6),
    ]
    CONTEXT: ClassVar[list[str]] = ["lives", "resides", "from", "home", "town", "city"]

    def refine_span(self, text: str, start: int, end: int) -> tuple[int, int]:
        from deid import lexicons

        value = text[start:end]
        words = list(_WORD.finditer(value))
        for n in range(len(words), 0, -1):
            phrase = value[:words[n - 1].end()]
            if lexicons.is_city(phrase):
                return start, start + words[n - 1].end()
        return start, start

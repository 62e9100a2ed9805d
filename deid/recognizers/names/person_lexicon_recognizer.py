"""Person names from lexicons and context, in any casing: how the PhysioNet deid package and Philter reach recall.

spaCy's NER and the capitalised-name patterns miss names in all-caps reports and lower-case
dictation or nursing notes ("dr smith", "MRS. PEREZ", "daughter anna visited", "b. lane, rn").
Here each word is looked up in the name lexicons (`deid.lexicons`) and read with its neighbours:

- a **strong** name (a first name or surname that is no ordinary or clinical word) is PHI when it is
  capitalised, when its line has no casing to go by (all caps or all lower case), or with a cue;
- an **ambiguous** name ("hope", "grant", "will") needs a cue: a title before it (`Dr`, `mrs.`),
  a kinship word before a first name (`wife mary`, `son, tom,`), an initial before it (`a. lane`),
  a credential after it (`grant rn`), or a name beside it (`john baker`);
- an **unknown** word (in no lexicon) is a surname after a title (`Dr.Okafor`);
- a known safe word never is ("dr aware", "ms lesions", "son at bedside").

Neighbouring name words, initials between them and HL7 `LAST^FIRST^M` separators make one span.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import ClassVar

import regex
from presidio_analyzer import RecognizerResult

from deid.recognizers.base import RadEntityRecognizer, make_result

_TOKEN = regex.compile(r"\p{L}[\p{L}'\u2019]*(?:-\p{L}[\p{L}'\u2019]*)?")
TITLES = frozenset({"dr", "drs", "doctor", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "mister", "madam"})
KIN = frozenset({"wife", "husband", "son", "daughter", "dtr", "mother", "mom", "father", "dad", "brother", "sister",
                 "sibling", "spouse", "partner", "boyfriend", "girlfriend", "fiance", "fiancee", "niece", "nephew",
                 "aunt", "uncle", "cousin", "grandson", "granddaughter", "grandmother", "grandfather", "grandma",
                 "grandpa", "friend", "neighbor", "neighbour", "guardian", "caregiver", "hcp", "poa", "stepson",
                 "stepdaughter", "stepmother", "stepfather", "sil", "dil", "children", "kids", "family", "kid",
                 "child", "baby", "grandchild"})
CREDENTIALS = frozenset({"md", "do", "rn", "np", "pa", "rrt", "crt", "rt", "lpn", "cna", "msw", "lcsw", "licsw", "phd",
                         "pharmd", "crna", "aprn", "fnp", "anp", "cnm", "dpt", "otr", "slp", "rd", "ccc", "mbbs",
                         "facr", "bsn", "msn", "dnp", "rph", "emt", "paramedic", "pac"})
# Words that name a person's role right before the name ("resident jones", "attending: smith").
_ROLE = frozenset({"attending", "resident", "fellow", "intern", "nurse", "rn", "np", "pa", "md", "physician",
                   "surgeon", "radiologist", "technologist", "tech", "sonographer", "pcp", "cardiologist",
                   "neurologist", "oncologist", "intensivist", "hospitalist", "pharmacist", "chaplain",
                   "therapist", "sw", "cm"})
_VERB_BEFORE = frozenset({"per", "with", "by", "to", "notified", "paged", "called", "informed", "discussed", "spoke",
                          "aware", "contacted", "cc", "d/w", "dw", "visited", "seen", "from", "contact", "and", "that"})
_ROLE_CUE = frozenset({"attending", "resident", "fellow", "intern", "therapist", "rrt", "surgeon", "radiologist",
                       "technologist", "sonographer", "cardiologist", "neurologist", "intensivist", "hospitalist",
                       "pharmacist", "chaplain", "pcp", "nurse", "nurses", "np", "physician"})
# Words that are never part of a name themselves, however a lexicon lists them ("daughter", "with", "rn").
NEVER_NAME = TITLES | KIN | CREDENTIALS | _ROLE | _VERB_BEFORE | frozenset({
    "a", "an", "the", "and", "or", "of", "in", "on", "at", "for", "is", "was", "are", "were", "be", "been", "has",
    "had", "have", "he", "she", "his", "her", "him", "they", "them", "their", "we", "you", "it", "its", "who", "this",
    "that",
    "not", "no", "yes", "will", "would", "can", "could", "may", "might", "should", "shall", "did", "does", "do",
    "re", "pt", "pts", "patient", "today", "tonight", "tomorrow", "yesterday", "am", "pm", "also", "all", "up"})
_JOIN = regex.compile(r"[ \t]{1,3}|[ \t]{0,2}[,^][ \t]{0,2}|\^")
_AND = regex.compile(r"[ \t]{1,2}(?:and|&)[ \t]{1,2}|,[ \t]{1,2}")


class PersonLexiconRecognizer(RadEntityRecognizer):
    """Names by lexicon lookup and context words, case-insensitive."""

    ENTITY: ClassVar[str] = "PERSON"
    SCORE: ClassVar[float] = 0.75

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        from deid import lexicons
        from deid.candidates import is_english_word
        from deid.vocabulary import is_site_term

        tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
        if not tokens:
            return []
        casing = _line_casing(text)
        lows = [w.lower() for _, _, w in tokens]
        kinds = [lexicons.name_kind(w) for _, _, w in tokens]
        person = [False] * len(tokens)
        for i, (start, end, word) in enumerate(tokens):
            kind = kinds[i]
            if len(word) < 2 or lows[i] in NEVER_NAME or is_site_term(word):
                continue  # a site's clinical terms are never names, whatever the lexicons say ("Mahurkar catheter")
            prev = lows[i - 1] if i and _adjacent(text, tokens[i - 1][1], start, loose=True) else ""
            nxt = lows[i + 1] if i + 1 < len(tokens) and _adjacent(text, end, tokens[i + 1][0], loose=True) else ""
            after_title = prev in TITLES and (kind is not None or not _modality(text, tokens[i - 1]))
            # a role word is a weaker cue than a title: "physician states", "nurse aware" are no names
            after_title |= (i > 0 and lows[i - 1 - (len(lows[i - 1]) == 1 and i > 1)] in _ROLE_CUE
                            and _after_role(text, tokens, lows, i) and not is_english_word(word)
                            and (kind is not None or not lexicons.is_known_word(word)))
            if kind is not None and not after_title and _eponym_use(text, word, end):
                continue  # "Barrett's esophagus", "Hodgkin lymphoma", "Foley catheter"
            credential = nxt in CREDENTIALS and nxt not in ("pa", "do", "pt", "rd")
            named = prev in ("named", "nee", "aka") or (prev in ("is", "me") and i > 1
                                                          and lows[i - 2] in ("name", "call", "called"))
            speaker = (word[0].isupper() and text[end:end + 1] in (":", " ") and _speaker(text, start, end, word)
                       and (kind is not None or not lexicons.is_known_word(word)))
            subject = (nxt in _PERSON_VERBS and word[0].isupper() and casing(start) == "mixed"
                       and (kind is not None or not lexicons.is_known_word(word)) and _sentence_start(text, start))
            if speaker or subject:  # "Amy: Remember me", "Jacob lives on", "Irenka is very reliable"
                person[i] = True
                continue
            if kind is None:  # a word in no lexicon: a surname after a title ("Dr.Okafor"), a foreign name
                unknown = not lexicons.is_known_word(word) and not lexicons.is_common_word(word)
                foreign = _foreign_name_shape(word, casing(start)) or _accented_name(word)
                person[i] = ((unknown and (named or prev in KIN or credential or foreign))
                             or (after_title and (not lexicons.is_known_word(word) or _after_dotted_title(
                                 text, tokens, lows, i))))
                person[i] |= named and word[0].isupper() and lows[i] not in NEVER_NAME  # "maiden name is Key"
            elif kind == "strong":
                if casing(start) == "mixed":
                    written_as_name = word[0].isupper() and not word.isupper()
                else:  # no casing to go by: an everyday word ("MERCY", "john") or an acronym ("HIDA") needs more
                    written_as_name = (lexicons.is_frequent_name(word)
                                       and (lexicons.is_first_name(word) or not is_english_word(word))) or (
                        not lexicons.is_common_word(word) and not is_english_word(word)
                        and (len(word) >= (5 if word.isupper() else 4) or prev in _VERB_BEFORE))  # not "HIDA"
                person[i] = (written_as_name or after_title or named or prev in KIN or credential
                             or _initial_before(text, start))
            else:  # ambiguous: a name only with a cue
                person[i] = (after_title or named or (prev in KIN and lexicons.is_first_name(word)) or credential
                             or _initial_before(text, start))
        # a first name then a surname, in any casing: "JOHN SMITH", "mary jones"
        for i in range(len(tokens) - 1):
            if (not person[i] and kinds[i] and kinds[i + 1] and lows[i] not in NEVER_NAME
                    and lows[i + 1] not in NEVER_NAME and lexicons.is_first_name(tokens[i][2])
                    and _adjacent(text, tokens[i][1], tokens[i + 1][0]) and len(tokens[i][2]) > 1
                    and _name_shaped(tokens[i][2], casing(tokens[i][0]))
                    and _name_shaped(tokens[i + 1][2], casing(tokens[i + 1][0]))
                    and "strong" in (kinds[i], kinds[i + 1])):
                person[i] = person[i + 1] = True
        # "moore, mark x" at a line start or after "by"/a label: the LAST, FIRST shape, any casing
        for i in range(len(tokens) - 1):
            if (kinds[i] and lexicons.is_first_name(tokens[i + 1][2]) and lows[i] not in NEVER_NAME
                    and lows[i + 1] not in NEVER_NAME
                    and _COMMA.fullmatch(text[tokens[i][1]:tokens[i + 1][0]])
                    and _field_start(text, tokens[i][0], lows[i - 1] if i else "")
                    and _name_shaped(tokens[i][2], casing(tokens[i][0]))):
                person[i] = person[i + 1] = True
        # a name beside a name: "john baker", "BAKER, JOHN", "LANE^HOPE^M"
        changed = True
        while changed:
            changed = False
            for i in range(len(tokens)):
                if person[i] or len(tokens[i][2]) < 2 or lows[i] in NEVER_NAME:
                    continue
                left = i > 0 and person[i - 1] and _adjacent(text, tokens[i - 1][1], tokens[i][0])
                right = i + 1 < len(tokens) and person[i + 1] and _adjacent(text, tokens[i][1], tokens[i + 1][0])
                if kinds[i] is None:
                    if (left or right) and casing(tokens[i][0]) != "mixed" and len(tokens[i][2]) >= 3 \
                            and not lexicons.is_known_word(tokens[i][2]) and not is_english_word(tokens[i][2]):
                        person[i] = changed = True  # "nijito asano": a word no lexicon knows beside a name
                elif (left or right) and _name_shaped(tokens[i][2], casing(tokens[i][0])):
                    person[i] = changed = True
                elif casing(tokens[i][0]) == "mixed" and _name_shaped(tokens[i][2], "mixed") and any(
                        person[j] for j in _coordinated(text, tokens, lows, i)):
                    person[i] = changed = True  # "Dale and White", "Bowman and White": names listed together
        for i in range(len(tokens) - 1):  # "sw b hart", "RT M BLACK", "(g jackson)": an initial and a name after a cue
            if (len(tokens[i][2]) == 1 and lows[i + 1] not in NEVER_NAME
                    and text[tokens[i][1]:tokens[i + 1][0]] in (" ", ". ", ".")
                    and (casing(tokens[i + 1][0]) != "mixed" or tokens[i + 1][2][0].isupper())
                    and _initial_cue(text, tokens, lows, i)):
                role = i > 0 and lows[i - 1] in _INITIAL_ROLES
                if lows[i] in ("a", "i") and not (kinds[i + 1] == "strong" and (role or _credential_after(
                        text, tokens[i + 1][1]))):
                    continue  # "a mass", "i think": an article or a pronoun, unless a name and a role say otherwise
                # after a role and an initial any word is a surname: "sw y. mass", "chaplain h.bowel"
                if kinds[i + 1] is not None or ((role or _credential_after(text, tokens[i + 1][1]))
                                                and _surname_after_role(lows[i + 1])):
                    person[i] = person[i + 1] = True
        for i in range(len(tokens)):  # "son may visits", "that pat her caregiver": a first name by its relation
            if not person[i] and (lows[i] == "may" or (kinds[i] is not None and lexicons.is_first_name(tokens[i][2])
                                                       and lows[i] not in NEVER_NAME)):
                kin_before = i > 0 and lows[i - 1] in KIN and _adjacent(text, tokens[i - 1][1], tokens[i][0], True)
                if (kin_before and (lows[i] != "may" or not _modal_may(text, tokens, lows, i))) or _APPOSITION.match(
                        text, tokens[i][1]):
                    person[i] = True
        for i in range(len(tokens) - 1):  # "dr yong mass", "yong mass rn", "dr may wilson": a first name vouches
            if not (person[i] or lows[i] == "may") or lows[i + 1] in NEVER_NAME or not _adjacent(
                    text, tokens[i][1], tokens[i + 1][0]):
                continue
            # a given name that is no surname ("yong", "hélène"): "dr clark code status" is Dr Clark, then a word
            first = (person[i] and lexicons.is_first_name(tokens[i][2]) and not lexicons.is_surname(tokens[i][2])
                     ) or lows[i] == "may"
            titled = i > 0 and lows[i - 1] in TITLES and _adjacent(text, tokens[i - 1][1], tokens[i][0])
            credential_next = (i + 2 < len(tokens) and lows[i + 2] in CREDENTIALS - {"pa", "do", "pt", "rd"}
                               and _adjacent(text, tokens[i + 1][1], tokens[i + 2][0], loose=True))
            if first and (titled or credential_next) and _surname_after_role(lows[i + 1]) and not _verb_shaped(
                    lows[i + 1]) and (
                    kinds[i + 1] is not None or lows[i] != "may" or titled):
                person[i] = person[i + 1] = True
        for i in range(len(tokens) - 1):  # "small, pat" / "heart, jörg" at a field start: LAST, FIRST with any surname
            if (text[tokens[i][1]:tokens[i][1] + 1] == "," and not person[i] and kinds[i] is None
                    and (lexicons.is_first_name(tokens[i + 1][2])
                                                         or lexicons.name_kind(tokens[i + 1][2]) == "strong")
                    and lows[i + 1] not in NEVER_NAME and _surname_after_role(lows[i])
                    and _name_shaped(tokens[i][2], casing(tokens[i][0]))
                    and not _SCORE_AFTER.match(text, tokens[i + 1][1])
                    and (lexicons.is_frequent_name(tokens[i + 1][2]) or not is_english_word(tokens[i + 1][2]))
                    and _COMMA.fullmatch(text[tokens[i][1]:tokens[i + 1][0]])
                    and (i == 0 or lows[i - 1] == "by" or _LINE_START.search(text, 0, tokens[i][0]) is not None)):
                person[i] = person[i + 1] = True  # not "INDICATION: Lightheadedness, shaking"
        starts = [t[0] for t in tokens]
        for m in _DICTATION_CUE.finditer(text):  # "this is joy harris dictating", "dictation for sandra field"
            i = bisect_right(starts, m.end() - 1)
            for j in (i, i + 1):
                if j >= len(tokens) or (lows[j] in NEVER_NAME and lows[j] != "may") or (
                        j > i and not _adjacent(text, tokens[j - 1][1], tokens[j][0])):
                    break
                word_not_name = kinds[j] is None and (lexicons.is_known_word(tokens[j][2])
                                                      or is_english_word(tokens[j][2]))
                titled = "dr" in m.group().lower()  # "this is dr hart dictating": one surname, nothing after it
                if word_not_name and not (j > i and not titled and lexicons.is_first_name(tokens[i][2])
                                          and _surname_after_role(lows[j]) and lows[j] not in _AFTER_DICTATED_NAME):
                    break  # but "signed dr hélène bowel": after a first name, a surname whatever it means
                person[j] = True
        for i in range(1, len(tokens) - 1):  # "Brad L Key": a bare middle initial between two names
            if (len(tokens[i][2]) == 1 and tokens[i][2].isupper() and (person[i - 1] or person[i + 1])
                    and kinds[i + 1 if person[i - 1] else i - 1] is not None
                    and lows[i + 1] not in NEVER_NAME and lows[i - 1] not in NEVER_NAME
                    and text[tokens[i - 1][1]:tokens[i][0]] in (" ", "  ")
                    and text[tokens[i][1]:tokens[i + 1][0]] in (" ", "  ")
                    and tokens[i - 1][2][0].isupper() and tokens[i + 1][2][0].isupper()):
                person[i - 1] = person[i] = person[i + 1] = True
        return self._spans(text, tokens, person)

    def _spans(self, text: str, tokens: list[tuple[int, int, str]], person: list[bool]) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        i = 0
        while i < len(tokens):
            if not person[i]:
                i += 1
                continue
            start, end = tokens[i][0], tokens[i][1]
            init = _INITIAL_BEFORE.search(text, max(0, start - 8), start) or _BARE_INITIAL.search(
                text, max(0, start - 4), start)
            if init:  # "J. KOWALSKI", "C OKAFOR", "chaplain t võ"
                start = init.start()
            j = i
            while j + 1 < len(tokens) and person[j + 1] and _adjacent(text, tokens[j][1], tokens[j + 1][0]):
                j += 1
                end = tokens[j][1]
            trailing = _TRAILING_INITIAL.match(text, end)
            if trailing:  # "parker, chloë r  (mrn": a middle initial after LAST, FIRST
                end = trailing.end()
            results.append(make_result(self, self.ENTITY, start, end, self.SCORE, "lexicon name with context"))
            i = j + 1
        return results


# Words a dictation puts right after a name ("this is joy harris dictating", "on mary price medical record").
_AFTER_DICTATED_NAME = frozenset({"dictating", "dictated", "dictation", "thank", "thanks", "new", "date", "medical",
                                  "labs", "past", "pain", "ct", "code", "history", "mrn", "record", "dob", "seen"})
_LINE_START = regex.compile(r"\n[ \t]{0,4}$")
_SCORE_AFTER = regex.compile(r"[ \t]{0,2}[:=]?[ \t]{0,2}\d")  # "intact, Braden 14": a scale, not a first name
_INITIAL_ROLES = frozenset({"sw", "chaplain", "rt", "rrt", "rn", "np", "pa", "md", "dr", "therapist", "tech", "by"})
_APPOSITION = regex.compile(r",?[ \t]{1,2}(?i:her|his|their|the[ \t]patient's|pt's)[ \t]{1,2}(?i:caregiver|"
                            r"daughter|son|wife|husband|sister|brother|mother|father|niece|nephew|friend|partner|"
                            r"neighbou?r|hcp|health[ \t]care[ \t]proxy|grandson|granddaughter)\b")
_CREDENTIAL_AFTER = regex.compile(r",?[ \t]{1,2}(?i:rn|md|np|pa|rrt|lpn|msw|licsw|do)\b")
# Where a dictation names its speaker or its patient: the next words are a name whatever they mean in English.
_DICTATION_CUE = regex.compile(r"\b(?i:this[ \t]{1,2}is[ \t]{1,2}(?:dr\.?[ \t]{1,2})?(?=\S+(?:[ \t]\S+){0,2}[ \t]"
                               r"dictating)|dictation[ \t]{1,2}for[ \t]{1,2}|(?:note|summary)[ \t]{1,2}(?:on|for)"
                               r"[ \t]{1,2}(?:patient[ \t]{1,2})?|on[ \t]{1,2}patient[ \t]{1,2}|dictated[ \t]{1,2}"
                               r"by[ \t]{1,2}(?:dr\.?[ \t]{1,2})?|transcribed[ \t]{1,2}by[ \t]{1,2}|"
                               r"electronically[ \t]{1,2}signed[ \t]{1,2}(?:by[ \t]{1,2})?(?:dr\.?[ \t]{1,2})?|"
                               r"contact[ \t]{1,2}(?=\S+[ \t]{1,2}at[ \t]{1,2}[\d(])|"
                               r"asking[ \t]{1,2}(?:for|when|if|whether|about)[ \t]{1,2})")
_NOT_MODAL_NEXT = frozenset({"at", "in", "and", "is", "was", "who", "to", "with", "for", "of", "on", "or", "from",
                             "has", "had", "came", "called", "brought", "present", "here", "by", "(hcp)"})


def _modal_may(text: str, tokens: list[tuple[int, int, str]], lows: list[str], i: int) -> bool:
    """"daughter may visit" (a verb follows) or "daughter may at bedside" / "son may visits daily" (a name)."""
    rest = text[tokens[i][1]:tokens[i][1] + 3]
    if not rest[:1].isspace() or i + 1 >= len(tokens) or "\n" in rest:
        return False  # "granddaughter may," / end of line: nothing a modal needs
    nxt = lows[i + 1]
    return not (nxt in _NOT_MODAL_NEXT or nxt.endswith(("s", "ed")) and nxt not in ("was", "has", "is"))


def _verb_shaped(low: str) -> bool:
    return low in _AFTER_DICTATED_NAME or low.endswith(("ing", "ed"))


def _credential_after(text: str, end: int) -> bool:
    return bool(_CREDENTIAL_AFTER.match(text, end))


def _surname_after_role(low: str) -> bool:
    from spacy.lang.en.stop_words import STOP_WORDS

    return len(low) >= 2 and low.isalpha() and low not in STOP_WORDS and low not in _NOT_AFTER_TITLE


_TRAILING_INITIAL = regex.compile(r"[ \t]\p{L}\.?(?=[ \t]{2}|[ \t]*(?:,|\(|\r?$)|\n)", regex.MULTILINE)
_COMMA = regex.compile(r",[ \t]{1,2}")
_SENTENCE_END_BEFORE = regex.compile(r"[.!?]\s{1,2}$")
_ROLE_GAP = regex.compile(r"[ \t:,]{1,3}(?:\p{L}\.?[ \t]{1,2})?")
_INITIAL_GAP = regex.compile(r"\.?[ \t]{0,3}(?:\p{L}\.[ \t]{0,2})?")
_BARE_INITIAL = regex.compile(r"(?<![\p{L}\d'.])(?![AaIi][ \t])\p{L}[ \t]$")
_INITIAL_BEFORE = regex.compile(r"(?<![\p{L}\d])\p{L}\.[ \t]{0,2}(?:\p{L}\.[ \t]{0,2})?$")


_PERSON_VERBS = frozenset({"lives", "lived", "began", "spent", "says", "said", "states", "stated", "works", "worked",
                           "went", "came", "wrote", "writes", "died", "married", "moved", "visited", "arrived",
                           "agreed", "refused", "declined", "wants", "wanted", "asked", "told", "knows", "likes",
                           "loves", "called", "denies", "reports", "thinks", "feels", "needs"})
_SPEAKER = regex.compile(r"[ \t]{0,2}:[ \t\"]")


def _speaker(text: str, start: int, end: int, word: str) -> bool:
    """A first name opening a line and followed by a colon: a speaker in a transcript ("Amy: ...")."""
    from deid import lexicons
    from deid.vocabulary import is_clinical_word

    line_start = text.rfind("\n", 0, start) + 1
    return (word[0].isupper() and not word.isupper() and not text[line_start:start].strip(" \t>*-")
            and bool(_SPEAKER.match(text, end))
            and (lexicons.is_first_name(word) or _foreign_name_shape(word, "mixed", typos=False))
            and not is_clinical_word(word))  # "Impression:", "Neuro:" are section heads


def _sentence_start(text: str, start: int) -> bool:
    before = text[max(0, start - 3):start]
    return start == 0 or before.endswith("\n") or bool(_SENTENCE_END_BEFORE.search(before))


def _coordinated(text: str, tokens: list[tuple[int, int, str]], lows: list[str], i: int) -> list[int]:
    """Tokens listed with token i: "X, Y", "X & Y", "X and Y" (either side)."""
    out = []
    for j, k in ((i - 1, i), (i, i + 1)):
        if j >= 0 and k < len(tokens) and _AND.fullmatch(text[tokens[j][1]:tokens[k][0]]):
            out.append(j if k == i else k)
    if i >= 2 and lows[i - 1] == "and" and tokens[i - 2][2][:1].isupper():
        out.append(i - 2)
    if i + 2 < len(tokens) and lows[i + 1] == "and" and tokens[i + 2][2][:1].isupper():
        out.append(i + 2)
    return out


def _foreign_name_shape(word: str, casing: str, typos: bool = True) -> bool:
    """A capitalised word of a mixed-case line that no lexicon knows: Philter's rule (what is not known to be
    safe is PHI) for the names no list holds ("Halldór", "Koppány", "Roeterdink")."""
    if casing != "mixed" or len(word) < 3 or not word[0].isupper() or not word[1:].isalpha() or not word[1:].islower():
        return False  # "I'm", "They're", "X-ray": contractions and compounds are not names
    from deid import lexicons
    from deid.candidates import is_english_word, is_medical_shape

    # "Capitalized": inflected English the lemma list misses; "Neurointerventional": a medical compound;
    # "Ramicade", "Roomate": a typo of a word
    return not is_english_word(word) and not is_medical_shape(word) and not lexicons.near_known_word(word, typos)


def _accented_name(word: str) -> bool:
    """A word with letters English does not write ("þórunn", "JÖKULL", "nyström") that no lexicon knows, even folded:
    in a line with no casing to go by, what is not known to be safe is a name (Philter's rule)."""
    if word.isascii() or len(word) < 3:
        return False
    from deid import lexicons
    from deid.candidates import is_english_word

    folded = lexicons.fold(word)
    return not is_english_word(folded) and not lexicons.is_known_word(folded) and not lexicons.is_common_word(folded)


_FIELD_START = regex.compile(r"(?:^|\n|[:|\t]|[ \t]{2})[ \t]*$")


def _field_start(text: str, start: int, prev: str) -> bool:
    """At a line or field start ("\nmoore, mark", "pt: black, art") or after "by" ("ordered by black, art")."""
    return prev == "by" or bool(_FIELD_START.search(text, max(0, start - 40), start))


def _after_role(text: str, tokens: list[tuple[int, int, str]], lows: list[str], i: int) -> bool:
    """After a role word, perhaps with a bare initial between: "resp therapist M Black", "attending: smith"."""
    j = i - 1
    if j >= 0 and len(tokens[j][2]) == 1:
        j -= 1
    return j >= 0 and lows[j] in _ROLE_CUE and bool(_ROLE_GAP.fullmatch(
                                                                   text[tokens[j][1]:tokens[i][0]]))


_INITIAL_CUES = _ROLE_CUE | frozenset({"sw", "rt", "rrt", "resp", "team", "by", "rn", "md", "np", "signed", "per",
                                      "with", "to", "from", "and", "dr"})


def _initial_cue(text: str, tokens: list[tuple[int, int, str]], lows: list[str], i: int) -> bool:
    """What may stand before "b hart": a role or report word, an opening bracket, or the start of a line."""
    before = text[tokens[i - 1][1] if i else 0:tokens[i][0]]
    return ("(" in before or "\n" in before or i == 0
            or (lows[i - 1] in _INITIAL_CUES and bool(regex.fullmatch(r"[ \t:,]{1,3}", before))))


_NOT_AFTER_TITLE = frozenset({"aware", "notified", "paged", "called", "updated", "informed", "contacted", "ordered",
                              "office", "note", "notes", "order", "orders", "here", "present", "consulted", "made",
                              "said", "says", "states", "stated", "recommends", "recommended", "wants", "team",
                              "service", "covering", "oncall", "on-call", "visit", "visited", "rounds", "plan",
                              "placed", "saw", "seen", "review", "reviewed", "in", "at", "to", "on", "of", "and"})


# Titles that, even lower-case and without a period, stand only before a name ("mr brain" is an MRI, "ms" a disease).
_LOWER_TITLES = frozenset({"dr", "drs", "doctor", "mrs"})


def _after_dotted_title(text: str, tokens: list[tuple[int, int, str]], lows: list[str], i: int) -> bool:
    """After "dr." / "mrs." / "Dr " any word but a handful is a surname, even one that is also a word ("dr. mass",
    "mrs. heart's son"): Philter's rule after a title. Not "dr aware", "dr. notified"."""
    from spacy.lang.en.stop_words import STOP_WORDS

    w = lows[i].rstrip("'s").rstrip("\u2019s") if lows[i].endswith(("'s", "\u2019s")) else lows[i]
    written_as_title = (text[tokens[i - 1][1]:tokens[i - 1][1] + 1] == "." or tokens[i - 1][2][0].isupper()
                        or (lows[i - 1] in _LOWER_TITLES and tokens[i][2].islower()))  # "dr mass" in dictation
    return len(w) >= 2 and w not in _NOT_AFTER_TITLE and w not in STOP_WORDS and w.isalpha() and written_as_title


def _modality(text: str, token: tuple[int, int, str]) -> bool:
    """"MR C-SPINE", "MS lesions": capitalised MR/MS without a period is a modality or a disease, not a title
    (unless a name follows: "MR WILMS WAS SEEN")."""
    start, end, word = token
    return word in ("MR", "MS") and text[end:end + 1] != "."


def _eponym_use(text: str, word: str, end: int) -> bool:
    """A clinical eponym written as one: possessive, or followed by the disease, sign or device it names."""
    from deid.recognizers.names.person_ner_recognizer import EPONYM_FOLLOWER
    from deid.vocabulary import is_clinical_word

    if not is_clinical_word(word):
        return False
    return word.endswith(("'s", "\u2019s")) or bool(EPONYM_FOLLOWER.match(text, end))


def _initial_before(text: str, start: int) -> bool:
    return bool(_INITIAL_BEFORE.search(text, max(0, start - 8), start))


def _adjacent(text: str, end: int, start: int, loose: bool = False) -> bool:
    """Are two words next to each other in one name ("Smith, John", "LANE^ANN", "J. Smith", "Dr.Okafor")?"""
    gap = text[end:start]
    if not gap:
        return False
    if _JOIN.fullmatch(gap):
        return True
    # an initial between them ("John A. Smith") or a title's period ("Dr. Smith", "mr.jones")
    return bool(_INITIAL_GAP.fullmatch(gap)) or (loose and gap in (": ", ", "))


def _name_shaped(word: str, casing: str) -> bool:
    """An ambiguous name beside another name counts when written like a name in its line (not "OH", "WA":
    a short all-caps word in a mixed-case line is a state or an abbreviation)."""
    if casing == "mixed":
        return word[0].isupper() and not (word.isupper() and len(word) <= 3)
    return True


_SEGMENT_END = regex.compile(r"[.!?](?=\s)|\n")


def _line_casing(text: str):
    """A function: offset -> 'upper' | 'lower' | 'mixed', the casing of the sentence (or line) holding that offset.

    Per sentence, not per line: "the true gender of lempi has been..." is lower-case dictation even when the
    line around it has capitals."""
    cache: dict[int, str] = {}
    ends = [m.end() for m in _SEGMENT_END.finditer(text)]

    def casing(pos: int) -> str:
        i = bisect_right(ends, pos)
        line_start = ends[i - 1] if i else 0
        if line_start not in cache:
            line_end = ends[i] if i < len(ends) else len(text)
            line = text[line_start:line_end]
            upper = sum(map(str.isupper, line))
            lower = sum(map(str.islower, line))
            cache[line_start] = "upper" if upper >= 3 and lower == 0 else "lower" if upper == 0 else \
                "upper" if lower * 10 < upper else "mixed"
        return cache[line_start]

    return casing

import pytest

from deid.recognizers import PersonLexiconRecognizer

CASES = [
    # titles and kinship words in any case, with or without a period or a space
    ("pt seen by dr smith today.", ["smith"]),
    ("per Dr.Okafor, continue lasix. mr.jones called.", ["Okafor", "jones"]),
    ("MRS. PEREZ AT BEDSIDE.", ["PEREZ"]),
    ("daughter anna visited. son, tom, called re: dispo.", ["anna", "tom"]),
    ("wife mary at bedside", ["mary"]),
    # initials and credentials
    ("J. KOWALSKI RRT adjusted vent.", ["J. KOWALSKI"]),
    ("b. lane, rn aware.", ["b. lane"]),
    # LAST, FIRST at a field start, HL7 carets, accents
    ("moore, mark x  (mrn 29624721)", ["moore, mark x"]),
    ("Patient: SMITH^JOHN^A  MRN", ["SMITH^JOHN"]),
    ("Report approved by Hélène Dubois.", ["Hélène Dubois"]),
    # a transcript speaker, names listed together, a subject before a person verb
    ("Amy: Remember me?", ["Amy"]),
    ("Dale and White were precision engineers", ["Dale", "White"]),
    ("Jacob lives on 90 Whitchurch Road", ["Jacob", "Whitchurch"]),  # a word no lexicon knows: Philter's rule
    # not names: eponyms in use, modalities, words that lists also hold as names, typos of words
    ("History of Hodgkin's lymphoma and Barrett's esophagus.", []),
    ("EXAM: MR C-SPINE WO", []),
    ("STUDY: HIDA SCAN WITH CCK", []),
    ("INDICATION: Ramicade therapy; Roomate sick.", []),
    ("pt states she feels better; physician states no change.", []),
    ("Calcified granuloma. Sequelae of prior infection.", []),
    ("Oakdale, OH 44000", ["Oakdale"]),  # the town is caught (a place); the state code is not part of it
]


@pytest.mark.parametrize(("sentence", "expected"), CASES)
def test_person_lexicon_recognizer(sentence, expected, found):
    assert found(PersonLexiconRecognizer(), sentence) == expected

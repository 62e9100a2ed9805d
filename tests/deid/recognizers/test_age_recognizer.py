import pytest

from deid.recognizers import AgeRecognizer

CASES = [
    ("History: 92-year-old male with cough.", ["92"]),
    ("A 97 year old woman fell.", ["97"]),
    ("Patient is a 101 yo F.", ["101"]),
    ("Aged 94, with dementia.", ["94"]),
    ("95F with chest pain.", ["95"]),
    ("The patient is a nonagenarian.", ["nonagenarian"]),
    # ages under 90 are not PHI under Safe Harbor; numbers that are not ages are not either
    ("A 69 y/o F with elevated lipase.", []),
    ("89-year-old man with syncope.", []),
    ("Nodule measuring 95 mm.", []),
    ("Heart rate 92 bpm.", []),
    ("CTDIvol 60.8 mGy, DLP 941 mGy-cm.", []),
]


@pytest.mark.parametrize(("sentence", "expected"), CASES)
def test_age_recognizer(sentence, expected, found):
    assert found(AgeRecognizer(), sentence) == expected

import pytest

from deid.recognizers import AccessionRecognizer

CASES = [
    ("Accession: RAD-2021-000123", ["RAD-2021-000123"]),
    ("Acc # 88123456 for this exam.", ["88123456"]),
    ("Accession Number 1004376160", ["1004376160"]),
    ("Order #: 55123", ["55123"]),
    # clinical negatives
    ("Accession of the findings to the referring team.", []),
    ("Study quality is limited by motion.", []),
]


@pytest.mark.parametrize(("sentence", "expected"), CASES)
def test_accession_recognizer(sentence, expected, found):
    assert found(AccessionRecognizer(), sentence) == expected

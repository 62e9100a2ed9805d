import pytest

from deid.recognizers import SsnRecognizer

CASES = [
    ("SSN: 123-45-6789", ["123-45-6789"]),
    ("Social Security Number 123456789 on the form.", ["123456789"]),
    ("Guarantor SS# 987-65-4321.", ["987-65-4321"]),
    # clinical negatives
    ("Ratio 1:2:3 and L3-4-5 levels.", []),
    ("Counts 12-34-56 in the table.", []),
]


@pytest.mark.parametrize(("sentence", "expected"), CASES)
def test_ssn_recognizer(sentence, expected, found):
    assert found(SsnRecognizer(), sentence) == expected

import pytest

from deid.recognizers import EmailRecognizer

CASES = [
    ("Results sent to jdoe@example.com today.", ["jdoe@example.com"]),
    ("Contact j.roe+rad@lakesidech.org.", ["j.roe+rad@lakesidech.org"]),
    ("Email: radiology.desk@hospital.example.net", ["radiology.desk@hospital.example.net"]),
    # clinical negatives
    ("Lesion @ 3 o'clock position.", []),
    ("Ratio 2:1 at the level of T12.", []),
]


@pytest.mark.parametrize(("sentence", "expected"), CASES)
def test_email_recognizer(sentence, expected, found):
    assert found(EmailRecognizer(), sentence) == expected

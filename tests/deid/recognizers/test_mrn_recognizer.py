import pytest
from presidio_analyzer import Pattern

from deid.recognizers import MrnRecognizer

CASES = [
    ("MRN: 01234567", ["01234567"]),
    ("Haddad, Nour  (MRN 17777768)  DOB 01/16/1941", ["17777768"]),
    ("Med Rec # A1234567 on file.", ["A1234567"]),
    ("Medical Record Number: 5566778", ["5566778"]),
    ("Patient ID 99887766 verified.", ["99887766"]),
    ("MR#: 20010045", ["20010045"]),
    # clinical negatives
    ("Patient ID verified with two identifiers.", []),
    ("MRI of the brain without contrast.", []),
    ("MR arthrogram of the shoulder.", []),
]


@pytest.mark.parametrize(("sentence", "expected"), CASES)
def test_mrn_recognizer(sentence, expected, found):
    assert found(MrnRecognizer(), sentence) == expected


def test_a_site_pattern_extends_the_defaults_without_subclassing(found):
    rec = MrnRecognizer(extra_patterns=[Pattern("site mrn (strong)", r"\bH\d{6}\b", 0.9)])
    assert found(rec, "Old chart H123456 scanned.") == ["H123456"]

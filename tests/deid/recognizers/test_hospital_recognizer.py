import pytest

from deid.recognizers import HospitalRecognizer

CASES = [
    ("Outside CT from St. Mary's Hospital was reviewed.", ["St. Mary's Hospital"]),
    ("UNIVERSITY MEDICAL CENTER OF WESTBURY - DEPARTMENT OF RADIOLOGY", ["UNIVERSITY MEDICAL CENTER OF WESTBURY"]),
    ("Transferred from Valley Orthopedic Clinic.", ["Valley Orthopedic Clinic"]),
    ("Prior from Hospital Universitario La Paz dated 2019.", ["Hospital Universitario La Paz"]),
    ("ACC 1104922571 | DATE 2011-04-04 07:26 | GH", ["GH"]),
    # clinical negatives
    ("Outside Hospital images are not available.", []),
    ("Department of Diagnostic Imaging.", []),
    ("CLINICAL INDICATION: cough.", []),
    ("Hospital course was uncomplicated.", []),
    ("ACC 1104922571 | CT | DATE 2011-04-04", []),
]


@pytest.mark.parametrize(("sentence", "expected"), CASES)
def test_hospital_recognizer(sentence, expected, found):
    assert found(HospitalRecognizer(), sentence) == expected


def test_site_gazetteer(found):
    rec = HospitalRecognizer(gazetteer=["Lakeside Ortho"])
    assert found(rec, "Seen at lakeside ortho last year.") == ["lakeside ortho"]

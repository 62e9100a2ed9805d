import pytest

from deid.recognizers import UrlRecognizer

CASES = [
    ("View images: http://pacs.lakeside.org/viewer?study=123", ["http://pacs.lakeside.org/viewer?study=123"]),
    ("See www.hospital.example.com/portal for details.", ["www.hospital.example.com/portal"]),
    ("Portal mychart.mercyhealth.org lists results.", ["mychart.mercyhealth.org"]),
    # clinical negatives
    ("Measures 1.5 cm. Stable since prior.", []),
    ("Status post C5-6 ACDF.", []),
]


@pytest.mark.parametrize(("sentence", "expected"), CASES)
def test_url_recognizer(sentence, expected, found):
    assert found(UrlRecognizer(), sentence) == expected

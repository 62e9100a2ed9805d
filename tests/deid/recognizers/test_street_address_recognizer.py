import pytest

from deid.recognizers import StreetAddressRecognizer

CASES = [
    ("Patient address: 4646 Center Avenue, Oxford.", ["4646 Center Avenue"]),
    ("Facility at 1200 N. Oak Street, Apt 4B today.", ["1200 N. Oak Street, Apt 4B"]),
    ("Mail to PO Box 1234 please.", ["PO Box 1234"]),
    ("RIVERSIDE IMAGING CENTER, 18 MILL ROAD, FAIRVIEW", ["18 MILL ROAD"]),
    ("CALLED AT 10:40 AM BY DR. ROE.", []),
    # clinical negatives
    ("Discussed with 2 Dr and staff.", []),
    ("A 3 cm lesion in the left lobe.", []),
]


@pytest.mark.parametrize(("sentence", "expected"), CASES)
def test_street_address_recognizer(sentence, expected, found):
    assert found(StreetAddressRecognizer(), sentence) == expected

import pytest

from deid.recognizers import IpRecognizer

CASES = [
    ("Read at workstation 192.168.181.163 today.", ["192.168.181.163"]),
    ("PACS node 10.67.90.105:104 archived it.", ["10.67.90.105:104"]),
    ("Host fe80::1ff:fe23:4567:890a responded.", ["fe80::1ff:fe23:4567:890a"]),
    # clinical negatives
    ("Version 1.2.3 of the protocol.", []),
    ("Signed at 10:22:00 by the radiologist.", []),
    ("Measures 1.2 x 3.4 x 5.6 cm.", []),
]


@pytest.mark.parametrize(("sentence", "expected"), CASES)
def test_ip_recognizer(sentence, expected, found):
    assert found(IpRecognizer(), sentence) == expected

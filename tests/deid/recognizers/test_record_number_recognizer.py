import pytest

from deid.recognizers import RecordNumberRecognizer

CASES = [
    ("Account # 44556677 billed.", ["44556677"]),
    ("Pacemaker serial number PX12345 noted.", ["PX12345"]),
    ("Encounter ID: ENC-998877", ["ENC-998877"]),
    ("Study UID 1.2.840.113619.2.19.3637563.6267292387 archived.", ["1.2.840.113619.2.19.3637563.6267292387"]),
    ("Signed 201409010217 electronically.", ["201409010217"]),
    # clinical negatives
    ("T2-weighted images at L4-L5.", []),
    ("BI-RADS 4, LI-RADS 3.", []),
    ("I-123 MIBG scan and Tc-99m MDP.", []),
    ("DLP 841 mGy-cm, CTDIvol 60.8 mGy.", []),
    ("Nodule 12 x 14 mm, series 3 image 45.", []),
]


@pytest.mark.parametrize(("sentence", "expected"), CASES)
def test_record_number_recognizer(sentence, expected, found):
    assert found(RecordNumberRecognizer(), sentence) == expected

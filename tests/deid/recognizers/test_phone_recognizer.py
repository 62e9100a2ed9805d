import pytest

from deid.recognizers import PhoneRecognizer

CASES = [
    ("Call 555-123-4567 with questions.", ["555-123-4567"]),
    ("Reached at (617) 555-5372 at 6:14 AM.", ["(617) 555-5372"]),
    ("Fax 206.555.4025 for records.", ["206.555.4025"]),
    ("Dr. Kowalski was paged (20987) and notified.", ["20987"]),
    ("Via pager 2-2552 with read-back.", ["2-2552"]),
    ("Phone to Dr. Wood (555-1210) today.", ["555-1210"]),
    ("International +44 20 7946 0958 office.", ["+44 20 7946 0958"]),
    # clinical negatives
    ("Measures 3.2 x 1.5 x 2.0 cm.", []),
    ("Called the floor to discuss.", []),
    ("Dates 2019-2020 reviewed.", []),
]


@pytest.mark.parametrize(("sentence", "expected"), CASES)
def test_phone_recognizer(sentence, expected, found):
    assert found(PhoneRecognizer(), sentence) == expected

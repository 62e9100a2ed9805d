import pytest

from deid.recognizers import CityStateRecognizer

CASES = [
    # Safe Harbor keeps the state: only the town and the ZIP code are found.
    ("Oakdale, OH 44000 is the clinic.", ["Oakdale", "44000"]),
    ("Patient lives in Springfield, IL with family.", ["Springfield"]),
    ("Lives alone in Chester; daughter nearby.", ["Chester"]),
    ("Transferred from Riverton yesterday.", ["Riverton"]),
    ("LIVES ALONE IN RIVERTON; DAUGHTER NEARBY.", ["RIVERTON"]),
    ("cc: Cambridge Hospital, Cambridge MA 02139", ["Cambridge", "02139"]),
    # negatives: a credential is not a state, clinical words are not towns
    ("Read by Mary Johnson, MD today.", []),
    ("Pain from Crohn disease.", []),
]


@pytest.mark.parametrize(("sentence", "expected"), CASES)
def test_city_state_recognizer(sentence, expected, found):
    assert found(CityStateRecognizer(), sentence) == expected

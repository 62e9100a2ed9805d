import pytest

from deid.recognizers import AddressBlockRecognizer, PlaceRecognizer, TownRecognizer

PLACES = [
    ("transferred to BMC from outside hospital.", ["BMC"]),
    ("back to 4 West.", ["4 West"]),
    ("rehab in quincy", ["quincy"]),
    ("transferred to 8w from mrmc er on 7/26", ["8w", "mrmc"]),
    ("in room 12, bed 3B.", ["12", "3B"]),
    ("followed by Dr Sun at MRMC.", ["MRMC"]),
    # not places
    ("sent to CT, then back to ICU.", []),
    ("returned to baseline. back to sleep.", []),
    ("INDICATION: Pt POD 6 s/p repair", []),
]
TOWNS = [
    ("lives alone in bristol, son visits daily.", ["bristol"]),
    ("From OAKDALE, lives at 4000 Mercy Way", ["OAKDALE"]),
    ("immigrant from Bangladesh", []),  # a country is not an identifier
    ("withdrawal from Xanax", []),
]
ADDRESSES = [
    # overlapping finds of two anchors are merged by the engine
    ("his address: 5049 Harjukuja 54, SEINÄJOKI", ["5049 Harjukuja 54", "Harjukuja 54"]),
    ("David lives on Rue Dielhère 130 street.", ["Rue Dielhère 130", "Rue Dielhère 130 street"]),
    ("583 Magrethevej 298\n Apt. 123\n Qasigiannguit\n Greenland 07609",  # the country is not PHI, its postcode is
     ["583 Magrethevej 298", "Magrethevej 298", "Apt. 123", "Qasigiannguit", "07609"]),
    # not addresses
    ("30 pack-year smoker. Onset 2 hours ago.", []),
    ("ordering provider, via pager 64672 at 1529 hours", []),
    ("3 cm 4 views 2", []),
]


@pytest.mark.parametrize(("sentence", "expected"), PLACES)
def test_place_recognizer(sentence, expected, found):
    assert found(PlaceRecognizer(), sentence) == expected


@pytest.mark.parametrize(("sentence", "expected"), TOWNS)
def test_town_recognizer(sentence, expected, found):
    assert found(TownRecognizer(), sentence) == expected


@pytest.mark.parametrize(("sentence", "expected"), ADDRESSES)
def test_address_block_recognizer(sentence, expected, found):
    assert sorted(found(AddressBlockRecognizer(), sentence)) == sorted(expected)

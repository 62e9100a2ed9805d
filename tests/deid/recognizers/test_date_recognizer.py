import pytest

from deid.recognizers import DateRecognizer

CASES = [
    ("Comparison: CT chest 03/14/2021.", ["03/14/2021"]),
    ("Prior exam on 3/14/21 showed the same.", ["3/14/21"]),
    ("Exam date 2021-03-14T10:22:00 per RIS.", ["2021-03-14T10:22:00"]),
    ("Compared with study from March 14, 2021.", ["March 14, 2021"]),
    ("Seen on Mar. 14th, 2021 in clinic.", ["Mar. 14th, 2021"]),
    ("Study dated 14 March 2021 is available.", ["14 March 2021"]),
    ("Outside film 14-Mar-2021 reviewed.", ["14-Mar-2021"]),
    ("Compared to the study of 9/28.", ["9/28"]),
    ("Symptoms since March 2019.", ["March 2019"]),
    ("Last imaged 03/2019 at another site.", ["03/2019"]),
    ("Signed 04/29/2010 7:48 PM by the radiologist.", ["04/29/2010 7:48 PM"]),
    ("Notified on 6/5 10:17 AM by phone.", ["6/5 10:17 AM"]),
    ("Report approved on 03-Nov-15 7:08 pm.", ["03-Nov-15 7:08 pm"]),
    ("Paged at 0933 hours with read-back.", ["0933 hours"]),
    ("Worsening since last December.", ["last December"]),
    ("Called at 11:24 to the floor.", ["11:24"]),
    # clinical negatives: fractions, ratios, measurements, spine levels, scores
    ("The lesion occupies 3/4 of the lumen.", []),
    ("Blood pressure 120/80 at arrival.", []),
    ("Measures 3.2 x 1.5 cm in the right lobe.", []),
    ("Disc bulge at L4-L5 and C5-6.", []),
    ("Gleason score 3+4=7, grade 2/3.", []),
    ("Series 3 image 45 shows the nodule.", []),
    ("You may see mild atelectasis.", []),
    ("Impossible date 02/30/2020 is not a date.", []),
]


@pytest.mark.parametrize(("sentence", "expected"), CASES)
def test_date_recognizer(sentence, expected, found):
    assert found(DateRecognizer(), sentence) == expected

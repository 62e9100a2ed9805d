import pytest

from deid.recognizers import PersonCueRecognizer

CASES = [
    ("Findings discussed with Dr. Smith by telephone.", ["Smith"]),
    ("Dr. June Bone | Pager 39330", ["June Bone"]),
    ("Dictated by: Robert K. Lee, MD", ["Robert K. Lee"]),
    ("Report approved by WILMS, XIU YING on 12/22/2021.", ["WILMS, XIU YING"]),
    ("Signed by SWAN, ĐỨC MBBS", ["SWAN, ĐỨC"]),
    ("Technologist: A. Gray, RT(R)", ["A. Gray"]),
    ("The patient, Melissa N. Nelson, was identified.", ["Melissa N. Nelson"]),
    ("Haddad, Nour  (MRN 17777768)", ["Haddad, Nour"]),
    ("Results conveyed to Nurse Ratched at 10 am.", ["Ratched"]),
    # clinical negatives: eponyms, sections and terms after cue-like words
    ("Baker's cyst and Schatzki ring noted.", []),
    ("Discussed with the patient and family.", []),
    ("Findings communicated to the Emergency Department.", []),
    ("Reviewed by Radiology.", []),
    ("Hounsfield units of 20 and Foley catheter.", []),
]


@pytest.mark.parametrize(("sentence", "expected"), CASES)
def test_person_cue_recognizer(sentence, expected, found):
    assert found(PersonCueRecognizer(), sentence) == expected

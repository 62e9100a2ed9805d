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
    ("FINDINGS WERE DISCUSSED WITH DR. CARMEN HERNÁNDEZ AT 216.555.2569.", ["CARMEN HERNÁNDEZ"]),
    ("PATIENT OF DR. MAY BAKER. 57 Y/O M.", ["MAY BAKER"]),
    ("De la Cruz, Rosa  (MRN 84166183)", ["De la Cruz, Rosa"]),
    ("Report approved by DE LA CRUZ, JOSÉ on 4/3/2025.", ["DE LA CRUZ, JOSÉ"]),
    ("Jones called back with the results.", ["Jones"]),
    # clinical negatives: eponyms, sections and terms after cue-like words
    ("Baker's cyst and Schatzki ring noted.", []),
    ("Discussed with the patient and family.", []),
    ("Findings communicated to the Emergency Department.", []),
    ("Reviewed by Radiology.", []),
    ("Hounsfield units of 20 and Foley catheter.", []),
    ("EXAM TYPE: XR CHEST PA AND LATERAL", []),
    ("COMPARISON: MR L-SPINE WO CONTRAST.", []),
    ("DAUGHTER CAN BE REACHED AT HOME.", []),
    ("Heart is normal in size.", []),
    ("Films were sent to Dana-Farber Cancer Institute for review.", []),
]


@pytest.mark.parametrize(("sentence", "expected"), CASES)
def test_person_cue_recognizer(sentence, expected, found):
    assert found(PersonCueRecognizer(), sentence) == expected

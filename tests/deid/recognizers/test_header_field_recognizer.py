import pytest

from deid.recognizers import HeaderFieldRecognizer

CASES = [
    ("Patient: DOE, JOHN A    MRN: 00123456    DOB: 04/12/1951", ["DOE, JOHN A", "00123456", "04/12/1951"]),
    ("Referring Physician: Mary Johnson, MD", ["Mary Johnson"]),
    ("Pt: Ibanez, Luis W   Sex: F   Age: 93", ["Ibanez, Luis W", "93"]),
    ("Facility: Mercy General Hospital", ["Mercy General Hospital"]),
    ("Phone: 206-555-3964 | Fax: 206-555-3965", ["206-555-3964", "206-555-3965"]),
    # placeholders and clinical values after labels are not PHI; young ages are not either
    ("Contact: none", []),
    ("Age: 45", []),
    ("Exam: CT CHEST WITH CONTRAST", []),
    ("Date: N/A", []),
]


@pytest.mark.parametrize(("sentence", "expected"), CASES)
def test_header_field_recognizer(sentence, expected, found):
    assert found(HeaderFieldRecognizer(), sentence) == expected


def test_site_header_labels(found):
    rec = HeaderFieldRecognizer(extra_fields={"ID": [r"pacs\s{1,2}id"]})
    assert found(rec, "PACS ID: ZX-99812") == ["ZX-99812"]

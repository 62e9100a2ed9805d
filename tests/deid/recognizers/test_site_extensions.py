"""A site extends a recognizer through its config (labels, gazetteer, patterns), never by subclassing it."""

from presidio_analyzer import Pattern

from deid.recognizers import HeaderFieldRecognizer, HospitalRecognizer, MrnRecognizer


def test_site_header_labels(found):
    rec = HeaderFieldRecognizer(extra_fields={"ID": [r"pacs\s{1,2}id"]})
    assert found(rec, "PACS ID: ZX-99812") == ["ZX-99812"]


def test_site_gazetteer(found):
    rec = HospitalRecognizer(gazetteer=["Lakeside Ortho"])
    assert found(rec, "Seen at lakeside ortho last year.") == ["lakeside ortho"]


def test_a_site_pattern_extends_the_defaults_without_subclassing(found):
    rec = MrnRecognizer(extra_patterns=[Pattern("site mrn (strong)", r"\bH\d{6}\b", 0.9)])
    assert found(rec, "Old chart H123456 scanned.") == ["H123456"]

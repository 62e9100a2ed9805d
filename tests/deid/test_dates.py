"""Date shifting: per-patient offset, every written form, intervals kept, exam year kept."""

from datetime import date, datetime

import pytest

from deid import RawReport
from deid.dates import parse_date, shift_datetime
from deid.pseudonyms import date_shift_days

FORMS = [
    ("03/14/2021", 20, "04/03/2021"),
    ("3/14/21", 20, "4/3/21"),
    ("2021-03-14", 20, "2021-04-03"),
    ("2021-03-14T10:22:00", 20, "2021-04-03T10:22:00"),
    ("March 14, 2021", 20, "April 3, 2021"),
    ("Mar. 14th, 2021", 20, "Apr. 3rd, 2021"),
    ("14 March 2021", -300, "18 May 2020"),
    ("14-Mar-2021", 20, "3-Apr-2021"),
    ("07-Oct-09", 3, "10-Oct-09"),
    ("3/14", 20, "4/3"),
    ("March 2021", 20, "April 2021"),
    ("03/2021", 20, "04/2021"),
    ("04/29/2010 7:48 PM", 1, "04/30/2010 7:48 PM"),
    ("DECEMBER 3, 2019", 30, "JANUARY 2, 2020"),
]


@pytest.mark.parametrize(("written", "days", "shifted"), FORMS)
def test_every_form_shifts_and_keeps_its_format(written, days, shifted):
    assert parse_date(written).shift(days) == shifted


def test_unparseable_and_impossible_dates_are_not_guessed():
    assert parse_date("the day after the holiday") is None
    assert not parse_date("02/30/2020").valid


def test_offset_is_per_patient_nonzero_and_bounded(deid_settings):
    secret = deid_settings.secret()
    offsets = {date_shift_days(secret, f"patient-{i}") for i in range(200)}
    assert 0 not in offsets and all(1 <= abs(o) <= 365 for o in offsets)
    assert len(offsets) > 50
    assert date_shift_days(secret, "patient-1") == date_shift_days(secret, "patient-1")


def test_intervals_between_a_patients_exams_survive(engine):
    a, b = engine.deidentify_batch([
        RawReport("d1", "Comparison: CT of 01/10/2020.", mrn="777001", exam_datetime="2020-02-01T08:00:00"),
        RawReport("d2", "Comparison: CT of 03/10/2020.", mrn="777001", exam_datetime=datetime(2020, 4, 1, 9, 30)),
    ])
    d1 = datetime.strptime(a.text_deid.split("CT of ")[1].rstrip("."), "%m/%d/%Y").date()
    d2 = datetime.strptime(b.text_deid.split("CT of ")[1].rstrip("."), "%m/%d/%Y").date()
    assert (d2 - d1).days == (date(2020, 3, 10) - date(2020, 1, 10)).days
    assert d1 != date(2020, 1, 10)
    assert (b.exam_datetime_shifted - a.exam_datetime_shifted) == (datetime(2020, 4, 1, 9, 30)
                                                                   - datetime(2020, 2, 1, 8, 0))
    # the exam year kept for partitioning is the ORIGINAL one (Safe Harbor keeps years)
    assert a.exam_year == 2020 and b.exam_year == 2020
    # the text's date moved by exactly the exam's offset
    assert (a.exam_datetime_shifted.date() - date(2020, 2, 1)) == (d1 - date(2020, 1, 10))


def test_shift_datetime_accepts_iso_strings_and_none():
    shifted, year = shift_datetime("2019-12-30T23:00:00", 5)
    assert shifted == datetime(2020, 1, 4, 23, 0) and year == 2019
    assert shift_datetime(None, 5) == (None, None)
    assert shift_datetime("not a date", 5) == (None, None)

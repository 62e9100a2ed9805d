"""The PHI-bearing parts of a report: header block, critical-result communication, sign-off,
addendum text, and PHI sentences inside the history. Each writes through the `TextBuilder`,
so the PHI values get their gold spans as they are appended.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from random import Random

from sources.synth import phi, vocab
from sources.synth.builder import TextBuilder
from sources.synth.people import AREA_CODES, Patient, Person, Physician

# Eponymous conditions paired with the physician surname that makes them a trap.
# (surname, condition phrase, body parts of the exams where the sentence is plausible)
EPONYM_TRAPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Baker", "posterior knee swelling, suspected Baker's cyst", ("KNEE", "VENOUS")),
    ("Graves", "Graves disease on methimazole", ("NECK", "THYROID")),
    ("Wilms", "history of Wilms tumor status post nephrectomy", ("ABDOMEN",)),
    ("Chiari", "known Chiari I malformation with headaches", ("BRAIN", "CSPINE")),
    ("Foley", "urinary retention, Foley catheter in place", ("ABDOMEN", "PELVIS")),
    ("Paget", "Paget disease of bone, elevated alkaline phosphatase", ("WHOLEBODY", "HIP", "SPINE")),
    ("Barrett", "Barrett esophagus with dysphagia", ("ESOPHAGUS", "CHEST")),
    ("Crohn", "Crohn disease with abdominal pain", ("ABDOMEN",)),
    ("Hodgkin", "Hodgkin lymphoma, restaging", ("WHOLEBODY", "CHEST", "NECK")),
    ("Parkinson", "Parkinson disease with falls", ("HEAD", "BRAIN", "HIP")),
    ("Hope", "adrenal nodule, characterize Hounsfield units", ("ABDOMEN",)),
    ("Rose", "dysphagia, question Schatzki ring", ("ESOPHAGUS",)),
    ("Graves", "thyroid eye disease (Graves disease)", ("HEAD", "BRAIN")),
    ("Hill", "recurrent dislocation, known Hill-Sachs lesion", ("SHOULDER",)),
    ("Morton", "forefoot pain, Morton neuroma versus stress fracture", ("LOWER EXTREMITY",)),
)
_TRAPS_BY_PART: dict[str, tuple[tuple[str, str], ...]] = {}
for _name, _phrase, _parts in EPONYM_TRAPS:
    for _part in _parts:
        _TRAPS_BY_PART[_part] = _TRAPS_BY_PART.get(_part, ()) + ((_name, _phrase),)


def person_name(b: TextBuilder, p: Person, style: int, dr: bool = False) -> None:
    """A name in one of the RIS/dictation styles; the name itself (not "Dr.", not "MD") is the span."""
    if style == 0:
        text = f"{p.first} {p.last}"
    elif style == 1:
        text = f"{p.last}, {p.first}" + (f" {p.middle}" if p.middle else "")
    elif style == 2:
        text = f"{p.last.upper()}, {p.first.upper()}"
    elif style == 3:
        text = f"{p.first} {p.middle + '. ' if p.middle else ''}{p.last}"
    elif style == 4:
        text = p.last
    else:
        text = f"{p.first[0]}. {p.last}"
    if dr:
        b.add("Dr. ")
    b.phi(text, "PERSON")


def date_text(rng: Random, d: date) -> str:
    return phi.fmt_date(d, phi.pick_date_style(rng))


def write_date(b: TextBuilder, rng: Random, d: date, when: datetime | None = None, time_style: int = -1) -> None:
    """A date in a random style; a time right after it belongs to the same DATE span."""
    style = phi.pick_date_style(rng)
    if when is not None and time_style >= 0:
        text = phi.fmt_date(d, "mdy" if style in ("md", "month_year") else style) + " " + phi.fmt_time(when, time_style)
    else:
        text = phi.fmt_date(d, style)
    b.phi(text, "DATE")


def _facility_address(b: TextBuilder, fac: tuple) -> None:
    state, zip2 = vocab.STATES[fac[4]]
    b.phi(f"{fac[5]} {fac[6]}", "LOCATION")
    b.add(", ")
    b.phi(fac[3], "LOCATION")
    b.add(f", {state} ")
    b.phi(f"{zip2}{(fac[5] * 7) % 1000:03d}", "LOCATION")


def header(b: TextBuilder, rng: Random, pt: Patient, exam_dt: datetime, accession: str, fac: tuple,
           referring: Physician, age: int) -> None:
    """One of five header layouts seen in RIS exports and dictation systems."""
    style = rng.randrange(5)
    if style == 0:
        b.phi(fac[0].upper(), "ORGANIZATION")
        b.add(" - DEPARTMENT OF RADIOLOGY\nPatient: ")
        person_name(b, pt, 2 if rng.random() < 0.5 else 1)
        b.add("    MRN: ")
        b.phi(pt.mrn, "ID")
        b.add("    DOB: ")
        b.phi(phi.fmt_date(pt.dob, "mdy"), "DATE")
        if age > 89:
            b.add("  Age: ")
            b.phi(f"{age}", "AGE")
            b.add("Y")
        b.add(f" ({pt.sex})\nAccession: ")
        b.phi(accession, "ID")
        b.add("    Exam Date: ")
        b.phi(f"{phi.fmt_date(exam_dt.date(), 'mdy')} {phi.fmt_time(exam_dt, 0)}", "DATE")
        b.add("\nReferring Physician: ")
        person_name(b, referring, rng.randrange(4), dr=True)
        if rng.random() < 0.4:  # encounter / order numbers: IDs that look like accessions
            b.add("    CSN: " if rng.random() < 0.5 else "    Order #: ")
            b.phi(str(rng.randrange(10**8, 10**10)), "ID")
        b.add("\n")
    elif style == 1:
        b.add("Name: ")
        person_name(b, pt, rng.randrange(4))
        b.add("\nMedical Record #: ")
        b.phi(pt.mrn, "ID")
        b.add("\nDate of Birth: ")
        b.phi(phi.fmt_date(pt.dob, "iso" if rng.random() < 0.5 else "long"), "DATE")
        if age > 89:
            b.add(" (Age: ")
            b.phi(str(age), "AGE")
            b.add(")")
        b.add("\nAcc#: ")
        b.phi(accession, "ID")
        b.add("\nDate of Service: ")
        write_date(b, rng, exam_dt.date(), exam_dt, rng.choice((-1, 1, 0)))
        b.add("\nOrdering: ")
        person_name(b, referring, 2)
        b.add(f", {referring.credential}\nLocation: ")
        b.phi(fac[0], "ORGANIZATION")
        b.add(", ")
        _facility_address(b, fac)
        b.add("\n")
        if rng.random() < 0.25:
            b.add("Patient address: ")
            b.phi(pt.street, "LOCATION")
            b.add(", ")
            b.phi(pt.town, "LOCATION")
            b.add(f", {pt.state} ")
            b.phi(pt.zip, "LOCATION")
            b.add("  Phone: ")
            b.phi(pt.phone, "PHONE")
            b.add("\n")
        if rng.random() < 0.08:
            b.add("SSN: ")
            b.phi(phi.ssn(rng), "ID")
            b.add("\n")
    elif style == 2:
        b.add("PATIENT: ")
        person_name(b, pt, 2)
        b.add(" | MRN ")
        b.phi(pt.mrn, "ID")
        b.add(" | DOB ")
        b.phi(phi.fmt_date(pt.dob, "mdy_short"), "DATE")
        b.add(" | ACC ")
        b.phi(accession, "ID")
        b.add(" | DATE ")
        b.phi(f"{phi.fmt_date(exam_dt.date(), 'iso')} {phi.fmt_time(exam_dt, 0)}", "DATE")
        b.add(" | ")
        b.phi(fac[1], "ORGANIZATION")
        b.add("\n")
    elif style == 3:
        b.phi(fac[0], "ORGANIZATION")
        b.add("\nRadiology Report\n\n")
        person_name(b, pt, 1)
        b.add("  (MRN ")
        b.phi(pt.mrn, "ID")
        b.add(")  DOB ")
        b.phi(phi.fmt_date(pt.dob, "mdy"), "DATE")
        b.add("\nReferring: ")
        person_name(b, referring, 3)
        b.add(f", {referring.credential}    Accession ")
        b.phi(accession, "ID")
        b.add("\n")
    else:
        b.add("RADIOLOGY REPORT - ")
        b.phi(fac[0], "ORGANIZATION")
        b.add(", ")
        _facility_address(b, fac)
        b.add("\nPt: ")
        person_name(b, pt, 1)
        b.add("   Sex: " + pt.sex + "   Age: ")
        if age > 89:
            b.phi(str(age), "AGE")
        else:
            b.add(str(age))
        b.add("   MR#: ")
        b.phi(pt.mrn, "ID")
        b.add("   Visit/Acc: ")
        b.phi(accession, "ID")
        b.add("\nOrdered by ")
        person_name(b, referring, 1)
        b.add(f", {referring.credential} (tel ")
        b.phi(referring.phone, "PHONE")
        b.add(", fax ")
        b.phi(phi.fmt_phone(AREA_CODES[rng.randrange(len(AREA_CODES))], 555, rng.randrange(100, 10000), 0), "PHONE")
        b.add(")\nPerformed: ")
        write_date(b, rng, exam_dt.date(), exam_dt, rng.choice((0, 1, 3)))
        b.add("\n")
    b.add("\n")


def age_phrase(b: TextBuilder, rng: Random, age: int, sex: str) -> None:
    """'63-year-old woman with ...'; the age is PHI (AGE) only above 89."""
    if age < 2:
        b.add(f"{max(1, age * 12 + rng.randrange(1, 12))}-month-old {'girl' if sex == 'F' else 'boy'} with ")
        return
    noun = {"F": ("female", "woman"), "M": ("male", "man")}[sex][rng.randrange(2)]
    if age < 18:
        noun = {"F": "girl", "M": "boy"}[sex]
    style = rng.randrange(3)
    if age > 89:
        b.phi(str(age), "AGE")
    else:
        b.add(str(age))
    if style == 0:
        b.add(f"-year-old {noun} with ")
    elif style == 1:
        b.add(f" y/o {sex} with ")
    else:
        b.add(f" year old {noun}, ")


def history_extra(b: TextBuilder, rng: Random, exam_dt: datetime, pt: Patient, tags: list[str]) -> None:
    """Free-text PHI that real indications carry: procedure dates, 'since last March', outside hospitals."""
    u = rng.random()
    if u < 0.08:
        b.add(rng.choice((" Status post surgery on ", " Prior biopsy on ", " Symptoms began ", " Fall on ")))
        past = exam_dt - timedelta(days=rng.randrange(1, 400), minutes=rng.randrange(600))
        write_date(b, rng, past.date(), past, rng.choice((-1, -1, 2)))
        b.add(".")
    elif u < 0.12:
        past = exam_dt - timedelta(days=rng.randrange(35, 330))
        rel = phi.relative_month(past.date(), exam_dt.date())
        if rel:
            b.add(" Worsening since ")
            b.phi(rel, "DATE")
            b.add(".")
    elif u < 0.20:
        tags.append("outside_hospital")
        b.add(" Transferred from ")
        b.phi(rng.choice(vocab.OUTSIDE_HOSPITALS), "ORGANIZATION")
        if rng.random() < 0.5:
            b.add(" on ")
            write_date(b, rng, (exam_dt - timedelta(days=rng.randrange(1, 6))).date())
        b.add(".")
    elif u < 0.30:  # relative times without a month or day: not PHI
        b.add(rng.choice((f" Symptoms for {rng.randrange(2, 12)} weeks.", f" Postoperative day {rng.randrange(1, 9)}.",
                          f" Pain for {rng.randrange(2, 10)} days.", " Onset 2 hours ago.",
                          f" Follow-up {rng.randrange(3, 13)} months after treatment.")))
    elif u < 0.33:
        b.add(" Lives alone in ")
        b.phi(pt.town, "LOCATION")
        b.add("; daughter can be reached at ")
        b.phi(phi.fmt_phone(617, 555, rng.randrange(100, 10000), rng.randrange(3)), "PHONE")
        b.add(".")


def can_trap(body_part: str) -> bool:
    return body_part in _TRAPS_BY_PART


def eponym_trap(b: TextBuilder, rng: Random, body_part: str, first_names: tuple[str, ...]) -> None:
    """A physician whose surname is also the eponym in the same sentence: 'Dr. Baker ... Baker's cyst'."""
    traps = _TRAPS_BY_PART[body_part]
    surname, condition = traps[rng.randrange(len(traps))]
    form = rng.randrange(3)
    if form == 0:
        b.add("Referred by Dr. ")
        b.phi(surname, "PERSON")
        b.add(f" for {condition}.")
    elif form == 1:
        b.add(condition[0].upper() + condition[1:] + "; patient of Dr. ")
        b.phi(f"{rng.choice(first_names)} {surname}", "PERSON")
        b.add(".")
    else:
        b.add("Per Dr. ")
        b.phi(surname, "PERSON")
        b.add(f", {condition}.")


def findings_phi(rng: Random, exam_dt: datetime, staff_resident: Physician) -> list:
    """A sentence with PHI inside the findings: outside study reviewed, or a preliminary read."""
    if rng.random() < 0.5:
        when = exam_dt - timedelta(days=rng.randrange(30, 1500))
        return ["Outside images from ", (rng.choice(vocab.OUTSIDE_HOSPITALS), "ORGANIZATION"), " dated ",
                (date_text(rng, when.date()), "DATE"), " were reviewed for comparison."]
    when = exam_dt + timedelta(minutes=rng.randrange(20, 240))
    return ["A preliminary interpretation was provided by Dr. ", (f"{staff_resident.first} {staff_resident.last}",
            "PERSON"), " at ", (phi.fmt_time(when, 1), "DATE"), "; the final interpretation does not differ."]


def communication(b: TextBuilder, rng: Random, exam_dt: datetime, referring: Physician,
                  radiologist: Physician) -> None:
    """Critical-result communication: physician, phone or pager, time and date inside prose."""
    comm_dt = exam_dt + timedelta(minutes=rng.randrange(10, 180))
    form = rng.randrange(5)
    if form == 0:
        b.add("These findings were discussed with ")
        person_name(b, referring, rng.choice((0, 3)), dr=True)
        b.add(" at ")
        b.phi(referring.phone, "PHONE")
        b.add(" at ")
        b.phi(phi.fmt_time(comm_dt, 2), "DATE")
        b.add(" on ")
        write_date(b, rng, comm_dt.date())
        b.add(" by ")
        person_name(b, radiologist, 0, dr=True)
        b.add(".")
    elif form == 1:
        b.add("Critical result communicated to ")
        person_name(b, referring, 0)
        b.add(", ordering provider, via pager ")
        b.phi(referring.pager, "PHONE")
        b.add(" at ")
        b.phi(phi.fmt_time(comm_dt, rng.choice((0, 3))), "DATE")
        b.add(", with read-back confirmation.")
    elif form == 2:
        b.add("Dr. ")
        person_name(b, referring, 4)
        b.add(" was paged (")
        b.phi(referring.pager, "PHONE")
        b.add(") and notified by telephone on ")
        write_date(b, rng, comm_dt.date(), comm_dt, 1)
        b.add(".")
    elif form == 3:
        b.add("Preliminary findings were called to the emergency department at ")
        b.phi(phi.fmt_phone(617, 555, 100 + rng.randrange(9000), 1), "PHONE")
        b.add(" at ")
        b.phi(phi.fmt_time(comm_dt, 1), "DATE")
        b.add(" and acknowledged by ")
        person_name(b, referring, 5)
        b.add(", RN.")
    else:
        b.add("Result sent via secure message to ")
        b.phi(referring.email, "EMAIL")
        b.add(" and by phone to ")
        person_name(b, referring, 4, dr=True)
        b.add(" (")
        b.phi(referring.phone, "PHONE")
        b.add(") on ")
        write_date(b, rng, comm_dt.date(), comm_dt, 0)
        b.add(".")


def staff(b: TextBuilder, rng: Random, tech: Person, resident: Physician) -> None:
    """Technologist / resident lines between the impression and the sign-off."""
    if rng.random() < 0.5:
        b.add("Technologist: ")
        person_name(b, tech, rng.choice((0, 5)))
        b.add(", RT(R)\n")
    else:
        b.add("Resident: ")
        person_name(b, resident, 0, dr=True)
        b.add(" (pager ")
        b.phi(resident.pager, "PHONE")
        b.add(")\n")


def signoff(b: TextBuilder, rng: Random, rad: Physician, exam_dt: datetime, fac: tuple, accession: str) -> None:
    signed = exam_dt + timedelta(minutes=rng.randrange(15, 600))
    form = rng.randrange(6)
    if form == 0:
        b.add("Electronically signed by: ")
        person_name(b, rad, 0)
        b.add(f", {rad.credential} on ")
        write_date(b, rng, signed.date(), signed, 1)
    elif form == 1:
        b.add("Dictated by: ")
        person_name(b, rad, 1)
        b.add(f", {rad.credential}\nSigned: ")
        b.phi(f"{phi.fmt_date(signed.date(), 'mdy')} {phi.fmt_time(signed, 0)}", "DATE")
    elif form == 2:
        b.add("I have personally reviewed the images and agree with the findings.\n")
        person_name(b, rad, 3, dr=True)
        b.add(" | Pager ")
        b.phi(rad.pager, "PHONE")
        b.add(" | ")
        b.phi(rad.email, "EMAIL")
    elif form == 3:
        b.add("Read by ")
        person_name(b, rad, 0, dr=True)
        b.add(" at workstation ")
        b.phi(phi.private_ip(rng), "IP")
        b.add(", ")
        b.phi(fac[0], "ORGANIZATION")
        b.add(".")
    elif form == 4:
        b.add("Report approved by ")
        person_name(b, rad, 2)
        b.add(" on ")
        write_date(b, rng, signed.date(), signed, 2)
        b.add(". View images: ")
        b.phi(f"http://{fac[1].lower()}-pacs01.{fac[2]}/studies/{accession}", "URL")
    else:
        b.add("Signed by ")
        person_name(b, rad, 2)
        b.add(f" {rad.credential}  ")
        b.phi(f"{phi.fmt_date(signed.date(), 'compact')}{signed.hour:02d}{signed.minute:02d}", "DATE")


def addendum_body(b: TextBuilder, rng: Random, radiologist: Physician, referring: Physician, exam_dt: datetime,
                  number: int) -> None:
    """The `number`-th ADDENDUM (1, 2, ...), signed a few hours to days after the previous version."""
    when = exam_dt + timedelta(hours=72 * (number - 1) + rng.randrange(2, 72))
    section = "addendum" if number == 1 else f"addendum{number}"
    b.add("\n\n" + rng.choice(("ADDENDUM:\n", "ADDENDUM: ", "*** ADDENDUM ***\n", "Addendum:\n",
                                f"ADDENDUM #{number}:\n" if number > 1 else "ADDENDUM:\n")))
    form = rng.randrange(4)
    b.open_section(section)
    if form == 0:
        b.add("Outside comparison from ")
        b.phi(rng.choice(vocab.OUTSIDE_HOSPITALS), "ORGANIZATION")
        b.add(" dated ")
        write_date(b, rng, (exam_dt - timedelta(days=rng.randrange(100, 2000))).date())
        b.add(" became available. The findings are not significantly changed.")
    elif form == 1:
        b.add("The findings were discussed with ")
        person_name(b, referring, 0, dr=True)
        b.add(" at ")
        b.phi(referring.phone, "PHONE")
        b.add(" on ")
        write_date(b, rng, when.date(), when, 2)
        b.add(".")
    elif form == 2:
        b.add("Additional reformatted images were reviewed. No change to the impression.")
    else:
        b.add("Images were sent to ")
        b.phi(rng.choice(vocab.OUTSIDE_HOSPITALS), "ORGANIZATION")
        b.add(" at the request of the patient's family; contact ")
        b.phi(referring.email, "EMAIL")
        b.add(".")
    b.close_section(section)
    b.add("\nAddendum signed by ")
    person_name(b, radiologist, 0, dr=True)
    b.add(" on ")
    b.phi(f"{phi.fmt_date(when.date(), 'mdy')} {phi.fmt_time(when, 0)}", "DATE")

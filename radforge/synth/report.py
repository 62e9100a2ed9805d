"""One radiology report: header, sections, free-text PHI and sign-off, with gold spans.

`render()` writes through a `TextBuilder`, so every PHI value's offsets are recorded as it is
appended. Hard cases are chosen here at small realistic rates and named in `tags`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from random import Random

from radforge.synth import phi, vocab
from radforge.synth.builder import TextBuilder
from radforge.synth.exams import ExamType
from radforge.synth.people import Patient, Physician, age_on
from radforge.synth.slots import Slots

# Hard-case rates (per original report).
P_EMPTY = 0.006
P_TEMPLATED = 0.06
P_NO_FINDINGS = 0.02
P_NO_IMPRESSION = 0.02
P_SHORT_FINDINGS = 0.02
P_LONG = 0.012
P_RUN_TOGETHER = 0.03
P_COMBINED = 0.03
P_NORMAL = 0.38

H_EXAM = ("EXAM", "EXAMINATION", "PROCEDURE", "STUDY", "Exam", "EXAM TYPE")
H_HISTORY = ("CLINICAL HISTORY", "INDICATION", "HISTORY", "REASON FOR EXAM", "Clinical information", "INDICATIONS",
             "CLINICAL INDICATION")
H_COMPARISON = ("COMPARISON", "PRIOR STUDIES", "Comparison", "COMPARISONS", "PRIORS")
H_TECHNIQUE = ("TECHNIQUE", "Technique", "PROTOCOL", "PROCEDURE DETAILS")
H_FINDINGS = ("FINDINGS", "FINDINGS", "FINDINGS", "Findings", "REPORT")
H_IMPRESSION = ("IMPRESSION", "IMPRESSION", "IMPRESSION", "CONCLUSION", "SUMMARY", "OPINION", "Impression")
SHORT_FINDINGS = ("Normal.", "Unremarkable.", "No acute findings.", "Negative.", "See impression.", "Normal study.")
SIDES = ("right", "left")


@dataclass(slots=True)
class Prior:
    when: datetime
    exam: ExamType
    title: str
    facility: str


@dataclass(slots=True)
class Rendered:
    text: str
    spans: list[tuple[int, int, str]]
    tags: list[str] = field(default_factory=list)
    has_side_impression: bool = False


def person_name(b: TextBuilder, p, style: int, dr: bool = False) -> None:
    """Write a name in one of the RIS/dictation styles; the name itself is the PERSON span."""
    if style == 0:
        text = f"{p.first} {p.last}"
    elif style == 1:
        text = f"{p.last}, {p.first}" + (f" {p.middle}" if p.middle else "")
    elif style == 2:
        text = f"{p.last.upper()}, {p.first.upper()}"
    elif style == 3:
        text = f"{p.first} {p.middle + '. ' if p.middle else ''}{p.last}"
    else:
        text = p.last
    if dr:
        b.add("Dr. ")
    b.phi(text, "PERSON")


def _date(b: TextBuilder, rng: Random, d: date, when: datetime | None = None, time_style: int = -1) -> None:
    text = phi.fmt_date(d, phi.pick_date_style(rng))
    if when is not None and time_style >= 0:
        text += " " + phi.fmt_time(when, time_style)
    b.phi(text, "DATE")


def _heading(b: TextBuilder, rng: Random, names: tuple[str, ...], inline: bool, run: bool) -> None:
    name = rng.choice(names)
    if run:
        b.add(f"{name.upper()}: ")
    elif inline or rng.random() < 0.5:
        b.add(f"{name}: ")
    else:
        b.add(f"{name}:\n" if rng.random() < 0.8 else f"{name}\n")


def _header(b: TextBuilder, rng: Random, pt: Patient, exam_dt: datetime, accession: str, fac: tuple,
            referring: Physician, age: int) -> None:
    style = rng.randrange(4)
    name_style = rng.randrange(4)
    if style == 0:
        b.phi(fac[0].upper(), "ORGANIZATION")
        b.add(" - DEPARTMENT OF RADIOLOGY\n")
        b.add("Patient: ")
        person_name(b, pt, 2 if name_style < 2 else 1)
        b.add("    MRN: ")
        b.phi(pt.mrn, "ID")
        b.add("    DOB: ")
        b.phi(phi.fmt_date(pt.dob, "mdy"), "DATE")
        b.add(f" ({pt.sex})\nAccession: ")
        b.phi(accession, "ID")
        b.add("    Exam Date: ")
        b.phi(f"{phi.fmt_date(exam_dt.date(), 'mdy')} {phi.fmt_time(exam_dt, 0)}", "DATE")
        b.add("\nReferring Physician: ")
        person_name(b, referring, rng.randrange(4), dr=True)
        b.add("\n")
    elif style == 1:
        b.add("Name: ")
        person_name(b, pt, name_style)
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
        _date(b, rng, exam_dt.date(), exam_dt, rng.choice((-1, 1, 0)))
        b.add("\nOrdering: ")
        person_name(b, referring, 2)
        b.add(f", {referring.credential}\nLocation: ")
        b.phi(fac[0], "ORGANIZATION")
        b.add(", ")
        b.phi(f"{fac[5]} {fac[6]}", "LOCATION")
        b.add(", ")
        b.phi(fac[3], "LOCATION")
        b.add(f", {vocab.STATES[fac[4]][0]} ")
        b.phi(f"{vocab.STATES[fac[4]][1]}{(fac[5] * 7) % 1000:03d}", "LOCATION")
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
    else:
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
    b.add("\n")


def _age_phrase(b: TextBuilder, rng: Random, age: int, sex: str) -> None:
    noun = {"F": ("female", "woman"), "M": ("male", "man")}[sex][rng.randrange(2)]
    if age < 2:
        b.add(f"{max(1, age * 12 + rng.randrange(1, 12))}-month-old {'girl' if sex == 'F' else 'boy'} with ")
        return
    text = str(age)
    style = rng.randrange(3)
    if age > 89:
        b.phi(text, "AGE")
    else:
        b.add(text)
    if style == 0:
        b.add(f"-year-old {noun} with ")
    elif style == 1:
        b.add(f" y/o {sex} with ")
    else:
        b.add(f" year old {noun}, ")


def render(rng: Random, pt: Patient, exam: ExamType, title: str, exam_dt: datetime, accession: str, fac: tuple,
           referring: Physician, radiologist: Physician, priors: list[Prior], force_side_error: bool = False,
           corrected: bool = False) -> Rendered:
    """Render one report. With `corrected`, the same draws give the corrected version of the report."""
    tags: list[str] = []
    if rng.random() < P_EMPTY and not corrected and not force_side_error:
        return Rendered("", [], ["empty_text"])
    b = TextBuilder()
    age = age_on(pt.dob, exam_dt.date())
    if age > 89:
        tags.append("age_over_89")
    side = SIDES[rng.randrange(2)]
    slots = Slots(rng, side)
    templated = rng.random() < P_TEMPLATED
    u = rng.random()
    no_findings = u < P_NO_FINDINGS
    no_impression = P_NO_FINDINGS <= u < P_NO_FINDINGS + P_NO_IMPRESSION
    short = not templated and P_NO_FINDINGS + P_NO_IMPRESSION <= u < P_NO_FINDINGS + P_NO_IMPRESSION + \
        P_SHORT_FINDINGS
    long = not (templated or short) and rng.random() < P_LONG
    run = not long and rng.random() < P_RUN_TOGETHER
    combined = not (no_findings or no_impression or run) and rng.random() < P_COMBINED
    sep = " " if run else "\n\n"

    if corrected:
        b.add("*** CORRECTED REPORT ***\n")
    if not run:
        _header(b, rng, pt, exam_dt, accession, fac, referring, age)
    _heading(b, rng, H_EXAM, True, run)
    b.add(title.format_map(slots))
    b.add(sep)

    # History / indication, with the age (AGE span only over 89) and sometimes an outside hospital.
    _heading(b, rng, H_HISTORY, True, run)
    if rng.random() < 0.6:
        _age_phrase(b, rng, age, pt.sex)
        ind = rng.choice(exam.indications).format_map(slots)
        b.add(ind[0].lower() + ind[1:])
    else:
        b.add(rng.choice(exam.indications).format_map(slots))
    if rng.random() < 0.1:
        tags.append("outside_hospital")
        b.add(" Transferred from ")
        b.phi(rng.choice(vocab.OUTSIDE_HOSPITALS), "ORGANIZATION")
        b.add(rng.choice((". ", " on ")))
        if b.parts[-1] == " on ":
            _date(b, rng, (exam_dt - timedelta(days=rng.randrange(1, 6))).date())
            b.add(".")
    b.add(sep)

    # Comparison: the patient's own earlier exams, in any date format.
    _heading(b, rng, H_COMPARISON, True, run)
    same = [p for p in priors if p.exam is exam]
    if not priors or rng.random() < 0.1:
        b.add(rng.choice(("None.", "None available.", "No prior studies.", "None.")))
        if rng.random() < 0.15:
            b.add(" Outside ")
            b.add(exam.modality)
            b.add(" from ")
            b.phi(rng.choice(vocab.OUTSIDE_HOSPITALS), "ORGANIZATION")
            b.add(" dated ")
            _date(b, rng, (exam_dt - timedelta(days=rng.randrange(20, 900))).date())
            b.add(" was not available for review.")
            tags.append("outside_hospital")
    else:
        chosen = (same or priors)[-2:] if rng.random() < 0.4 else (same or priors)[-1:]
        for k, p in enumerate(chosen):
            if k:
                b.add(" and ")
            rel = phi.relative_month(p.when.date(), exam_dt.date()) if rng.random() < 0.12 else None
            if rel:
                b.add(f"{p.exam.modality} {p.exam.body_part.lower()} from ")
                b.phi(rel, "DATE")
            else:
                b.add(p.title.format_map(slots) + " " if rng.random() < 0.6 else f"{p.exam.modality} ")
                b.add(rng.choice(("", "dated ", "of ", "from ")))
                _date(b, rng, p.when.date())
        b.add(".")
    b.add(sep)

    if not run and rng.random() < 0.8:
        _heading(b, rng, H_TECHNIQUE, True, False)
        b.add(rng.choice(exam.techniques).format_map(slots))
        b.add(sep)

    # Findings and impression.
    abnormal = [] if templated or short or rng.random() < P_NORMAL else \
        rng.sample(exam.abnormal, min(len(exam.abnormal), rng.choice((1, 1, 1, 2, 2, 3))))
    by_organ: dict[str, list[str]] = {}
    for a in abnormal:
        by_organ.setdefault(a.organ, []).append(a.finding.format_map(slots))
    organ_names = [o for o, _ in exam.organs]
    lines: list[tuple[str, str]] = []
    for organ, normals in exam.organs:
        if organ in by_organ:
            lines.append((organ, " ".join(by_organ.pop(organ))))
        elif templated:
            lines.append((organ, normals[0].format_map(slots)))
        elif rng.random() < 0.9:
            lines.append((organ, rng.choice(normals).format_map(slots)))
    for organ, items in by_organ.items():  # findings whose organ has no normal line (e.g. "Lines")
        lines.insert(0, (organ, " ".join(items)))
    if long:
        tags.append("long")
        for _ in range(6):
            extra = rng.choice(exam.abnormal)
            finding = extra.finding.format_map(slots)
            lines.append((extra.organ, "Incidentally, " + finding[0].lower() + finding[1:]
                          + " This was also present on the prior examination and is not significantly changed."))
        lines.extend(lines[: len(organ_names)])

    if abnormal:
        items = [a.impression.format_map(slots) for a in abnormal]
        side_in_impression = any(side in i.lower() for i in items)
        # The original carried a left/right dictation error that version 2 corrects.
        if force_side_error and side_in_impression:
            other = "left" if side == "right" else "right"
            items = [i.replace(side, other).replace(side.capitalize(), other.capitalize()) for i in items]
    else:
        items = [exam.normal_impressions[0] if templated else rng.choice(exam.normal_impressions)]
        items = [items[0].format_map(slots)]
        side_in_impression = False

    if templated:
        tags.append("templated_normal")
    if short:
        tags.append("short_findings")

    if combined:
        tags.append("combined_sections")
        b.add("FINDINGS AND IMPRESSION:\n" if rng.random() < 0.7 else "Findings/Impression: ")
        b.add(" ".join(t for _, t in lines))
        b.add(" ")
        b.add(" ".join(items))
        b.add(sep)
    else:
        if no_findings:
            tags.append("no_findings")
        else:
            _heading(b, rng, H_FINDINGS, False, run)
            if short:
                b.add(rng.choice(SHORT_FINDINGS))
            elif not run and rng.random() < 0.35:
                b.add("\n".join(f"{o}: {t}" for o, t in lines))
            else:
                b.add(" ".join(t for _, t in lines))
            b.add(sep)
        if no_impression:
            tags.append("no_impression")
        else:
            if corrected:
                b.add("CORRECTED IMPRESSION:\n")
            else:
                _heading(b, rng, H_IMPRESSION, False, run)
            if len(items) > 1 and not run and rng.random() < 0.8:
                tags.append("numbered_impression")
                b.add("\n".join(f"{k}. {t}" for k, t in enumerate(items, 1)))
            else:
                b.add(" ".join(items))
            b.add(sep)
    if run:
        tags.append("run_together")

    # Communication of critical results: physician, phone or pager, time and date inside prose.
    if any(a.critical for a in abnormal) or rng.random() < 0.05:
        tags.append("critical_result")
        comm_dt = exam_dt + timedelta(minutes=rng.randrange(10, 180))
        form = rng.randrange(4)
        if form == 0:
            b.add("These findings were discussed with ")
            person_name(b, referring, rng.choice((0, 3)), dr=True)
            b.add(" at ")
            b.phi(referring.phone, "PHONE")
            b.add(" at ")
            b.phi(phi.fmt_time(comm_dt, 2), "DATE")
            b.add(" on ")
            _date(b, rng, comm_dt.date())
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
            _date(b, rng, comm_dt.date(), comm_dt, 1)
            b.add(".")
        else:
            b.add("Preliminary findings were called to the emergency department at ")
            b.phi(phi.fmt_phone(617, 555, 100 + rng.randrange(9000), 1), "PHONE")
            b.add(" at ")
            b.phi(phi.fmt_time(comm_dt, 1), "DATE")
            b.add(".")
        b.add(sep)

    if long:
        b.add("Please contact the reading room at ")
        b.phi(radiologist.phone, "PHONE")
        b.add(" or ")
        b.phi(radiologist.email, "EMAIL")
        b.add(" with questions. Images are available at ")
        b.phi(f"https://pacs.{fac[2]}/viewer?accession={accession}", "URL")
        b.add(" and were reviewed on workstation ")
        b.phi(phi.private_ip(rng), "IP")
        b.add(" (study UID ")
        b.phi(phi.study_uid(rng), "ID")
        b.add(").")
        b.add(sep)

    if not run:
        _signoff(b, rng, radiologist, exam_dt, fac, accession)
    text = b.text()
    if run:
        text = text.rstrip()
    elif text.endswith("\n"):
        text = text.rstrip("\n")
    if not (pt.first + pt.last).isascii():
        tags.append("non_ascii_name")
    if not abnormal:
        tags.append("normal")
    return Rendered(text, b.spans, tags, side_in_impression)


def _signoff(b: TextBuilder, rng: Random, rad: Physician, exam_dt: datetime, fac: tuple, accession: str) -> None:
    signed = exam_dt + timedelta(minutes=rng.randrange(15, 600))
    form = rng.randrange(5)
    if form == 0:
        b.add("Electronically signed by: ")
        person_name(b, rad, 0)
        b.add(f", {rad.credential} on ")
        _date(b, rng, signed.date(), signed, 1)
    elif form == 1:
        b.add("Dictated by: ")
        person_name(b, rad, 1, dr=False)
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
    else:
        b.add("Report approved by ")
        person_name(b, rad, 2)
        b.add(" on ")
        _date(b, rng, signed.date(), signed, 2)
        b.add(". View images: ")
        b.phi(f"http://{fac[1].lower()}-pacs01.{fac[2]}/studies/{accession}", "URL")


def addendum(rng: Random, base: Rendered, radiologist: Physician, referring: Physician, exam_dt: datetime,
             fac: tuple) -> Rendered:
    """Version 2: the original text unchanged, then an ADDENDUM with its own PHI."""
    b = TextBuilder()
    b.add(base.text)
    b.spans = list(base.spans)
    b.add("\n\n" + rng.choice(("ADDENDUM:\n", "ADDENDUM: ", "*** ADDENDUM ***\n", "Addendum:\n")))
    when = exam_dt + timedelta(hours=rng.randrange(2, 72))
    form = rng.randrange(3)
    if form == 0:
        b.add("Outside comparison from ")
        b.phi(rng.choice(vocab.OUTSIDE_HOSPITALS), "ORGANIZATION")
        b.add(" dated ")
        _date(b, rng, (exam_dt - timedelta(days=rng.randrange(100, 2000))).date())
        b.add(" became available. The findings are not significantly changed.")
    elif form == 1:
        b.add("The findings were discussed with ")
        person_name(b, referring, 0, dr=True)
        b.add(" at ")
        b.phi(referring.phone, "PHONE")
        b.add(" on ")
        _date(b, rng, when.date(), when, 2)
        b.add(".")
    else:
        b.add("Additional reformatted images were reviewed. No change to the impression.")
    b.add("\nAddendum signed by ")
    person_name(b, radiologist, 0, dr=True)
    b.add(" on ")
    b.phi(f"{phi.fmt_date(when.date(), 'mdy')} {phi.fmt_time(when, 0)}", "DATE")
    return Rendered(b.text(), b.spans, [t for t in base.tags if t != "superseded"] + ["addendum"])

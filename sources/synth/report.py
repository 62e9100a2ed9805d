"""One radiology report: header, sections in many spellings, findings and the impression they imply.

`render()` writes through a `TextBuilder` (PHI offsets recorded as appended). Hard cases are drawn
here at small realistic rates and named in `tags`. A corrected version 2 is rendered from the same
RNG state as its original, so both share every draw and differ only in the corrected impression.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random

from sources.synth import phi, phrases, vocab
from sources.synth.builder import TextBuilder
from sources.synth.exams import ABNORMAL_BY_AGE, INDICATIONS_BY_SEX, TECHNIQUES_BY_TITLE, ExamType
from sources.synth.people import Patient, Person, Physician, age_on
from sources.synth.slots import Slots

# Hard-case rates (per original report).
P_EMPTY = 0.006
P_TEMPLATED = 0.06
P_NO_FINDINGS = 0.02
P_NO_IMPRESSION = 0.02
P_SHORT_FINDINGS = 0.02
P_LONG = 0.025  # of the exams that can be long (oncology follow-up of chest, abdomen, brain...)
P_RUN_TOGETHER = 0.03
P_COMBINED = 0.03
P_NORMAL = 0.38
P_FINDINGS_PHI = 0.05  # an outside study or a preliminary read named inside the findings
P_ALL_CAPS = 0.015  # older RIS exports are upper case throughout
P_EPONYM_TRAP = 0.08  # of the exams where an eponymous condition fits

H_EXAM = ("EXAM", "EXAMINATION", "PROCEDURE", "STUDY", "Exam", "EXAM TYPE")
H_HISTORY = ("CLINICAL HISTORY", "INDICATION", "HISTORY", "REASON FOR EXAM", "Clinical information", "INDICATIONS",
             "CLINICAL INDICATION")
H_COMPARISON = ("COMPARISON", "PRIOR STUDIES", "Comparison", "COMPARISONS", "PRIORS")
H_TECHNIQUE = ("TECHNIQUE", "Technique", "PROTOCOL", "PROCEDURE DETAILS")
H_FINDINGS = ("FINDINGS", "FINDINGS", "FINDINGS", "Findings", "REPORT")
H_IMPRESSION = ("IMPRESSION", "IMPRESSION", "IMPRESSION", "CONCLUSION", "SUMMARY", "OPINION", "Impression")
SHORT_FINDINGS = ("Normal.", "Unremarkable.", "No acute findings.", "Negative.", "See impression.", "Normal study.")
SIDES = ("right", "left")
RECOMMENDATIONS = ("Clinical correlation is recommended.", "Recommend follow-up imaging as clinically indicated.",
                   "Correlate with laboratory values.", "Comparison with outside studies would be helpful.",
                   "Consider referral to the appropriate specialist.")
PROCEDURAL = frozenset(("US", "NM", "RF", "MG"))
_TRAP_SURNAMES = frozenset(vocab.TRAP_SURNAMES)


def _eponyms_by_name() -> dict[str, tuple[str, ...]]:
    """'Baker' -> ("Baker's cyst",): the clinical terms a physician's surname collides with."""
    out: dict[str, tuple[str, ...]] = {}
    for term in vocab.EPONYM_TERMS:
        name = term.split("'")[0].split("-")[0].split(" ")[0]
        out[name] = out.get(name, ()) + (term,)
    return out


_EPONYMS_BY_NAME = _eponyms_by_name()


@dataclass(slots=True)
class Prior:
    when: datetime
    exam: ExamType
    title: str
    facility: str


@dataclass(slots=True)
class Staff:
    referring: Physician
    radiologist: Physician
    tech: Person
    resident: Physician


@dataclass(slots=True)
class Rendered:
    text: str
    spans: list[tuple[int, int, str]]
    tags: list[str] = field(default_factory=list)
    correctable: bool = False  # abnormal: a corrected version can differ in its impression
    sections: dict[str, tuple[int, int]] = field(default_factory=dict)  # body ranges: findings, impression...


def _heading(b: TextBuilder, rng: Random, names: tuple[str, ...], inline: bool, run: bool) -> None:
    name = rng.choice(names)
    if run:
        b.add(f"{name.upper()}: ")
    elif inline or rng.random() < 0.5:
        b.add(f"{name}: ")
    else:
        b.add(f"{name}:\n" if rng.random() < 0.8 else f"{name}\n")


def _comparison(b: TextBuilder, rng: Random, exam: ExamType, exam_dt: datetime, priors: list[Prior],
                slots: Slots, tags: list[str]) -> None:
    relevant = [p for p in priors if p.exam.body_part == exam.body_part]
    if not relevant or rng.random() < 0.08:
        b.add(rng.choice(("None.", "None available.", "No prior studies.", "None.", "No relevant priors.")))
        if rng.random() < 0.15:
            b.add(f" Outside {exam.modality} from ")
            b.phi(rng.choice(vocab.OUTSIDE_HOSPITALS), "ORGANIZATION")
            b.add(" dated ")
            phrases.write_date(b, rng, (exam_dt - timedelta(days=rng.randrange(20, 900))).date())
            b.add(" was not available for review.")
            tags.append("outside_hospital")
        return
    chosen = relevant[-2:] if rng.random() < 0.35 else relevant[-1:]
    for k, p in enumerate(reversed(chosen)):
        if k:
            b.add(rng.choice((" and ", "; ", ", and ")))
        rel = phi.relative_month(p.when.date(), exam_dt.date()) if rng.random() < 0.15 else None
        if rel:
            b.add(f"{p.exam.modality} {p.exam.body_part.lower()} from ")
            b.phi(rel, "DATE")
            continue
        u = rng.random()
        if u < 0.5:
            b.add(p.title.format_map(slots) + rng.choice((" ", " dated ", " of ", " from ", ", ")))
        elif u < 0.8:
            b.add(f"{p.exam.modality} " + rng.choice(("", "dated ", "of ", "from ")))
        else:
            b.add("Prior study from ")
        phrases.write_date(b, rng, p.when.date(), p.when, 1 if rng.random() < 0.1 else -1)
        if p.facility != "" and rng.random() < 0.1:
            b.add(" performed at ")
            b.phi(p.facility, "ORGANIZATION")
    b.add(".")


Piece = str | tuple[str, str]  # plain text, or (PHI text, gold type)


LESION_ORGANS = {("CT", "CHEST"): ("lung", "mediastinal node", "pleural", "osseous"),
                 ("CT", "ABDOMEN"): ("hepatic", "renal", "retroperitoneal node", "adrenal", "peritoneal", "osseous"),
                 ("CT", "NECK"): ("cervical node", "thyroid", "parotid"),
                 ("MR", "BRAIN"): ("parenchymal", "dural", "leptomeningeal"),
                 ("MR", "ABDOMEN"): ("hepatic", "pancreatic", "renal"),
                 ("NM", "WHOLEBODY"): ("osseous", "nodal", "hepatic", "pulmonary")}
LONG_EXAMS = frozenset(LESION_ORGANS)


def _long_findings(rng: Random, exam: ExamType, dates: list[datetime]) -> tuple[list[tuple[str, object]], str]:
    """Oncology follow-up: a measured lesion table (15-40 lines, some citing a prior's date: PHI inside
    findings) and a second pass over every organ (4-15k characters), and the impression line they imply."""
    lines: list[tuple[str, object]] = []
    trends = Counter()
    kinds = LESION_ORGANS[(exam.modality, exam.body_part)]
    for k in range(1, rng.randrange(16, 41)):
        kind = rng.choice(kinds)
        now = rng.uniform(0.5, 6.0)
        before = now * rng.uniform(0.7, 1.3)
        trend = "decreased, consistent with partial treatment response" if before > 1.1 * now else \
            "increased, concerning for progression" if now > 1.1 * before else \
            rng.choice(("unchanged in size and attenuation", "not significantly changed"))
        pieces: list[Piece] = [
            f"Lesion {k} ({kind}): {now:.1f} x {now * rng.uniform(0.5, 1):.1f} cm (series {rng.randrange(2, 9)}, "
            f"image {rng.randrange(10, 300)}), previously {before:.1f} cm"]
        if rng.random() < 0.3:
            pieces += [" on ", (phrases.date_text(rng, dates[rng.randrange(len(dates))].date()), "DATE")]
        pieces.append(f"; {trend}.")
        trends[trend.split(",")[0]] += 1
        lines.append(("Lesions", pieces))
    for organ, normals in exam.organs:
        lines.append((organ, rng.choice(normals) + rng.choice((" Unchanged.", " Stable from prior.", ""))))
    lines.append(("Other", "No new lesions are identified. The remaining organs are unchanged in appearance "
                  "compared with the prior examination, without new effusion, adenopathy or osseous lesion."))
    n, up, down = k, trends["increased"], trends["decreased"]
    if up > down:
        summary = f"Interval progression: {up} of {n} measured lesions have increased in size."
    elif down > up:
        summary = f"Partial response to therapy: {down} of {n} measured lesions have decreased in size."
    else:
        summary = "Overall stable disease by RECIST 1.1 compared with the prior examination."
    return lines, summary


@dataclass(slots=True)
class _Plan:
    """The hard-case decisions for one report, drawn before any text is written."""

    age: int
    side: str
    templated: bool
    no_findings: bool
    no_impression: bool
    short: bool
    long: bool
    run: bool
    combined: bool

    @property
    def sep(self) -> str:
        return " " if self.run else "\n\n"


def _plan(rng: Random, exam: ExamType, age: int) -> _Plan:
    side = SIDES[rng.randrange(2)]
    templated = rng.random() < P_TEMPLATED
    u = rng.random()
    no_findings = u < P_NO_FINDINGS
    no_impression = P_NO_FINDINGS <= u < P_NO_FINDINGS + P_NO_IMPRESSION
    short = not templated and P_NO_FINDINGS + P_NO_IMPRESSION <= u < P_NO_FINDINGS + P_NO_IMPRESSION + \
        P_SHORT_FINDINGS
    long = rng.random() < P_LONG and not (templated or short) and (exam.modality, exam.body_part) in LONG_EXAMS
    run = not long and rng.random() < P_RUN_TOGETHER
    combined = not (no_findings or no_impression or run) and rng.random() < P_COMBINED
    return _Plan(age, side, templated, no_findings, no_impression, short, long, run, combined)


def render(rng: Random, pt: Patient, exam: ExamType, title: str, exam_dt: datetime, accession: str, fac: tuple,
           staff: Staff, priors: list[Prior], force_error: bool = False, corrected: bool = False) -> Rendered:
    """Render one report. With `corrected`, the same RNG state gives the corrected version of the report:
    every draw happens in the same order in both, only the impression's text differs."""
    tags: list[str] = []
    if rng.random() < P_EMPTY and not corrected and not force_error:
        return Rendered("", [], ["empty_text"])
    b = TextBuilder()
    age = age_on(pt.dob, exam_dt.date())
    if age > 89:
        tags.append("age_over_89")
    plan = _plan(rng, exam, age)
    slots = Slots(rng, plan.side)

    if corrected:
        b.add("*** CORRECTED REPORT ***\n")
    if not plan.run or rng.random() < 0.5:
        phrases.header(b, rng, pt, exam_dt, accession, fac, staff.referring, age)
    _heading(b, rng, H_EXAM, True, plan.run)
    b.add(title.format_map(slots))
    b.add(plan.sep)
    _history(b, rng, plan, exam, pt, exam_dt, slots, tags)
    long_dates = _comparison_section(b, rng, plan, exam, exam_dt, priors, slots, tags)
    if not plan.run and rng.random() < 0.8:
        _heading(b, rng, H_TECHNIQUE, True, False)
        b.add(rng.choice(TECHNIQUES_BY_TITLE[(id(exam), title)]).format_map(slots))
        b.add(plan.sep)

    pool = ABNORMAL_BY_AGE[(id(exam), age < 18)]
    abnormal = [] if plan.templated or plan.short or (not plan.long and rng.random() < P_NORMAL) else \
        rng.sample(pool, min(len(pool), rng.choice((1, 1, 1, 2, 2, 3))))
    lines, long_summary = _findings_lines(rng, plan, exam, abnormal, priors, exam_dt, staff, slots, tags, long_dates)
    items = _impression_items(rng, plan, exam, abnormal, slots, force_error, long_summary)
    _findings_and_impression(b, rng, plan, lines, items, corrected, tags)
    _closing(b, rng, plan, exam, abnormal, pt, staff, exam_dt, fac, accession, tags)

    text, spans, sections = b.finish()
    text = text.rstrip()  # spans never end in whitespace, so trimming keeps them inside the text
    if rng.random() < P_ALL_CAPS:
        upper = text.upper()
        if len(upper) == len(text):  # "Groß" -> "GROSS" would move every later offset
            text = upper
            tags.append("all_caps")
    if not (pt.first + pt.last).isascii():
        tags.append("non_ascii_name")
    if not abnormal:
        tags.append("normal")
    if "eponym_name" not in tags:
        for doc in (staff.referring, staff.radiologist):
            if doc.last in _TRAP_SURNAMES and any(term in text for term in _EPONYMS_BY_NAME.get(doc.last, ())):
                tags.append("eponym_name")  # e.g. signed by Dr. Graves, findings mention Graves disease
                break
    return Rendered(text, spans, tags, bool(abnormal) and "impression" in sections, sections)


def _history(b: TextBuilder, rng: Random, plan: _Plan, exam: ExamType, pt: Patient, exam_dt: datetime,
             slots: Slots, tags: list[str]) -> None:
    _heading(b, rng, H_HISTORY, True, plan.run)
    if rng.random() < P_EPONYM_TRAP and phrases.can_trap(exam.body_part):
        tags.append("eponym_name")
        phrases.eponym_trap(b, rng, exam.body_part, vocab.ORIGINS["anglo"][0])
        b.add(" ")
    indications = INDICATIONS_BY_SEX[(id(exam), pt.sex)]
    if rng.random() < 0.6:
        phrases.age_phrase(b, rng, plan.age, pt.sex)
        ind = rng.choice(indications).format_map(slots)
        b.add(ind[0].lower() + ind[1:])
    else:
        b.add(rng.choice(indications).format_map(slots))
    phrases.history_extra(b, rng, exam_dt, pt, tags)
    if plan.long:
        b.add(" Extensive prior imaging; see comparison. Oncology follow-up per protocol with measurements of all "
              "previously documented lesions, as requested by the tumor board.")
    b.add(plan.sep)


def _comparison_section(b: TextBuilder, rng: Random, plan: _Plan, exam: ExamType, exam_dt: datetime,
                        priors: list[Prior], slots: Slots, tags: list[str]) -> list[datetime]:
    """The COMPARISON section; returns the prior dates a long report's lesion table may cite."""
    _heading(b, rng, H_COMPARISON, True, plan.run)
    long_dates: list[datetime] = []
    outside_listed = False
    if plan.long:  # an oncology follow-up always has priors: the patient's own, or outside studies
        long_dates = [p.when for p in priors if p.exam.body_part == exam.body_part][-6:]
        outside_listed = not long_dates
        if outside_listed:
            long_dates = sorted(exam_dt - timedelta(days=rng.randrange(30, 900)) for _ in range(3))
            b.add(f"Outside {exam.modality} examinations from ")
            b.phi(rng.choice(vocab.OUTSIDE_HOSPITALS), "ORGANIZATION")
            b.add(" dated ")
            for k, when in enumerate(long_dates):
                b.add(", " if 0 < k < len(long_dates) - 1 else " and " if k else "")
                phrases.write_date(b, rng, when.date())
            b.add(".")
    if not outside_listed:
        _comparison(b, rng, exam, exam_dt, priors, slots, tags)
    b.add(plan.sep)
    return long_dates


def _findings_lines(rng: Random, plan: _Plan, exam: ExamType, abnormal: list, priors: list[Prior],
                    exam_dt: datetime, staff: Staff, slots: Slots, tags: list[str],
                    long_dates: list[datetime]) -> tuple[list[tuple[str, object]], str]:
    """One statement per organ (abnormal ones replace the organ's normal statement), plus PHI-bearing
    lines and a long report's lesion table; and the long report's impression line."""
    by_organ: dict[str, list[str]] = {}
    for a in abnormal:
        by_organ.setdefault(a.organ, []).append(a.finding.format_map(slots))
    lines: list[tuple[str, object]] = []
    for organ, normals in exam.organs:
        if organ in by_organ:
            lines.append((organ, " ".join(by_organ.pop(organ))))
        elif plan.templated:
            lines.append((organ, normals[0].format_map(slots)))
        elif rng.random() < 0.9:
            lines.append((organ, rng.choice(normals).format_map(slots)))
    for organ, items in by_organ.items():  # findings whose organ has no normal line (e.g. "Lines")
        lines.insert(0, (organ, " ".join(items)))
    same = [p for p in priors if p.exam is exam]
    if abnormal and same and not plan.run and rng.random() < 0.3:
        # "Compared with the study of 03/14/2019": a prior date inside the findings
        tags.append("prior_date_in_findings")
        lines.append(("Comparison", f"__PRIOR__{same[-1].when.isoformat()}"))
    if not plan.run and rng.random() < P_FINDINGS_PHI:
        tags.append("phi_in_findings")
        lines.append(("Note", phrases.findings_phi(rng, exam_dt, staff.resident)))
    long_summary = ""
    if plan.long:
        tags.append("long")
        more, long_summary = _long_findings(rng, exam, long_dates)
        lines.extend(more)
    return lines, long_summary


def _impression_items(rng: Random, plan: _Plan, exam: ExamType, abnormal: list, slots: Slots, force_error: bool,
                      long_summary: str) -> list[str]:
    """The impression: the abnormal findings' impression lines in order, or a normal impression."""
    side = plan.side
    if abnormal:
        items = [a.impression.format_map(slots) for a in abnormal]
        # The original carries the error that version 2 corrects: a left/right swap in the impression, or
        # a missed finding (the impression called the study normal).
        if force_error and any(side in i.lower() for i in items):
            other = "left" if side == "right" else "right"
            items = [i.replace(side, other).replace(side.capitalize(), other.capitalize()) for i in items]
        elif force_error:
            items = [exam.normal_impressions[0].format_map(slots)]
    else:
        normal = exam.normal_impressions[0] if plan.templated else rng.choice(exam.normal_impressions)
        items = [normal.format_map(slots)]
    if plan.long:
        items.append(long_summary)
    elif abnormal and rng.random() < 0.12:
        items.append(rng.choice(RECOMMENDATIONS))
    return items


def _findings_and_impression(b: TextBuilder, rng: Random, plan: _Plan, lines: list[tuple[str, object]],
                             items: list[str], corrected: bool, tags: list[str]) -> None:
    """FINDINGS and IMPRESSION (or one combined section), with their body ranges marked."""
    if plan.templated:
        tags.append("templated_normal")
    if plan.short:
        tags.append("short_findings")
    if plan.combined:
        tags.append("combined_sections")
        b.add("FINDINGS AND IMPRESSION:\n" if rng.random() < 0.7 else "Findings/Impression: ")
        b.open_section("findings")
        _findings_prose(b, rng, lines, False)
        b.close_section("findings")
        b.add(" ")
        b.open_section("impression")
        b.add(" ".join(items))
        b.close_section("impression")
        b.add(plan.sep)
    else:
        if plan.no_findings:
            tags.append("no_findings")
        else:
            _heading(b, rng, H_FINDINGS, False, plan.run)
            b.open_section("findings")
            if plan.short:
                b.add(rng.choice(SHORT_FINDINGS))
            else:
                _findings_prose(b, rng, lines, not plan.run and rng.random() < 0.35)
            b.close_section("findings")
            b.add(plan.sep)
        if plan.no_impression:
            tags.append("no_impression")
        else:
            # the corrected version draws the heading too (same RNG sequence) but writes its own
            _heading(TextBuilder() if corrected else b, rng, H_IMPRESSION, False, plan.run)
            if corrected:
                b.add("CORRECTED IMPRESSION:\n")
            b.open_section("impression")
            if len(items) > 1 and not plan.run and rng.random() < 0.8:
                tags.append("numbered_impression")
                b.add("\n".join(f"{k}. {t}" for k, t in enumerate(items, 1)))
            else:
                b.add(" ".join(items))
            b.close_section("impression")
            b.add(plan.sep)
    if plan.run:
        tags.append("run_together")


def _closing(b: TextBuilder, rng: Random, plan: _Plan, exam: ExamType, abnormal: list, pt: Patient, staff: Staff,
             exam_dt: datetime, fac: tuple, accession: str, tags: list[str]) -> None:
    """Critical-result communication, procedural notes, contact details and the sign-off."""
    if any(a.critical for a in abnormal) or rng.random() < 0.05:
        tags.append("critical_result")
        phrases.communication(b, rng, exam_dt, staff.referring, staff.radiologist)
        b.add(plan.sep)
    if exam.modality in PROCEDURAL and not plan.run and rng.random() < 0.1:
        tags.append("patient_name_in_text")
        if rng.random() < 0.5:
            b.add("The patient, ")
            phrases.person_name(b, pt, rng.choice((0, 3)))
            b.add(", was identified using two identifiers (name and date of birth).")
        else:
            b.add("Ms. " if pt.sex == "F" else "Mr. ")
            b.phi(pt.last, "PERSON")
            b.add(" tolerated the examination well.")
        b.add(plan.sep)
    if plan.long:
        b.add("Please contact the reading room at ")
        b.phi(staff.radiologist.phone, "PHONE")
        b.add(" or ")
        b.phi(staff.radiologist.email, "EMAIL")
        b.add(" with questions. Images are available at ")
        b.phi(f"https://pacs.{fac[2]}/viewer?accession={accession}", "URL")
        b.add(" and were reviewed on workstation ")
        b.phi(phi.private_ip(rng), "IP")
        b.add(" (study UID ")
        b.phi(phi.study_uid(rng), "ID")
        b.add(").")
        b.add(plan.sep)
    if not plan.run:
        if rng.random() < 0.15:
            phrases.staff(b, rng, staff.tech, staff.resident)
        phrases.signoff(b, rng, staff.radiologist, exam_dt, fac, accession)


def _findings_prose(b: TextBuilder, rng: Random, lines: list[tuple[str, object]], labelled: bool) -> None:
    """Findings as one paragraph or as 'Organ: statement' lines. A statement is a string, a list of
    pieces (PHI pieces as (text, type)), or '__PRIOR__<iso>' for a sentence citing a prior's date."""
    first = True
    for organ, text in lines:
        if not first:
            b.add("\n" if labelled else " ")
        first = False
        if labelled and not (text.__class__ is str and text.startswith("__PRIOR__")):
            b.add(f"{organ}: ")
        if text.__class__ is list:
            for piece in text:
                if piece.__class__ is str:
                    b.add(piece)
                else:
                    b.phi(*piece)
        elif text.startswith("__PRIOR__"):
            when = datetime.fromisoformat(text[9:])
            b.add("Compared with the study of " if rng.random() < 0.5 else "Measurements compared with the study of ")
            phrases.write_date(b, rng, when.date())
            b.add(".")
        else:
            b.add(text)


def addendum(rng: Random, base: Rendered, staff: Staff, exam_dt: datetime, version: int) -> Rendered:
    """Version 2+: the previous text unchanged, then an ADDENDUM with its own PHI."""
    b = TextBuilder(base.text, base.spans, base.sections)
    phrases.addendum_body(b, rng, staff.radiologist, staff.referring, exam_dt, version - 1)
    tags = [t for t in base.tags if t != "superseded"]
    if "addendum" not in tags:
        tags.append("addendum")
    text, spans, sections = b.finish()
    return Rendered(text, spans, tags, sections=sections)

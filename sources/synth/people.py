"""Patients and physicians.

Identifiers are bijections of ordinals (never random draws), so MRNs and accessions are unique
across the whole corpus whatever the worker count: MRN = affine permutation of the global patient
ordinal mod 10^8, accession = two-digit exam year + permutation of the global exam ordinal.
Physicians come from one pool per seed, shared by every block (the same radiologists sign many
reports), with word- and eponym-like surnames over-represented on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from random import Random

from sources.synth import phi, vocab
from sources.synth.rand import SynthRandom, Weighted

_ORIGIN_NAMES = tuple(vocab.ORIGINS)
_START = date(2008, 1, 1).toordinal()
_END = date(2025, 12, 31).toordinal()
AREA_CODES = (617, 508, 781, 212, 718, 215, 412, 216, 312, 214, 415, 206, 404, 612)


@dataclass(slots=True)
class Person:
    first: str
    last: str
    middle: str  # initial or ""
    origin: str

    @property
    def non_ascii(self) -> bool:
        return not (self.first + self.last).isascii()


@dataclass(slots=True)
class Physician(Person):
    credential: str = "MD"
    email: str = ""
    phone: str = ""
    pager: str = ""


@dataclass(slots=True)
class Patient(Person):
    mrn: str = ""
    dob: date = date(1970, 1, 1)
    sex: str = "F"
    street: str = ""
    town: str = ""
    state: str = ""
    zip: str = ""
    phone: str = ""
    facility: int = 0
    exam_dates: list[date] = field(default_factory=list)


def _person_name(rng: Random, origin: str, trap_rate: float = 0.0) -> tuple[str, str, str]:
    firsts, lasts = vocab.ORIGINS[origin]
    first = rng.choice(firsts)
    last = rng.choice(vocab.TRAP_SURNAMES) if trap_rate and rng.random() < trap_rate else rng.choice(lasts)
    middle = chr(65 + rng.randrange(26)) if rng.random() < 0.45 else ""
    return first, last, middle


_PHONE_STYLE = Weighted(range(6), (40, 25, 10, 8, 12, 5))


def _phone(rng: Random) -> str:
    return phi.fmt_phone(rng.choice(AREA_CODES), 555, rng.randrange(100, 10000), _PHONE_STYLE.pick(rng))


@lru_cache(maxsize=4)
def physician_pool(seed: int) -> tuple[tuple[Physician, ...], tuple[Physician, ...]]:
    """(radiologists, referring physicians) for a seed; built once per process."""
    rng = SynthRandom(f"radforge-synth-physicians:{seed}")

    def make(n: int, trap_rate: float) -> tuple[Physician, ...]:
        out = []
        for _ in range(n):
            origin = _ORIGIN_PICKER.pick(rng)
            first, last, middle = _person_name(rng, origin, trap_rate)
            fac = vocab.FACILITIES[rng.randrange(len(vocab.FACILITIES))]
            email = f"{phi.ascii_fold(first)[:1]}{phi.ascii_fold(last)}@{fac[2]}"
            if rng.random() < 0.3:
                email = f"{phi.ascii_fold(first)}.{phi.ascii_fold(last)}@{fac[2]}"
            pager = f"{rng.randrange(1, 10)}-{rng.randrange(1000, 10000)}" if rng.random() < 0.6 else \
                str(rng.randrange(10000, 100000))
            out.append(Physician(first, last, middle, origin, rng.choice(("MD", "MD", "MD", "DO", "MBBS")),
                                 email, _phone(rng), pager))
        return tuple(out)

    return make(80, 0.35), make(500, 0.15)


def mrn_for(ordinal: int, seed: int) -> str:
    return f"{(ordinal * 104729 + 7_777_777 + seed * 9_999_991) % 100_000_000:08d}"


def accession_for(ordinal: int, seed: int, year: int) -> str:
    return f"{year % 100:02d}{(ordinal * 7919 + 1_234_567 + seed * 3_141_593) % 100_000_000:08d}"


_EXAM_COUNT_PICKER = Weighted(range(1, 13), (28, 20, 14, 10, 8, 6, 4, 3, 3, 2, 1, 1))
_ORIGIN_PICKER = Weighted(_ORIGIN_NAMES, vocab.ORIGIN_WEIGHTS)


def _given_by_sex() -> dict[tuple[str, str], tuple[str, ...]]:
    out = {}
    for origin, (firsts, _) in vocab.ORIGINS.items():
        men = tuple(f for f in firsts if f in vocab.MALE_GIVEN or f in vocab.BOTH_GIVEN)
        women = tuple(f for f in firsts if f not in vocab.MALE_GIVEN or f in vocab.BOTH_GIVEN)
        out[(origin, "M")], out[(origin, "F")] = men or firsts, women or firsts
    return out


_GIVEN_BY_SEX = _given_by_sex()


def make_patient(rng: Random, ordinal: int, seed: int, max_exams: int) -> Patient:
    origin = _ORIGIN_PICKER.pick(rng)
    sex = "F" if rng.random() < 0.52 else "M"
    first, last, middle = _person_name(rng, origin)
    first = rng.choice(_GIVEN_BY_SEX[(origin, sex)])
    if rng.random() < 0.5 and not (first + last).isascii():  # many registration systems strip diacritics
        first, last = phi.fold_name(first), phi.fold_name(last)
    n = min(_EXAM_COUNT_PICKER.pick(rng), max_exams)
    # Exams spread over up to 17 years inside 2008-2025: a window of random length placed anywhere that
    # overlaps the range, cut to it (so the edge years are neither crowded nor empty); the exponent gives a
    # mild growth of volume over the years.
    span = int(rng.random() ** 1.2 * (_END - _START)) if n > 1 else 0
    window = _START - span // 2 + int((_END - _START) * rng.random() ** 0.9)  # may hang over either end
    first_day, last_day = max(_START, window), min(_END, window + span)
    days = sorted(rng.randrange(first_day, last_day + 1) for _ in range(n))
    u = rng.random()
    if u < 0.03:
        age_years = rng.randrange(88, 104)  # crosses 89 on some exams
    elif u < 0.09:
        age_years = rng.randrange(0, 18)
    else:
        age_years = int(rng.triangular(18, 90, 62))
    dob = date.fromordinal(days[0]) - timedelta(days=age_years * 365 + rng.randrange(365))
    state, zip2 = vocab.STATES[rng.randrange(len(vocab.STATES))]
    street = f"{rng.randrange(1, 9999)} {rng.choice(vocab.STREET_NAMES)} {rng.choice(vocab.STREET_KINDS)}"
    return Patient(first, last, middle, origin, mrn=mrn_for(ordinal, seed), dob=dob,
                   sex=sex, street=street, town=rng.choice(vocab.TOWNS), state=state,
                   zip=f"{zip2}{rng.randrange(1000):03d}", phone=_phone(rng),
                   facility=rng.randrange(len(vocab.FACILITIES)),
                   exam_dates=[date.fromordinal(d) for d in days])


def age_on(dob: date, when: date) -> int:
    return when.year - dob.year - ((when.month, when.day) < (dob.month, dob.day))

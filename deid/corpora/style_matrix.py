"""`style-matrix`: the synthetic PHI values written in three note styles and three casings.

Radiology reports are one kind of clinical text; sites also send nursing notes and dictations.
Each synthetic report gives its gold PHI values (names, dates, ids, phones, hospitals, towns,
ages...); the `nursing` and `dictation` styles place them into hand-written templates
(`style_templates.py`) in the forms those notes use (`Dr.Okafor`, `b. lane, rn`, `oct, 97`,
`617 4401932`, `x4521`, `93 y.o.`), `radiology` keeps the report as it is. Each text then comes
in its `original` casing, UPPER and lower (length-preserving, so gold offsets still hold).

Names: `style-matrix` (all nine cells, `limit // 9` source reports each) or one cell,
`style-matrix:<casing>-<style>` (`limit` source reports). Seeded and deterministic.
Gold follows the synthetic corpus's policy (sources/synth/README.md); a bare year (`'89`), a
weekday and a ward or room go to `ignore` (not identifiers under Safe Harbor).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import regex

from deid.corpora import style_templates as tpl
from deid.corpora.base import Corpus, CorpusError, GoldDoc, check_doc
from deid.corpora.synthetic import records, to_doc

NAME = "style-matrix"
CASINGS = ("original", "upper", "lower")
STYLES = ("radiology", "nursing", "dictation")
CELLS = tuple(f"{c}-{s}" for c in CASINGS for s in STYLES)
DEFAULT_PER_CELL = 60

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
            "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
            "eighteenth", "nineteenth", "twentieth", "twenty first", "twenty second", "twenty third",
            "twenty fourth", "twenty fifth", "twenty sixth", "twenty seventh", "twenty eighth", "twenty ninth",
            "thirtieth", "thirty first")
TENS = {9: "ninety", 10: "one hundred"}
UNITS = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Mon", "Tues", "Wed",
            "Thurs", "Fri", "Sat", "Sun")
KIN = ("wife", "husband", "son", "daughter", "dtr", "sister", "brother", "niece", "nephew", "grandson",
       "granddaughter", "friend", "HCP/son", "neighbor", "partner", "mother")
WARDS = ("4 West", "7 North", "5B", "11 East", "Ward 6", "3 South", "8W", "6 North tele")
ROOMS = ("rm 412", "room 7", "bed 3", "412B", "rm 12-2", "bed 14")
_DATE_FORMATS = ("%m/%d/%Y", "%m/%d/%y", "%B %d, %Y", "%b %d, %Y", "%d-%b-%y", "%d-%b-%Y", "%d %B %Y", "%Y-%m-%d",
                 "%Y%m%d", "%B %Y")
_NAME_WORD = regex.compile(r"[^\W\d_][\w'\-]*")
_INITIAL = regex.compile(r"[^\W\d_]\.?")
_STREET = regex.compile(r"\d+\s+\S")
_ZIP = regex.compile(r"\d{5}(?:-\d{4})?")


@dataclass
class Values:
    """One report's PHI values, by the kind a template slot asks for."""

    persons: list[tuple[str, str]] = field(default_factory=list)  # (given, surname)
    dates: list[date] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    phones: list[tuple[str, str, str]] = field(default_factory=list)  # (area, exchange, line)
    orgs: list[str] = field(default_factory=list)
    towns: list[str] = field(default_factory=list)
    streets: list[str] = field(default_factory=list)
    zips: list[str] = field(default_factory=list)
    ages: list[int] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)

    def extend(self, other: Values) -> None:
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))


def _name_case(word: str) -> str:
    return word.title() if word.isupper() and len(word) > 1 else word


def _person(value: str, given: str | None, surname: str | None) -> tuple[str, str] | None:
    """(given, surname) from a gold PERSON value: 'Roe, Jane M', 'Jane M. Roe', 'Roe' (given from the record)."""
    if "," in value:
        last, _, rest = value.partition(",")
        words = [w for w in _NAME_WORD.findall(rest) if not _INITIAL.fullmatch(w)]
        lasts = _NAME_WORD.findall(last)
        if lasts and words:
            return _name_case(words[0]), _name_case(" ".join(lasts))
        return None
    words = [w for w in _NAME_WORD.findall(value) if not _INITIAL.fullmatch(w)]
    if len(words) >= 2:
        return _name_case(words[0]), _name_case(words[-1])
    if len(words) == 1 and given:
        return _name_case(given), _name_case(words[0])
    return None


def _date(value: str) -> date | None:
    v = value.strip()
    for fmt in _DATE_FORMATS:
        for candidate in (v, v.split(" ")[0], v[:10]):
            try:
                return datetime.strptime(candidate, fmt).date()
            except ValueError:
                continue
    return None


def extract(record: dict) -> Values:
    """The PHI values of one synthetic record (its gold spans, plus its DOB and exam date)."""
    text = record["text"] or ""
    vals = Values()
    patient = (record.get("first"), record.get("last"))
    if patient[0] and patient[1]:
        vals.persons.append((_name_case(patient[0]), _name_case(patient[1])))
    for day in (record.get("dob"), (record.get("exam_datetime") or "")[:10]):
        if day:
            parsed = _date(day)
            if parsed:
                vals.dates.append(parsed)
    for s, e, kind in record["spans"]:
        value = text[s:e].strip()
        if not value:
            continue
        if kind == "PERSON":
            found = _person(value, None, None)
            if found and found not in vals.persons:
                vals.persons.append(found)
        elif kind == "DATE":
            parsed = _date(value)
            if parsed:
                vals.dates.append(parsed)
        elif kind == "ID" and len(value) <= 24:
            vals.ids.append(value)
        elif kind == "PHONE":
            digits = "".join(c for c in value if c.isdigit())
            if digits.startswith("1") and len(digits) == 11:
                digits = digits[1:]
            if len(digits) >= 10:
                vals.phones.append((digits[:3], digits[3:6], digits[6:10]))
        elif kind == "ORGANIZATION" and len(value) > 3 and not value.isupper():
            vals.orgs.append(" ".join(value.split()))
        elif kind == "LOCATION":
            if _ZIP.fullmatch(value):
                vals.zips.append(value)
            elif _STREET.match(value):
                vals.streets.append(" ".join(value.split()))
            elif not any(c.isdigit() for c in value):
                vals.towns.append(_name_case(value))
        elif kind == "AGE" and value.isdigit() and int(value) >= 90:
            vals.ages.append(int(value))
        elif kind == "EMAIL":
            vals.emails.append(value)
    return vals


class Builder:
    """Appends text pieces, recording gold (and ignore) offsets exactly as they are written."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.spans: list[dict] = []
        self.ignore: list[dict] = []

    def add(self, text: str, label: str | None = None) -> None:
        if label and text:
            target = self.ignore if label.startswith("~") else self.spans
            target.append({"start": self.length, "end": self.length + len(text), "type": label.lstrip("~")})
        self.parts.append(text)
        self.length += len(text)

    def text(self) -> str:
        return "".join(self.parts)


Piece = tuple[str, str | None]


class Slots:
    """Renders each `{slot}` of a template from one report's values (falling back on the corpus pool)."""

    def __init__(self, own: Values, pool: Values, rng: random.Random, style: str) -> None:
        self.own, self.pool, self.rng, self.style = own, pool, rng, style

    def pick(self, kind: str, fallback: Callable[[], object]):
        items = getattr(self.own, kind) or getattr(self.pool, kind)
        return self.rng.choice(items) if items else fallback()

    def person(self) -> tuple[str, str]:
        return self.pick("persons", lambda: ("Anne", "Okafor"))

    def day(self) -> date:
        return self.pick("dates", lambda: date(2019, 3, 14))

    # --- PERSON -----------------------------------------------------------------------------------------------
    def first(self) -> list[Piece]:
        return [(self.person()[0], "PERSON")]

    def last(self) -> list[Piece]:
        return [(self.person()[1], "PERSON")]

    def full(self) -> list[Piece]:
        given, surname = self.person()
        return [(f"{given} {surname}", "PERSON")]

    def patient(self) -> list[Piece]:
        return self.full() if self.rng.random() < 0.6 else self.mr()

    def dr(self) -> list[Piece]:
        given, surname = self.person()
        title = self.rng.choice(("Dr. ", "Dr.", "Dr ", "dr. ", "dr ", "DR. ") if self.style == "nursing"
                                else ("dr ", "doctor "))
        name = f"{given} {surname}" if self.rng.random() < 0.25 else surname
        return [(title, None), (name, "PERSON")]

    def mr(self) -> list[Piece]:
        surname = self.person()[1]
        title = self.rng.choice(("Mr. ", "Mrs. ", "Ms. ", "mr.", "Mrs ", "Mr "))
        return [(title, None), (surname, "PERSON")]

    def initl(self) -> list[Piece]:
        given, surname = self.person()
        form = self.rng.choice(("{g}. {s}", "{g} {s}", "{g}.{s}", "{lg}. {ls}"))
        return [(form.format(g=given[0], s=surname, lg=given[0].lower(), ls=surname.lower()), "PERSON")]

    def kin(self) -> list[Piece]:
        return [(self.rng.choice(KIN) + " ", None), (self.person()[0], "PERSON")]

    # --- DATE ---------------------------------------------------------------------------------------------------
    def date(self) -> list[Piece]:
        d = self.day()
        month = MONTHS[d.month - 1]
        if self.style == "dictation":
            forms = (f"{month} {d.day} {d.year}", f"{month} {d.day}{_suffix(d.day)} {d.year}",
                     f"{month} {ORDINALS[d.day - 1]}", f"{d.month}/{d.day}/{d.year}", f"{month} {d.day}",
                     f"the {d.day}{_suffix(d.day)} of {month}", f"{d.month:02d}/{d.day:02d}/{d.year % 100:02d}")
        else:
            forms = (f"{d.month}/{d.day}", f"{d.month}/{d.day}/{d.year % 100:02d}",
                     f"{d.month:02d}/{d.day:02d}/{d.year}", f"{d.month}/{d.day}/{d.year}",
                     f"{month[:3].title()} {d.day}", f"{d.day} {month[:3].title()}", f"{d.month}-{d.day}",
                     f"{d.month:02d}/{d.day:02d}")
        return [(self.rng.choice(forms), "DATE")]

    def monyr(self) -> list[Piece]:
        d = self.day()
        month = MONTHS[d.month - 1].title()
        yy = f"{d.year % 100:02d}"
        forms = (f"{month[:3].lower()}, {yy}", f"{month[:3]} '{yy}", f"{d.month}/{yy}", f"{d.month:02d}/{yy}",
                 f"{month} {d.year}", f"{d.month}/{d.year}", f"{month} of {d.year}")
        return [(self.rng.choice(forms), "DATE")]

    def time(self) -> list[Piece]:
        h, m = self.rng.randrange(24), self.rng.choice((0, 5, 10, 15, 20, 30, 40, 45, 50))
        h12, ampm = (h - 1) % 12 + 1, "am" if h < 12 else "pm"
        if self.style == "dictation":
            forms = (f"{h12}:{m:02d} {ampm}", f"{h12}:{m:02d}", f"{h:02d}{m:02d} hours", f"{h12} {ampm}",
                     f"{h12}:{m:02d} {ampm[0]}.m.")
        else:
            forms = (f"{h:02d}{m:02d}", f"{h12}:{m:02d} {ampm}", f"{h:02d}:{m:02d}", f"{h12}:{m:02d}{ampm}",
                     f"{h12}{ampm}", f"{h:02d}{m:02d}h")
        return [(self.rng.choice(forms), "DATE")]

    # --- ignore: not identifiers under Safe Harbor --------------------------------------------------------------
    def year(self) -> list[Piece]:
        y = self.day().year - self.rng.randrange(1, 30)
        return [(self.rng.choice((f"'{y % 100:02d}", str(y), f"in {y}")), "~YEAR")]

    def dow(self) -> list[Piece]:
        return [(self.rng.choice(WEEKDAYS), "~WEEKDAY")]

    def ward(self) -> list[Piece]:
        return [(self.rng.choice(WARDS), "~WARD")]

    def room(self) -> list[Piece]:
        return [(self.rng.choice(ROOMS), "~WARD")]

    # --- AGE ----------------------------------------------------------------------------------------------------
    def age(self) -> list[Piece]:
        years = self.pick("ages", lambda: self.rng.randrange(90, 105))
        if self.style == "dictation":
            if self.rng.random() < 0.15 and years < 110:
                return [(_spelled(years), "AGE"), (" year old", None)]
            suffix = self.rng.choice(("-year-old", " year old", " year-old"))
        else:
            suffix = self.rng.choice((" y.o.", "yo", " yo", " y/o", " yr old", "-year-old", "F", " y.o"))
        return [(str(years), "AGE"), (suffix, None)]

    def young(self) -> list[Piece]:
        years = self.rng.randrange(19, 89)
        suffix = self.rng.choice(("-year-old", " y.o.", " yo") if self.style != "dictation" else
                                 ("-year-old", " year old"))
        return [(f"{years}{suffix}", None)]

    # --- ID, PHONE, EMAIL -------------------------------------------------------------------------------------
    def mrn(self) -> list[Piece]:
        return [(self.pick("ids", lambda: str(self.rng.randrange(10**7, 10**8))), "ID")]

    def _phone(self) -> tuple[str, str, str]:
        return self.pick("phones", lambda: ("617", "555", f"{self.rng.randrange(10000):04d}"))

    def phone(self) -> list[Piece]:
        a, x, n = self._phone()
        if self.style == "dictation":
            forms = (f"{a} {x} {n}", f"{a}-{x}-{n}", f"{a}{x}{n}", f"{x} {n}", f"{a} {x}{n}")
        else:
            forms = (f"{a} {x}{n}", f"{a}-{x}-{n}", f"({a}) {x}-{n}", f"{a}.{x}.{n}", f"{x}-{n}", f"{a}{x}{n}",
                     f"{a} {x} {n}", f"({a}){x}-{n}")
        return [(self.rng.choice(forms), "PHONE")]

    def ext(self) -> list[Piece]:
        digits = self._phone()[2]
        prefix = self.rng.choice(("extension ", "ext ") if self.style == "dictation" else ("x", "x ", "ext ", "ext. "))
        return [(prefix, None), (digits, "PHONE")]

    def pager(self) -> list[Piece]:
        a, x, n = self._phone()
        digits = (x + n)[-5:]
        return [(self.rng.choice(("", "#")), None), (digits, "PHONE")]

    def email(self) -> list[Piece]:
        given, surname = self.person()
        fallback = f"{_ascii(given)[:1]}{_ascii(surname)}@example.org"
        return [(self.pick("emails", lambda: fallback), "EMAIL")]

    # --- ORGANIZATION, LOCATION ---------------------------------------------------------------------------------
    def hosp(self) -> list[Piece]:
        return [(self.pick("orgs", lambda: "Riverside General Hospital"), "ORGANIZATION")]

    def hosp_abbr(self) -> list[Piece]:
        name = self.pick("orgs", lambda: "Riverside General Hospital")
        letters = "".join(w[0] for w in regex.findall(r"[^\W\d_]+", name) if w[0].isupper())
        return [(letters if len(letters) >= 2 else name, "ORGANIZATION")]

    def town(self) -> list[Piece]:
        return [(self.pick("towns", lambda: "Easton"), "LOCATION")]

    def street(self) -> list[Piece]:
        return [(self.pick("streets", lambda: f"{self.rng.randrange(2, 990)} Maple St"), "LOCATION")]

    def zip(self) -> list[Piece]:
        return [(self.pick("zips", lambda: f"0{self.rng.randrange(1000, 2800)}"), "LOCATION")]


SLOT_NAMES = frozenset(name for name in vars(Slots) if not name.startswith("_")
                       and name not in {"pick", "person", "day"})
_SLOT = regex.compile(r"\{(\w+)\}")


def _suffix(day: int) -> str:
    return "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _spelled(n: int) -> str:
    tens, units = divmod(n, 10)
    return f"{TENS[tens]} {UNITS[units]}".strip() if tens in TENS else str(n)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def fill(template: str, slots: Slots, out: Builder) -> None:
    pos = 0
    for m in _SLOT.finditer(template):
        out.add(template[pos:m.start()])
        if m.group(1) not in SLOT_NAMES:
            raise CorpusError(f"style template slot {{{m.group(1)}}} is unknown")
        for text, label in getattr(slots, m.group(1))():
            out.add(text, label)
        pos = m.end()
    out.add(template[pos:])


def render(style: str, own: Values, pool: Values, rng: random.Random) -> Builder:
    """One nursing note or dictation in that style's templates, filled from `own` (then `pool`) values."""
    slots = Slots(own, pool, rng, style)
    out = Builder()
    if style == "nursing":
        parts = ([rng.choice(tpl.NURSING_HEADERS)] if rng.random() < 0.7 else [])
        parts += rng.sample(tpl.NURSING_LINES, rng.randrange(6, 11)) + [rng.choice(tpl.NURSING_SIGNOFFS)]
        seps = [rng.choice(("\n", "\n", "\n", " ", "  ")) for _ in parts]
    else:
        parts = ([rng.choice(tpl.DICTATION_OPENERS)] + rng.sample(tpl.DICTATION_LINES, rng.randrange(5, 9))
                 + [rng.choice(tpl.DICTATION_CLOSINGS)])
        seps = [rng.choice((" ", " ", " ", " ", ". ", " new paragraph ")) for _ in parts]
    for i, template in enumerate(parts):
        if i:
            out.add(seps[i])
        fill(template, slots, out)
    return out


def recase(text: str, casing: str) -> str:
    """UPPER or lower, character by character and only where the length stays (ß, İ keep theirs)."""
    if casing == "original":
        return text
    change = str.upper if casing == "upper" else str.lower
    return "".join(c2 if len(c2 := change(c)) == 1 else c for c in text)


def _cells(name: str) -> list[tuple[str, str]]:
    if name == NAME:
        return [(c, s) for c in CASINGS for s in STYLES]
    cell = name.removeprefix(NAME + ":")
    if cell not in CELLS:
        raise CorpusError(f"unknown style-matrix cell {cell!r}; choose from {', '.join(CELLS)}")
    casing, style = cell.split("-")
    return [(casing, style)]


def load(name: str = NAME, limit: int | None = None, seed: int = 4242) -> Corpus:
    cells = _cells(name)
    per_cell = DEFAULT_PER_CELL if limit is None else max(1, limit // len(cells) if len(cells) > 1 else limit)
    sources = [r for r in records(per_cell + per_cell // 10 + 5, seed) if (r["text"] or "").strip()][:per_cell]
    values = [extract(r) for r in sources]
    pool = Values()
    for v in values:
        pool.extend(v)
    docs = []
    for style in dict.fromkeys(s for _, s in cells):
        styled = []
        for record, own in zip(sources, values, strict=True):
            if style == "radiology":
                base = to_doc(record)
                styled.append((str(record["id"]), base.text, base.spans, ()))
                continue
            built = render(style, own, pool, random.Random(f"{seed}:{style}:{record['id']}"))
            text = built.text()
            if style == "dictation":
                text = recase(text, "lower")
            styled.append((str(record["id"]), text, tuple(built.spans), tuple(built.ignore)))
        for casing in (c for c, s in cells if s == style):
            for rid, text, spans, ignore in styled:
                docs.append(check_doc(GoldDoc(id=f"{rid}:{casing}-{style}", text=recase(text, casing),
                                              spans=spans, ignore=ignore)))
    order = {cell: i for i, cell in enumerate(CELLS)}
    docs.sort(key=lambda d: order[d.id.rsplit(":", 1)[1]])
    return Corpus(name=name, docs=tuple(docs))

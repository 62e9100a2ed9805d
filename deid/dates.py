"""Parse a DATE span in whatever form it was written, shift it, and write it back in the same form.

A per-patient shift keeps intervals between a patient's exams; re-rendering in the original
format ("3/14" stays m/d, "Mar. 14th, 2021" stays that style) keeps the text natural. A span that
cannot be parsed is not guessed at: the caller replaces it with a tag.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import regex

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MON = r"(?P<mon>January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|" \
       r"Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)"
_REFERENCE_YEAR = 2000  # leap year: a partial "2/29" stays valid

_FORMS = [
    regex.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?P<rest>[T ].*)?$"),
    regex.compile(r"^(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})(?P<rest>\D.*)?$"),
    regex.compile(r"^(?P<m>\d{1,2})(?P<s>[/\-.])(?P<d>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})(?P<rest>\D.*)?$"),
    regex.compile(r"^(?P<m>\d{1,2})/(?P<y>\d{4})$"),
    regex.compile(r"^(?P<m>\d{1,2})/(?P<d>\d{1,2})(?P<rest>\s.*)?$"),
    regex.compile(rf"^{_MON}\.?\s{{0,3}}(?P<d>\d{{1,2}})(?P<ord>st|nd|rd|th)?(?:(?:,\s{{0,3}}|\s{{1,3}}|\s{{0,2}}-\s{{0,2}})"
                  r"(?P<y>\d{4}))?(?P<rest>\D.*)?$", regex.IGNORECASE),
    regex.compile(rf"^(?P<d>\d{{1,2}})(?P<ord>st|nd|rd|th)?(?:\s{{1,3}}|-)(?:of\s{{1,3}})?{_MON}\.?(?:(?:,?\s{{1,3}}|-)"
                  r"(?P<y>\d{4}|\d{2}))?(?P<rest>\D.*)?$", regex.IGNORECASE),
    regex.compile(rf"^{_MON}\.?,?\s{{1,3}}(?P<y>\d{{4}})$", regex.IGNORECASE),
    regex.compile(rf"^{_MON}\.?$", regex.IGNORECASE),
]
_MONTH_INSIDE = regex.compile(rf"\b{_MON}\b", regex.IGNORECASE)


@dataclass
class ParsedDate:
    text: str
    match: regex.Match
    year: int | None
    month: int
    day: int | None
    valid: bool

    def shift(self, days: int) -> str:
        """The same text with the date moved by `days`, in the original format."""
        if not self.valid:
            raise ValueError("cannot shift an invalid date")
        year = self.year if self.year is not None else _REFERENCE_YEAR
        day = self.day if self.day is not None else 15
        new = date(year, self.month, day) + timedelta(days=days)
        g = self.match
        pieces: list[tuple[int, int, str]] = []
        numeric = [g.group(k) for k in ("m", "d") if k in g.re.groupindex and g.group(k)]
        pad = any(v.startswith("0") for v in numeric) or (len(numeric) == 2 and all(len(v) == 2 for v in numeric))
        if "m" in g.re.groupindex and g.group("m"):
            pieces.append((*g.span("m"), f"{new.month:02d}" if pad else str(new.month)))
        if "mon" in g.re.groupindex and g.group("mon"):
            pieces.append((*g.span("mon"), _render_month(g.group("mon"), new.month)))
        if "d" in g.re.groupindex and g.group("d"):
            pieces.append((*g.span("d"), f"{new.day:02d}" if pad else str(new.day)))
            if "ord" in g.re.groupindex and g.group("ord"):
                pieces.append((*g.span("ord"), _ordinal(new.day, g.group("ord"))))
        if "y" in g.re.groupindex and g.group("y"):
            y = g.group("y")
            pieces.append((*g.span("y"), str(new.year) if len(y) == 4 else f"{new.year % 100:02d}"))
        out = self.text
        for start, end, value in sorted(pieces, reverse=True):
            out = out[:start] + value + out[end:]
        return out

    def as_date(self) -> date | None:
        if not self.valid or self.year is None or self.day is None:
            return None
        return date(self.year, self.month, self.day)


def _render_month(original: str, month: int) -> str:
    full = calendar.month_name[month]
    word = full if len(original) > 4 or original.lower() == "june" or original.lower() == "july" else (
        "Sept" if month == 9 and len(original) == 4 else calendar.month_abbr[month])
    if original.isupper():
        return word.upper()
    if original.islower():
        return word.lower()
    return word


def _ordinal(day: int, original: str) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return suffix.upper() if original.isupper() else suffix


def parse_date(text: str) -> ParsedDate | None:
    """Parse a date span; None when its form is not known (the caller tags it instead)."""
    text = text.strip()
    for form in _FORMS:
        m = form.match(text)
        if not m:
            continue
        groups = m.groupdict()
        try:
            month = _MONTHS[groups["mon"].lower()] if groups.get("mon") else int(groups["m"])
            day = int(groups["d"]) if groups.get("d") else None
            year = None
            if groups.get("y"):
                y = int(groups["y"])
                year = y if len(groups["y"]) == 4 else (2000 + y if y < 50 else 1900 + y)
            if groups.get("m") and day is not None and month > 12 and day <= 12 and groups.get("s") == ".":
                month, day = day, month  # European d.m.yyyy
                m = _swap_dm(m)
        except (KeyError, ValueError):
            continue
        valid = _valid(year, month, day)
        return ParsedDate(text=text, match=m, year=year, month=month, day=day, valid=valid)
    return None


def shift_month_words(text: str, days: int) -> str | None:
    """For a relative date ("last December", "earlier this month (October)"): move the month word(s) only."""
    if not _MONTH_INSIDE.search(text):
        return None

    def repl(m: regex.Match) -> str:
        month = _MONTHS[m.group("mon").lower()]
        new = date(_REFERENCE_YEAR, month, 15) + timedelta(days=days)
        return _render_month(m.group("mon"), new.month)

    return _MONTH_INSIDE.sub(repl, text)


def _swap_dm(m: regex.Match) -> regex.Match:
    swapped = regex.compile(r"^(?P<d>\d{1,2})(?P<s>[/\-.])(?P<m>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})(?P<rest>\D.*)?$")
    return swapped.match(m.string) or m


def _valid(year: int | None, month: int, day: int | None) -> bool:
    if not 1 <= month <= 12:
        return False
    if day is None:
        return True
    try:
        date(year if year is not None else _REFERENCE_YEAR, month, day)
    except ValueError:
        return False
    return True


def shift_datetime(value: datetime | str | None, days: int) -> tuple[datetime | None, int | None]:
    """Shift an exam datetime; returns (shifted, ORIGINAL year). Strings are ISO 8601."""
    if value is None or value == "":
        return None, None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None, None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        return None, None
    return value + timedelta(days=days), value.year

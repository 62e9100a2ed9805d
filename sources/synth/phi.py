"""PHI value formats: dates in the many ways radiologists write them, times, phones, ids, addresses.

Gold policy (HIPAA Safe Harbor view, documented in README.md):
- DATE: every date with a month or a day ("03/14/2019", "March 14, 2019", "14-Mar-19", "3/14",
  "2019-03-14", "March 2019", "last March") and every clock time ("3:15 pm", "1532 hours"); a time
  written right after a date is part of the same span ("03/14/2019 10:32"). A year alone ("in 2019",
  "Fleischner 2017 guidelines") is not PHI, nor are relative phrases without a month ("3 days ago").
- AGE: only ages over 89, the digits only ("92" in "92-year-old").
- LOCATION: street address, town, ZIP; the state alone is not PHI.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from random import Random

from sources.synth.rand import Weighted

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
MON = tuple(m[:3] for m in MONTHS)

# date style -> weight. "md" and "month_year" are partial dates; both are still gold DATE.
DATE_STYLES = ("mdy", "mdy_short", "mdy_yy", "long", "long_abbr", "dmy_mon_yy", "dmy_mon", "d_month_y", "iso",
               "md", "month_year", "compact")
DATE_WEIGHTS = (30, 14, 6, 14, 5, 6, 3, 3, 9, 4, 4, 1)


def fmt_date(d: date, style: str) -> str:
    y, m, dd = d.year, d.month, d.day
    if style == "mdy":
        return f"{m:02d}/{dd:02d}/{y}"
    if style == "mdy_short":
        return f"{m}/{dd}/{y}"
    if style == "mdy_yy":
        return f"{m:02d}/{dd:02d}/{y % 100:02d}"
    if style == "long":
        return f"{MONTHS[m - 1]} {dd}, {y}"
    if style == "long_abbr":
        return f"{MON[m - 1]} {dd}, {y}"
    if style == "dmy_mon_yy":
        return f"{dd:02d}-{MON[m - 1]}-{y % 100:02d}"
    if style == "dmy_mon":
        return f"{dd:02d}-{MON[m - 1].upper()}-{y}"
    if style == "d_month_y":
        return f"{dd} {MONTHS[m - 1]} {y}"
    if style == "iso":
        return f"{y}-{m:02d}-{dd:02d}"
    if style == "md":
        return f"{m}/{dd}"
    if style == "month_year":
        return f"{MONTHS[m - 1]} {y}"
    if style == "compact":
        return f"{y}{m:02d}{dd:02d}"
    raise ValueError(f"unknown date style {style}")


_DATE_STYLE_PICKER = Weighted(DATE_STYLES, DATE_WEIGHTS)


def pick_date_style(rng: Random) -> str:
    return _DATE_STYLE_PICKER.pick(rng)


def relative_month(prior: date, current: date) -> str | None:
    """'last March' when the prior exam was in the most recent March before `current`, else None."""
    months = (current.year * 12 + current.month) - (prior.year * 12 + prior.month)
    if 1 <= months <= 11:
        return f"last {MONTHS[prior.month - 1]}"
    return None


def fmt_time(t: datetime, style: int) -> str:
    h, mi = t.hour, t.minute
    if style == 0:
        return f"{h:02d}:{mi:02d}"
    if style == 1:
        return f"{(h - 1) % 12 + 1}:{mi:02d} {'AM' if h < 12 else 'PM'}"
    if style == 2:
        return f"{(h - 1) % 12 + 1}:{mi:02d} {'am' if h < 12 else 'pm'}"
    return f"{h:02d}{mi:02d} hours"


def fmt_phone(area: int, exchange: int, line: int, style: int) -> str:
    if style == 0:
        return f"{area}-{exchange}-{line:04d}"
    if style == 1:
        return f"({area}) {exchange}-{line:04d}"
    if style == 2:
        return f"{area}.{exchange}.{line:04d}"
    if style == 4:
        return f"{area}-{exchange}-{line:04d} ext. {(line * 7) % 9000 + 1000}"
    if style == 5:
        return f"+1 {area} {exchange} {line:04d}"
    return f"{exchange}-{line:04d}"


_TRANSLIT = str.maketrans({"Ł": "L", "ł": "l", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "þ": "th", "Þ": "Th",
                           "ß": "ss", "æ": "ae", "Æ": "Ae", "ı": "i", "'": "", " ": "", "-": ""})


def ascii_fold(text: str) -> str:
    """Lower-case ASCII form of a name for e-mail addresses (José Muñoz -> josemunoz)."""
    text = text.translate(_TRANSLIT)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


_FOLD = str.maketrans({"Ł": "L", "ł": "l", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "þ": "th", "Þ": "Th",
                       "ß": "ss", "ı": "i"})


def fold_name(text: str) -> str:
    """ASCII spelling of a name keeping case and punctuation (Nguyễn -> Nguyen, Łukasz -> Lukasz)."""
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in text if not unicodedata.combining(c))


def ssn(rng: Random) -> str:
    # 9xx area numbers are never issued: realistic shape, never a real number.
    return f"9{rng.randrange(100):02d}-{rng.randrange(1, 100):02d}-{rng.randrange(1, 10000):04d}"


def private_ip(rng: Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    if kind == 1:
        return f"192.168.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    return f"172.{rng.randrange(16, 32)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def study_uid(rng: Random) -> str:
    return f"1.2.840.113619.2.{rng.randrange(10, 999)}.{rng.randrange(10**6, 10**7)}.{rng.randrange(10**9, 10**10)}"

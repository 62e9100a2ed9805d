"""Dates in every written form, partial dates, and a time written next to a date."""

from __future__ import annotations

from typing import ClassVar

import regex
from presidio_analyzer import Pattern

from deid.recognizers.base import RadPatternRecognizer
from deid.recognizers.lexicon import DAY, MONTH, MONTH_CASED, MONTH_NUM, ORDINAL, TIME, YEAR4

_SEP = r"[/\-.]"
_UNIT_AFTER = regex.compile(r"\s{0,2}(?:cm|mm|m|kg|g|mg|ml|mL|cc|units?|of|th|x|mGy|mSv|Gy|%|\d|strength|power|motor|"
                         r"reflex|pulses?|murmur|views?|systolic|diastolic)", regex.IGNORECASE)
_RATIO_BEFORE = regex.compile(r"(?:grade|ratio|score|gleason|level|dose|bp|blood pressure|x)\s{0,2}$",
                              regex.IGNORECASE)

_UNITS = r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
_SPELLED_DAY = (rf"(?i:{_UNITS}|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|"
                rf"eighteenth|nineteenth|twentieth|thirtieth|(?:twenty|thirty)[\s\-]{{1,2}}{_UNITS})")
_DATE_CUE_BEFORE = regex.compile(r"(?i:on|since|from|until|till|dated|of|by|before|after|thru|through|to|placed|"
                                 r"admitted|changed|seen|done|inserted|removed|started|stopped|discharged|clinic|"
                                 r"visit|surgery)\s{1,2}$")
_MONTH_YY = regex.compile(r"(?:0?[1-9]|1[0-2])/(?:3[2-9]|[4-9]\d)")
_FRACTION = regex.compile(r"(\d{1,2})/(\d{1,2})")


def _score_shaped(value: str) -> bool:
    """a/b with b a usual scale (2, 3, 4, 5, 10) and a <= b, or a == b: a score or fraction more than a date."""
    m = _FRACTION.fullmatch(value.strip())
    if not m:
        return False
    a, b = int(m.group(1)), int(m.group(2))
    return a == b or (b in (2, 3, 4, 5, 10) and a <= b)


class DateRecognizer(RadPatternRecognizer):
    """All HIPAA dates except a bare year (Safe Harbor keeps years).

    Full numeric and month-name dates are strong; partial ones ("3/14", "March 2019", "03/2019")
    are weaker and checked against their surroundings, because radiology is full of fractions
    and ratios ("1/2", "3/4 of the lumen").
    """

    ENTITY = "DATE"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("iso date (strong)", rf"\b{YEAR4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
                r"(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?(?:Z|[+\-]\d{2}:?\d{2}|"
                r"\s{0,2}[AaPp]\.?[Mm]\.?)?)?"
                r"(?![\d:])", 0.95),
        Pattern("numeric date m/d/yyyy (strong)", rf"(?<![\d/.\-]){MONTH_NUM}{_SEP}{DAY}{_SEP}{YEAR4}{TIME}(?![\d/])",
                0.95),
        Pattern("numeric date d.m.yyyy (strong)", rf"(?<![\d/.\-]){DAY}{_SEP}{MONTH_NUM}{_SEP}{YEAR4}{TIME}(?![\d/])",
                0.9),
        Pattern("numeric date yyyy/m/d (strong)", rf"(?<![\d/.\-]){YEAR4}/{MONTH_NUM}/{DAY}{TIME}(?![\d/])", 0.95),
        Pattern("numeric date m/d/yy (medium)", rf"(?<![\d/.\-]){MONTH_NUM}[/\-]{DAY}[/\-]\d{{2}}{TIME}(?![\d/\-]|"
                                                rf"\.\d)",
                0.75),
        Pattern("month-name date (strong)",
                rf"\b{MONTH}\s{{0,3}}{DAY}{ORDINAL}(?:,\s{{0,3}}|\s{{1,3}}|"
                rf"\s{{0,2}}-\s{{0,2}}){YEAR4}{TIME}(?!\d)", 0.95),
        Pattern("day month-name year (strong)",
                rf"\b{DAY}{ORDINAL}(?:\s{{1,3}}|-)(?:of\s{{1,3}})?{MONTH}(?:,?\s{{1,3}}|-){YEAR4}{TIME}(?!\d)", 0.95),
        Pattern("day-mon-yy (medium)", rf"\b{DAY}-{MONTH}-\d{{2}}{TIME}(?!\d)", 0.85),
        Pattern("month-name day (medium)", rf"\b{MONTH}\s{{1,3}}{DAY}{ORDINAL}\b(?![:.]\d|\s{{0,2}}(?:mm|cm|%))", 0.7),
        Pattern("day month-name (medium)", rf"\b{DAY}{ORDINAL}\s{{1,3}}(?:of\s{{1,3}})?{MONTH_CASED}(?![A-Za-z])", 0.7),
        Pattern("month-name year (medium)", rf"\b{MONTH},?\s{{1,3}}{YEAR4}\b", 0.85),
        Pattern("month-name spelled day (medium)", rf"\b{MONTH}\s{{1,3}}(?:the\s{{1,3}})?{_SPELLED_DAY}\b", 0.75),
        Pattern("ordinal day of month-name (medium)", rf"\b(?:(?i:the)\s{{1,3}})?"
                rf"(?:{DAY}(?i:st|nd|rd|th)|{_SPELLED_DAY})\s{{1,3}}(?i:of)\s{{1,3}}{MONTH}(?![A-Za-z])", 0.75),
        Pattern("ordinal day month-name (medium)", rf"\b{DAY}(?i:st|nd|rd|th)\s{{1,3}}{MONTH}(?![A-Za-z])", 0.7),
        Pattern("month-name of year (medium)", rf"\b{MONTH}\s{{1,3}}(?i:of)\s{{1,3}}{YEAR4}\b", 0.8),
        Pattern("lower-case day month-name (medium)", r"\b(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?\s{1,3}"
                r"(?:jan|feb|apr|jun|jul|aug|sept?|oct|nov|dec|january|february|april|june|july|august|september|october|november|"
                r"december|(?:may|mar|march)(?=\s{1,2}(?:(?:by|at|on|in|and|with|for|\d{2,4})\b|w/)|\s{0,2}[.,;)]|\s{0,2}$))"
                r"\.?(?![a-z])", 0.65),
        Pattern("month-day with a dash after a cue (medium)", r"(?<=\b(?i:on|placed|changed|since|dated|from|until|due|"
                r"done|inserted|removed|started|stopped|d/c'?d|given|drawn|sent|admitted|seen|discharged|rn|md|signed)\s{1,2})"
                r"(?:0?[1-9]|1[0-2])-"
                r"(?:0?[1-9]|[12]\d|3[01])(?![\w/\-]|\.\d|\s{0,2}(?i:days?|weeks?|hours?|hrs?|mins?|times?|%|mg|cc|ml))",
                0.65),
        Pattern("month-day with a dash closing a clause (medium)", r"(?<![\w\-/.])(?:0?[1-9]|1[0-2])-"
                r"(?:0?[1-9]|[12]\d|3[01])(?=[.;]\s|\.?\s*$|\n)", 0.6),
        Pattern("military time after a cue (medium)", r"(?<=(?:\b(?i:at|off|on|arrived|since|until|from|started|"
                r"stopped|held|given|by|around|approx|approximately|till|to|bedside|mon|tue|tues|wed|thu|thur|thurs|fri|sat|"
                r"sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|@)\s{0,2})(?:[01]\d|2[0-3])[0-5]\d"
                r"(?![\w:]|\.\d|"
                r"\s{0,2}(?i:u/|units?|mg|ml|cc|mcg|kcal|%|/))", 0.6),
        Pattern("military time after a date (medium)", r"(?<=\b(?:0?[1-9]|1[0-2])[/\-](?:0?[1-9]|[12]\d|3[01])"
                r"(?:[/\-](?:\d{4}|\d{2}))?[ \t]{1,2})(?:[01]\d|2[0-3])[0-5]\d(?![\w:]|\.\d)", 0.6),
        Pattern("hour with am/pm (medium)", r"(?<![\d:.])(?:1[0-2]|0?[1-9])(?::[0-5]\d)?\s{0,2}(?i:a\.m\.|p\.m\.|am|pm)"
                r"(?![\w])", 0.6),
        Pattern("month-name two-digit year (medium)", rf"\b{MONTH},?\s{{0,3}}['\u2019]?\d{{2}}(?![\w:/]|\.\d|"
                rf"\s{{0,2}}(?i:mm|cm|mg|%))", 0.7),
        Pattern("numeric month/two-digit year (medium)", r"(?<![\w/.\-])(?:0?[1-9]|1[0-2])/(?:3[2-9]|[4-9]\d|0\d)"
                r"(?![\w/\-]|\.\d)", 0.7),
        Pattern("apostrophe year (medium)", r"(?<![\w'\u2019])['\u2019](?:[0-9]\d)(?![\w'\u2019\"]|\.\d)", 0.6),
        Pattern("numeric month/year (medium)", rf"(?<![\d/.\-]){MONTH_NUM}/{YEAR4}\b(?!/)", 0.75),
        Pattern("partial m/d (weak)", rf"(?<![\w/.\-]){MONTH_NUM}/{DAY}(?![\w/\-]|\.\d)", 0.6),
        Pattern("partial m/d with time (medium)", rf"(?<![\w/.\-]){MONTH_NUM}/{DAY}\s{{1,3}}(?:at\s{{1,2}})?"
                r"(?:[01]?\d|2[0-3]):[0-5]\d(?:\s{0,2}[AaPp]\.?[Mm]\.?)?(?![\d:])", 0.85),
        Pattern("clock time (medium)", r"(?<![\d:./])(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s{0,2}[AaPp]\.?[Mm]\.?"
                r"(?![A-Za-z]))?(?![\d:])", 0.6),
        Pattern("military time with unit (medium)", r"(?<![\d:.])(?:[01]\d|2[0-3])[0-5]\d\s{0,2}(?i:hours|hrs|"
                                                    r"h)\b", 0.7),
        Pattern("relative month (medium)", rf"\b(?i:last|this|next|past|early|late|"
                                           rf"mid-?)\s{{1,2}}(?:{MONTH_CASED}|(?i:january|february|april|june|july|august|september|october|"
                rf"november|december))(?![\w])", 0.6),
        Pattern("relative period with month (medium)", rf"\b(?i:earlier|later|early|late)\s{{1,2}}(?i:this|last|next)"
                rf"\s{{1,2}}(?i:month|week|year)(?:\s{{0,2}}\({MONTH}\))?", 0.6),
        Pattern("month name alone (weak)", r"\b(?:January|February|March|April|June|July|August|September|October"
                r"|November|December)\b", 0.5),
    ]
    # the first character of every match (see RadPatternRecognizer.LEAD), where it was measured to help:
    # a pattern that starts with a look-behind is otherwise tried at every offset
    LEAD: ClassVar[dict[str, str]] = {name: r"\d" for name in (
        "numeric date m/d/yyyy (strong)", "numeric date d.m.yyyy (strong)", "numeric date m/d/yy (medium)",
        "day month-name year (strong)", "day month-name (medium)", "ordinal day month-name (medium)",
        "lower-case day month-name (medium)", "hour with am/pm (medium)", "clock time (medium)")}
    CONTEXT: ClassVar[list[str]] = ["date", "dated", "on", "since", "prior", "comparison", "compared", "dob",
                                    "birth", "exam", "study", "performed", "dictated", "signed", "admitted"]

    def invalidate_context(self, text: str, start: int, end: int) -> bool | None:
        value = text[start:end]
        lone_md = "/" in value and value.count("/") == 1 and not regex.search(r"\d{4}|\d:\d", value)
        # A lone m/d is a fraction or ratio if a unit follows or a score word precedes.
        if lone_md and (_UNIT_AFTER.match(text, end) or _RATIO_BEFORE.search(text[max(0, start - 20):start])):
            return True
        if lone_md and _score_shaped(value) and not _DATE_CUE_BEFORE.search(text[max(0, start - 12):start]):
            return True  # "strength 5/5", "pain 10/10", "1/2": a score or fraction, unless "on 3/4"
        if value.rstrip(".") in ("May", "MAY", "Mar", "MAR"):
            return True
        return None

    def validate_result(self, pattern_text: str) -> bool | None:
        from deid.dates import parse_date

        if _MONTH_YY.fullmatch(pattern_text):
            return None  # "3/91": month and two-digit year (no day 91); the shifter writes [DATE] for it
        parsed = parse_date(pattern_text)
        if parsed is None:
            return None
        return parsed.valid if not parsed.valid else None

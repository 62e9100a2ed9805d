"""Telephone, fax and pager numbers, including extensions and short in-house pagers after a cue."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from deid.recognizers.base import RadPatternRecognizer

_EXT = r"(?:\s{0,2}(?i:x|ext\.?|extension)\s{0,2}\d{1,6})?"


class PhoneRecognizer(RadPatternRecognizer):
    ENTITY = "PHONE"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("us phone (strong)", r"(?<![\w.\-])(?:\+?1[\s.\-]{0,2})?(?:\(\d{3}\)\s{0,2}|\d{3}[\s.\-]{1,2})\d{3}"
                r"[\s.\-]{1,2}\d{4}" + _EXT + r"(?![\w\-])", 0.85),
        Pattern("area code and seven digits (strong)", r"(?<![\w.\-])(?:\(\d{3}\)\s{0,2}|\d{3}[\s.\-]{1,2})\d{7}"
                + _EXT + r"(?![\w\-])", 0.8),
        Pattern("extension alone (medium)", r"(?<![\w.])(?<!\d[ \t])(?i:x|ext\.?)[ \t]?(?P<phi>\d{4,5})\b(?![.,]\d)",
                0.6),
        Pattern("grouped digits (medium)", r"(?<![\w.,/:+\-])(?=(?:[^\d\n]{0,2}\d){8})"
                r"(?!(?:19|20)\d{2}[ \t]?[\-\u2013][ \t]?(?:19|20)\d{2}\b)(?:\(\d{2,4}\)[ \t]?)?\d{2,4}"
                r"(?:[ \t\-.]\d{2,4}){1,4}"
                r"(?![\w,/:]|\.\d|[ \t]?(?i:mm|cm|mg|ml|kg|g|%|x\b|hu|mcg|units?|meq|mmol))", 0.5),
        Pattern("number after a calling cue (strong)", r"\b(?i:call(?:\s{1,2}me)?\s{1,2}(?:on|at)|answering\s{1,2}at|"
                r"reach(?:\s{1,2}(?:me|him|her|them))?\s{1,2}at|number\s{1,2}is|dial)\s{1,2}"
                r"(?P<phi>\+?\(?\d{1,4}\)?(?:[\s.\-]{1,2}\(?\d{1,5}\)?){1,5})", 0.85),
        Pattern("number before a line label (medium)",
                r"(?<![\w.])(?P<phi>\+?\(?\d{1,4}\)?(?:[\s.\-]{1,2}\(?\d{1,5}\)?){1,5})"
                r"[ \t]{1,2}(?i:office|fax|mobile|cell|home|work|pager|tel|phone)\b", 0.7),
        Pattern("seven digits after a calling cue (medium)",
                r"(?<=\b(?i:at|call|phone|cell|tel|reached\s{1,2}at|number|contact|page|pager|ext|x|"
                r"(?:at\s{1,2})?(?:work|home|office|mobile))[\s:#]{1,3})"
                r"\d{3}[ .]\d{4}\b(?![.,]\d)", 0.7),
        Pattern("local number (medium)", r"(?<![\w\-/.:])\d{3}-\d{4}" + _EXT + r"(?![\w\-/]|\.\d)", 0.6),
        Pattern("international phone (medium)", r"(?<![\w.])\+\d{1,3}(?:[\s.\-]\(?\d{1,5}\)?){2,5}(?![\w])", 0.7),
        Pattern("phone after cue (strong)", r"\b(?i:phone|tel|telephone|fax|facsimile|pager|page|beeper|beep|cell|"
                                            r"mobile|"
                r"call(?:back)?|contact|ext|extension|voalte|spectralink|vocera|paged|beeped)\.?(?:\s{1,2}(?:no\.?|number|#))?"
                r"[\s:#=(]{0,4}(?:(?i:at|"
                r"to)\s{1,2})?(?P<phi>(?:\(\d{3}\)\s?)?\d{1,4}(?:[\s.\-]?\d{2,4}){0,3}" + _EXT + r")\b"
                r"(?!\s{0,2}(?i:hours|hrs|h\b|[ap]\.?m\b|:\d))",
                0.8),
    ]
    LEAD: ClassVar[dict[str, str]] = {"area code and seven digits (strong)": r"[(\d]",
                                      "grouped digits (medium)": r"[(\d]", "extension alone (medium)": "[xXeE]"}
    CONTEXT: ClassVar[list[str]] = ["phone", "tel", "fax", "pager", "call", "cell", "contact", "extension"]

    def invalidate_result(self, pattern_text: str) -> bool | None:
        digits = sum(c.isdigit() for c in pattern_text)
        return digits < 4 or digits > 15

"""Other record, account, device and licence numbers: any labelled identifier, and long digit runs."""

from __future__ import annotations

from typing import ClassVar

import regex
from presidio_analyzer import Pattern

from deid.recognizers.base import RadPatternRecognizer

_LABELS = (r"(?i:account|acct|encounter|enc|visit|admission|csn|fin|har|billing|claim|member|subscriber|policy|"
           r"insurance|medicaid|medicare|health\s{1,2}plan|beneficiary|license|licence|lic|dea|npi|upin|certificate|"
           r"cert|serial|s/n|sn|lot|device|implant|pacemaker|model|badge|employee|provider|case|specimen|"
           r"pathology|path|surgical|vehicle|vin|plate|passport|driver'?s?\s{1,2}license)")
_SUFFIX = r"(?i:\s{0,2}(?:#|no\.?|number|num|id|identifier|code))?"


class RecordNumberRecognizer(RadPatternRecognizer):
    """Identifiers a site may have under any label ("Account # 4455", "Pacemaker serial SN: PX12345").

    Long digit runs with no label are weaker: in radiology text a 6+ digit number is almost never a
    measurement (those carry units and decimals), so it is treated as an identifier.
    """

    ENTITY = "ID"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("identifier with label (strong)", rf"\b{_LABELS}{_SUFFIX}[\s:#=]{{1,4}}"
                r"(?P<phi>[A-Z0-9](?:[A-Z0-9\-/.]{1,28}[A-Z0-9])?)\b", 0.9),
        Pattern("iban (strong)",
                r"(?<![\w\-])(?i:[a-z]{2}\d{2}(?:[ ]?[a-z0-9]{4}){2,7}(?:[ ]?[a-z0-9]{1,4})?)(?![\w\-])",
                0.8),
        Pattern("dicom uid (strong)", r"(?<![\w.])[012](?:\.\d{1,20}){4,30}(?![\w.]|\.\d)", 0.85),
        Pattern("long digit run (medium)", r"(?<![\w.\-/:])(?P<phi>[A-Z]{0,4}-?\d{6,20}(?:-\d{1,10}){0,3})(?![\w.]\d|"
                                           r"[\w])",
                0.6),
        Pattern("prefixed alphanumeric id (medium)", r"(?<![\w\-])(?P<phi>[A-Z]{1,5}\d{0,4}-\d{3,12}(?:-\d{1,12}){0,2}"
                r"|[A-Z]{2,5}\d{5,15})(?![\w\-])", 0.6),
    ]
    LEAD: ClassVar[dict[str, str]] = {"prefixed alphanumeric id (medium)": "[A-Z]"}
    CONTEXT: ClassVar[list[str]] = ["number", "account", "id", "identifier", "serial", "#"]

    _DATE_LIKE = regex.compile(r"^(?:19|20)\d{6}$|^\d{4}-\d{2}-\d{2}$")

    def invalidate_result(self, pattern_text: str) -> bool | None:
        if not any(c.isdigit() for c in pattern_text):
            return True
        # Imaging vocabulary that looks like an id: "T2-weighted" never reaches here; keep spine/sequence names out.
        return bool(regex.match(r"^(?:[CTLS]\d{1,2}-[CTLS]?\d{1,2}|BI-RADS|LI-RADS|PI-RADS|TI-RADS"
                                r"|(?i:I|Tc|In|Ga|F|Xe|Tl|Rb|Y|Lu|Ra|Sm|Sr|Cu|Zr)-\d{2,3}m?)$", pattern_text))

"""Accession numbers of imaging exams: after a label, plus site formats from the config."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from deid.recognizers.base import RadPatternRecognizer


class AccessionRecognizer(RadPatternRecognizer):
    """`Accession: RAD-2021-000123`, `Acc # 88123456`, `ACC: A99123`."""

    ENTITY = "ID"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("accession with label (strong)",
                r"\b(?i:Accession(?:\s{0,2}(?:#|No\.?|Number|Num))?|Acc(?:n|t)?\.?\s{0,2}(?:#|No\.?|Number)?"
                r"|Exam\s{1,2}(?:#|No\.?|Number|ID)|Study\s{1,2}(?:#|No\.?|Number|ID)|Order\s{1,2}(?:#|No\.?|Number|ID)"
                r"|Requisition\s{0,2}(?:#|No\.?|Number)?)"
                r"[\s:#=.]{1,4}(?P<phi>[A-Z0-9](?:[A-Z0-9\-/.]{2,28}[A-Z0-9])?)\b", 0.95),
    ]
    CONTEXT: ClassVar[list[str]] = ["accession", "acc", "exam", "study", "order"]

    def invalidate_result(self, pattern_text: str) -> bool | None:
        return not any(c.isdigit() for c in pattern_text)

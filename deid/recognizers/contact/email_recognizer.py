"""E-mail addresses (bounded local part and domain; no top-level-domain lookup, so no network)."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from deid.recognizers.base import RadPatternRecognizer


class EmailRecognizer(RadPatternRecognizer):
    ENTITY = "EMAIL"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("email (strong)", r"(?<![\w.+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}"
                r"\.){1,8}[A-Za-z]{2,24}\b", 0.95),
        Pattern("obfuscated email (medium)", r"\b[A-Za-z0-9._%+\-]{1,64}\s{0,2}(?:\[at\]|\(at\)| at )\s{0,2}"
                r"[A-Za-z0-9\-]{1,63}\s{0,2}(?:\[dot\]|\(dot\)| dot )\s{0,2}[A-Za-z]{2,24}\b", 0.6),
    ]
    NEEDS: ClassVar[dict[str, tuple[str, ...]]] = {"email (strong)": ("@",), "obfuscated email (medium)": ("dot",)}
    CONTEXT: ClassVar[list[str]] = ["email", "e-mail", "mail", "contact"]

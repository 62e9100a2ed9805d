"""Web addresses: with a scheme, with www., or a bare host under a common top-level domain."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from deid.recognizers.base import RadPatternRecognizer


class UrlRecognizer(RadPatternRecognizer):
    ENTITY = "URL"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("url with scheme (strong)", r"\b(?i:https?|ftp|sftp|dicom|dicomweb|"
                                            r"pacs)://[^\s<>\"'()\[\]]{1,2000}", 0.95),
        Pattern("www url (strong)", r"\b(?i:www)\.[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,6}"
                r"(?:[/?#][^\s<>\"']{0,2000})?",
                0.9),
        Pattern("bare domain (medium)", r"(?<![@\w.\-])[A-Za-z0-9][A-Za-z0-9\-]{0,62}(?:\.[A-Za-z0-9\-]{1,63}){0,4}"
                r"\.(?i:com|org|net|edu|gov|mil|io|health|care|info|biz|us|uk|ca|au|de|fr|nl|local|internal|lan|med)"
                r"(?:/[^\s<>\"']{0,2000})?(?![\w@])", 0.7),
    ]
    NEEDS: ClassVar[dict[str, tuple[str, ...]]] = {"url with scheme (strong)": ("://",)}
    CONTEXT: ClassVar[list[str]] = ["url", "website", "portal", "link", "http", "www"]

    def invalidate_result(self, pattern_text: str) -> bool | None:
        return None

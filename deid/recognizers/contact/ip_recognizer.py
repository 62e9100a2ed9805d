"""IPv4 and IPv6 addresses (a PACS or workstation address identifies a device)."""

from __future__ import annotations

import ipaddress
from typing import ClassVar

from presidio_analyzer import Pattern

from deid.recognizers.base import RadPatternRecognizer

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"


class IpRecognizer(RadPatternRecognizer):
    ENTITY = "IP"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("ipv4 (strong)", rf"(?<![\d.]){_OCTET}(?:\.{_OCTET}){{3}}(?::\d{{1,5}})?(?![\d.]\d|\d)", 0.9),
        Pattern("ipv6 (medium)", r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{1,4}(?![\w:])", 0.6),
    ]
    LEAD: ClassVar[dict[str, str]] = {"ipv4 (strong)": r"\d"}
    NEEDS: ClassVar[dict[str, tuple[str, ...]]] = {"ipv6 (medium)": (":",)}
    CONTEXT: ClassVar[list[str]] = ["ip", "address", "host", "workstation", "pacs", "server"]

    def validate_result(self, pattern_text: str) -> bool | None:
        host = pattern_text.rsplit(":", 1)[0] if pattern_text.count(":") == 1 else pattern_text
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return False
        return True

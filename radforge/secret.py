"""The site secret: the key of every keyed pseudonym and date shift.

A plain hash of an MRN is re-identifiable by enumerating all MRNs; an HMAC with a secret
that never leaves the site is not. The secret lives in a file of mode 0600 and is never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from radforge.errors import SecretError, UnsafePermissions

SECRET_BYTES = 32


class SecretMismatch(SecretError):
    """The secret file does not match the fingerprint the site recorded: it was replaced without a migration."""


def check_owner_only(path: Path) -> None:
    """Refuse a file or directory that group or others can read, write or enter."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise UnsafePermissions(
            f"{path} has mode {stat.S_IMODE(mode):o}; it must be owner-only (chmod {'700' if path.is_dir() else '600'})"
        )


def create_secret(path: Path) -> bool:
    """Create the secret file (0600) if missing. Returns True when a new secret was written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        check_owner_only(path)
        return False
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(SECRET_BYTES) + "\n")
    return True


def read_secret(path: Path) -> bytes:
    """Read the secret, refusing it when missing or readable by anyone but the owner."""
    return read_key_file(path, "site secret")


def read_key_file(path: Path, what: str) -> bytes:
    """Read a key file (the site secret, an audit key), refusing it when missing or not owner-only."""
    if not path.exists():
        raise SecretError(f"{what} {path} is missing; run `radforge init`")
    check_owner_only(path)
    return parse_secret(path.read_text(), f"{what} {path}")


def keyed_hash(secret: bytes, purpose: str, value: str, length: int = 16) -> str:
    """HMAC-SHA256 of `value` under `secret`, separated by `purpose` (e.g. "patient", "report").

    The purpose keeps a patient key from ever equalling a report key for the same string.
    """
    mac = hmac.new(secret, f"{purpose}\x1f{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:length * 2] if length else mac.hexdigest()


def fingerprint(secret: bytes) -> str:
    """A key check value: HMAC of a constant under the secret. Tells secrets apart, reveals nothing of them."""
    return keyed_hash(secret, "fingerprint", "radforge-site-secret", length=8)


def audit_key_fingerprint(key: bytes) -> str:
    """The audit key's check value (16 hex), written into every audit record. Its own constant, so an audit key
    and the site secret never share a fingerprint even if a site (wrongly) used the same bytes for both."""
    return keyed_hash(key, "fingerprint", "radforge-audit-key", length=8)


def parse_secret(raw: str, source: str = "secret") -> bytes:
    """The key bytes of a secret file's text (hex, else the text itself), refusing short ones."""
    raw = raw.strip()
    if len(raw) < 32:
        raise SecretError(f"{source} is too short (need at least 32 hex characters)")
    return bytes.fromhex(raw) if all(c in "0123456789abcdef" for c in raw.lower()) else raw.encode()

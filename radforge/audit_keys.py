"""The audit key: what makes the audit trail extendable only by its key holder.

A chain of plain SHA-256 hashes proves order, not authorship: whoever can write `audit/` can edit a record,
recompute every hash after it and the head, and the chain verifies. Each record's `hash` is therefore an
HMAC-SHA256 under the audit key, and the head is MACed too. The key is NOT the data secret (the
pseudonymisation key of radforge/secret.py): it has its own file (`[security].audit_key_file`, default
`secret/audit.key`, mode 0600), its own fingerprint (written into every record as `key_fp`), and it is
rotated on its own (`radforge audit rotate-key`) without re-keying any data.

Verifying a MAC needs the key that made it, so keys are never thrown away: every key the trail was ever
signed with is kept in the keyring folder beside the key file (`audit.keys/<fingerprint>.key`, owner-only).
The current key file names the key new records are signed with.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from radforge.errors import SecretError
from radforge.secret import (
    SECRET_BYTES,
    audit_key_fingerprint,
    check_owner_only,
    parse_secret,
    read_key_file,
)

if TYPE_CHECKING:
    from radforge.settings import Settings

RECORD_DOMAIN = b"radforge-audit-record-v2\x1f"
HEAD_DOMAIN = b"radforge-audit-head-v2\x1f"
WHAT = "audit key"


class AuditKeyError(SecretError):
    """The audit key is missing, unsafe, or not the one the trail is signed with."""


def record_mac(key: bytes, body: bytes) -> str:
    """HMAC-SHA256 of a record's canonical JSON (without its `hash`), domain-separated from every other use."""
    return hmac.new(key, RECORD_DOMAIN + body, hashlib.sha256).hexdigest()


def head_mac(key: bytes, seq: int, last_hash: str) -> str:
    """MAC of the head (last seq and hash): a truncated trail cannot be given a matching head without the key."""
    return hmac.new(key, HEAD_DOMAIN + f"{seq}:{last_hash}".encode(), hashlib.sha256).hexdigest()


def keyring_dir(key_path: Path) -> Path:
    """Where every key the trail was signed with is kept: `secret/audit.key` → `secret/audit.keys/`."""
    return key_path.with_name(key_path.stem + ".keys")


def _write_key(path: Path, key: bytes) -> None:
    """Atomic, owner-only write of a key file (hex), fsync'ed before it is renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key.hex() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def create_audit_key(key_path: Path, data_secret: bytes | None = None) -> bool:
    """Create the audit key (0600) and file it in the keyring if missing. True when a new key was written."""
    if key_path.exists():
        check_owner_only(key_path)
        return False
    key = secrets.token_bytes(SECRET_BYTES)
    if data_secret is not None and key == data_secret:  # never; but the rule is "never the data secret"
        raise AuditKeyError("refusing an audit key equal to the site secret")
    _write_key(keyring_dir(key_path) / f"{audit_key_fingerprint(key)}.key", key)
    _write_key(key_path, key)
    return True


def read_new_key(path: Path, data_secret: bytes | None = None) -> bytes:
    """A new audit key from a file the operator made (owner-only, ≥ 32 hex), never the data secret."""
    if not path.exists():
        raise AuditKeyError(f"new audit key file {path} does not exist (make one with: openssl rand -hex 32 > FILE; "
                            "chmod 600 FILE), or leave --new-key out to generate one")
    check_owner_only(path)
    key = parse_secret(path.read_text(), f"new audit key {path}")
    if data_secret is not None and key == data_secret:
        raise AuditKeyError("the new audit key is the site secret; the audit key must be a key of its own")
    return key


@dataclass
class AuditKeyring:
    """The current audit key file and the keyring folder of every key ever used.

    Read from disk on every call, never cached: another process may rotate the key while a long-lived one
    (a de-id worker) holds this object.
    """

    key_path: Path

    @classmethod
    def for_settings(cls, settings: Settings) -> AuditKeyring:
        return cls(settings.audit_key_path)

    @property
    def folder(self) -> Path:
        return keyring_dir(self.key_path)

    def current(self) -> tuple[str, bytes]:
        """(fingerprint, key) of the current key file; a clear error when it is missing or unsafe."""
        key = read_key_file(self.key_path, WHAT)
        return audit_key_fingerprint(key), key

    def keys(self) -> dict[str, bytes]:
        """Every key known, by fingerprint: the keyring folder plus the current file."""
        found: dict[str, bytes] = {}
        if self.folder.is_dir():
            check_owner_only(self.folder)
            for path in sorted(self.folder.glob("*.key")):
                check_owner_only(path)
                key = parse_secret(path.read_text(), f"{WHAT} {path}")
                found[audit_key_fingerprint(key)] = key
        if self.key_path.exists():
            fp, key = self.current()
            found[fp] = key
        return found

    def get(self, fp: str) -> bytes | None:
        return self.keys().get(fp)

    def add(self, key: bytes) -> str:
        """File a key in the keyring (before it signs anything, so a crash never leaves a record without its key)."""
        fp = audit_key_fingerprint(key)
        path = self.folder / f"{fp}.key"
        if not path.exists():
            _write_key(path, key)
        return fp

    def install_current(self, key: bytes) -> None:
        """Make `key` the current key file (atomic rename). It must already be in the keyring."""
        if audit_key_fingerprint(key) not in self.keys():
            raise AuditKeyError("internal: a key is installed only after it is filed in the keyring")
        _write_key(self.key_path, key)

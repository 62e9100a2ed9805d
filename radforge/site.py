"""`radforge init` and the preflight: create the site tree, and refuse to run on an unsafe one.

`radforge doctor` (radforge.doctor) reports on the same site without refusing anything.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from radforge.audit_keys import keyring_dir
from radforge.secret import SecretMismatch, check_owner_only, create_secret, fingerprint, read_secret
from radforge.settings import PHI_ZONES, SITE_EXAMPLE, ZONES, Settings

STATE_FILE = "site-state.json"  # the secret's fingerprint (and, after a rotation, its history); no secret in it


def init_site(settings: Settings) -> dict[str, object]:
    """Create every zone (PHI zones owner-only), the site file and the secret. Idempotent."""
    root = settings.root
    root.mkdir(parents=True, exist_ok=True)
    created = []
    for zone in ZONES:
        path = settings.zone(zone)
        if not path.exists():
            created.append(zone)
        path.mkdir(parents=True, exist_ok=True)
        if zone in PHI_ZONES or zone == "audit":
            os.chmod(path, 0o700)
    site_file = root / "site.toml"
    if not site_file.exists() and SITE_EXAMPLE.exists():
        shutil.copyfile(SITE_EXAMPLE, site_file)
        os.chmod(site_file, 0o600)
    new_landing = not settings.landing_path.exists()
    settings.landing_path.mkdir(parents=True, exist_ok=True)
    if new_landing:
        os.chmod(settings.landing_path, 0o700)  # hospital exports land here: PHI, like the raw zone
    new_secret = create_secret(settings.secret_path)
    os.chmod(settings.secret_path.parent, 0o700)
    state = read_state(settings)
    if "secret_fingerprint" not in state:  # a secret recreated after deletion is NOT re-recorded: preflight refuses it
        state["secret_fingerprint"] = fingerprint(read_secret(settings.secret_path))
        write_state(settings, state)
    audit = init_audit_key(settings)
    return {"home": str(root), "zones_created": created, "secret_created": new_secret,
            "site_file": str(site_file), **audit}


def init_audit_key(settings: Settings) -> dict[str, object]:
    """Create the audit key (apart from the data secret) unless the site has one, then seal a trail written
    before audit keys. A key file deleted from a site whose trail is signed is put back from the keyring, or
    refused: a new key would sign records the chain does not accept."""
    from radforge.audit import AuditTrail, expected_fp
    from radforge.audit_keys import AuditKeyError, create_audit_key

    trail = AuditTrail.for_settings(settings)
    created = False
    if not settings.audit_key_path.exists():
        want = expected_fp(trail.last_record())
        if want is None:
            created = create_audit_key(settings.audit_key_path, read_secret(settings.secret_path))
        elif (key := trail.keyring.get(want)) is not None:
            trail.keyring.install_current(key)
        else:
            raise AuditKeyError(f"audit key {settings.audit_key_path} is missing and this site's trail is signed with "
                                f"key {want}: restore the key file from the key escrow")
    sealed = trail.seal()
    fp, _ = trail.keyring.current()
    return {"audit_key_created": created, "audit_key_fingerprint": fp, "audit_legacy_records_sealed": sealed}


def read_state(settings: Settings) -> dict[str, object]:
    path = settings.root / STATE_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def write_state(settings: Settings, state: dict[str, object]) -> None:
    """Atomic, owner-only rewrite of the site state file."""
    path = settings.root / STATE_FILE
    tmp = path.with_name(f"{STATE_FILE}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(state, fh, indent=2, sort_keys=True)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def owner_only_paths(settings: Settings) -> list[Path]:
    """What must be owner-only before radforge touches data: the secret, the audit key, their folders, the PHI
    zones."""
    audit_key = settings.audit_key_path
    return [settings.secret_path, settings.secret_path.parent, audit_key, audit_key.parent, keyring_dir(audit_key),
            *(settings.zone(z) for z in PHI_ZONES)]


def check_secret_fingerprint(settings: Settings) -> None:
    """Refuse a secret that is not the one the site's pseudonyms were made with (replaced without migration).

    A site without a recorded fingerprint (made before fingerprints existed) records the current one.
    """
    if not settings.secret_path.exists():
        return
    current = fingerprint(read_secret(settings.secret_path))
    state = read_state(settings)
    recorded = state.get("secret_fingerprint")
    if recorded is None:
        if settings.root.exists():
            state["secret_fingerprint"] = current
            write_state(settings, state)
        return
    if recorded != current:
        raise SecretMismatch(
            f"site secret {settings.secret_path} (fingerprint {current}) is not the secret this site's pseudonyms were "
            f"made with (fingerprint {recorded}): restore the original file, or change secrets only through "
            "`radforge secret rotate`")


def preflight(settings: Settings) -> None:
    """Refuse to start on an unsafe site: a group/world-accessible secret or PHI zone, or a swapped secret.

    Called by every CLI command that touches data and by every Airflow task (radforge.orchestration).
    Paths that do not exist yet are not checked (they are created owner-only when first made).
    """
    for path in owner_only_paths(settings):
        if path.exists():
            check_owner_only(path)
    pending = settings.root / "rotation" / "journal.json"
    if pending.exists():
        from radforge.errors import SecretError

        raise SecretError(f"a secret rotation was interrupted ({pending}); run `radforge secret rotate --recover`")
    check_secret_fingerprint(settings)

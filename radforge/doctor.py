"""`radforge doctor`: everything a site must have before it runs, each reported as a check, none refused.

The refusing counterpart is the preflight (radforge.site), which every command that touches data runs.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from radforge.audit import AuditTrail
from radforge.egress import active_policy
from radforge.models import base_llm_path, default_bertscore_path, smollm2_gguf
from radforge.process import current
from radforge.secret import check_owner_only, read_secret
from radforge.settings import PHI_ZONES, Settings


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fatal: bool = True


def doctor(settings: Settings) -> list[Check]:
    """Everything a site must have before it runs: offline, models present, secret safe, disk, threads, versions."""
    checks: list[Check] = []
    offline = os.environ.get("HF_HUB_OFFLINE") == "1" and os.environ.get("TRANSFORMERS_OFFLINE") == "1"
    checks.append(Check("offline mode", offline, "HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1" if offline
                        else "set HF_HUB_OFFLINE=1 and TRANSFORMERS_OFFLINE=1"))
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

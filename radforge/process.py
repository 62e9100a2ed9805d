"""What every radforge process does first: thread settings, then PHI-safe logging, the egress guard, the preflight.

Why threads belong here: OpenMP (torch's libgomp) and BLAS start one thread per core and, by default, spin
while they wait for work. On a CPU shared with another job the spinning threads starve each other: the IU X-ray
summarization bench, run directly beside another job, trained at 47 s a step against 3.7 s a step through
`make`, whose only difference was `export OMP_WAIT_POLICY=PASSIVE`. So the policy is the process's, not the
Makefile's: every entry point (the CLI's root callback, each Airflow task through `radforge.orchestration`, the
training worker, the benches) calls `start()` or `configure_threads()` before torch or numpy load.

OMP_WAIT_POLICY and OMP_NUM_THREADS are read once, when libgomp loads (with torch); the BLAS variables when
numpy / OpenBLAS / MKL load. Set later they do nothing, so `configure_threads` records which of those libraries
were loaded before it ran (doctor shows them) and still applies the count to torch with `torch.set_num_threads`.
Re-executing the process to fix a late policy would be overkill: entry modules call it first instead.

Precedence, per variable: an explicit argument (a bench's `--threads`); else a value already in the environment
(an operator's, or torchrun's OMP_NUM_THREADS=1 per rank); else `[process]` of the site config; else the
defaults, PASSIVE and the number of CPUs this process may run on (affinity and cgroup quota, which torch's own
default ignores: a Slurm job bound to 4 cores of a 64-core node would otherwise start 64 threads).
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import MutableMapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from radforge.settings import ProcessSection, Settings

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
# libraries that read the variables above when they load: set after, the variables do nothing in this process
READ_AT_LOAD = ("torch", "numpy")
CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


@dataclass(frozen=True)
class ThreadSetup:
    """The thread settings this process runs with and where each came from."""

    env: dict[str, str | None]  # OMP_WAIT_POLICY and THREAD_VARS as set now (None = left unset)
    sources: dict[str, str]  # variable -> argument | environment | site config | default | unset
    threads: int  # the OpenMP count in force (what torch takes when it loads after this)
    cpus: int  # CPUs this process may run on
    loaded_before: tuple[str, ...]  # READ_AT_LOAD libraries already imported when this ran
    torch_threads: int | None  # torch.get_num_threads() after, if torch is loaded

    @property
    def late(self) -> bool:
        """True when torch or numpy loaded before the variables were set: they apply from the next process."""
        return bool(self.loaded_before)

    def summary(self) -> str:
        """One line for `radforge doctor` and the logs."""
        parts = [f"{k}={v if v is not None else '(unset)'} ({self.sources[k]})" for k, v in self.env.items()]
        text = ", ".join(parts) + f"; {self.cpus} CPUs available"
        if self.torch_threads is not None:
            text += f"; torch {self.torch_threads} threads"
        if self.loaded_before:
            text += (f"; {' and '.join(self.loaded_before)} loaded before these were set, so the wait policy "
                     "and BLAS threads apply from the next process")
        return text

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "loaded_before": list(self.loaded_before), "late": self.late}


_current: ThreadSetup | None = None


def available_cpus() -> int:
    """CPUs this process may use: its affinity mask, capped by a cgroup v2 CPU quota (containers, systemd)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    try:
        quota, period = CGROUP_CPU_MAX.read_text().split()[:2]
        if quota != "max":
            n = min(n, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, n)


def _site_section() -> ProcessSection:
    from radforge.settings import get_settings

    return get_settings().process


def configure_threads(
    section: ProcessSection | None = None,
    *,
    threads: int | None = None,
    wait_policy: str | None = None,
    environ: MutableMapping[str, str] | None = None,
) -> ThreadSetup:
    """Set OMP_WAIT_POLICY and the OpenMP/BLAS/torch thread counts for this process (and the children it starts).

    `section` defaults to the site config's `[process]`; `threads` / `wait_policy` (a bench's own option) win
    over everything. Call it before torch or numpy is imported; it is idempotent.
    """
    global _current
    env = os.environ if environ is None else environ
    section = section if section is not None else _site_section()
    loaded_before = tuple(m for m in READ_AT_LOAD if m in sys.modules)
    cpus = available_cpus()
    sources: dict[str, str] = {}

    def choose(var: str, explicit: str | None, site: str | None, default: str | None) -> None:
        if explicit:
            env[var], sources[var] = explicit, "argument"
        elif env.get(var):
            sources[var] = "environment"
        elif site:
            env[var], sources[var] = site, "site config"
        elif default:
            env[var], sources[var] = default, "default"
        else:
            sources[var] = "unset"

    given = section.model_fields_set  # what the site file (or RADFORGE_PROCESS__*) set, not the defaults
    site_policy = section.omp_wait_policy if "omp_wait_policy" in given else None
    choose("OMP_WAIT_POLICY", wait_policy, site_policy or None, None if site_policy == "" else "PASSIVE")
    site_threads = str(section.threads) if "threads" in given and section.threads else None
    for var in THREAD_VARS:
        choose(var, str(threads) if threads else None, site_threads, str(cpus))
    count = _as_count(env.get("OMP_NUM_THREADS"), cpus)
    torch_threads = None
    if "torch" in sys.modules:  # loaded already: its pool was sized at load (or by its caller)
        import torch

        if sources["OMP_NUM_THREADS"] in ("argument", "site config") and torch.get_num_threads() != count:
            torch.set_num_threads(count)  # asked for explicitly: resize; a default never overrides the caller's
        torch_threads = torch.get_num_threads()
    _current = ThreadSetup(env={v: env.get(v) for v in ("OMP_WAIT_POLICY", *THREAD_VARS)}, sources=sources,
                           threads=count, cpus=cpus, loaded_before=loaded_before, torch_threads=torch_threads)
    return _current


def _as_count(value: str | None, fallback: int) -> int:
    try:
        return max(1, int(value or fallback))
    except ValueError:  # OMP_NUM_THREADS may be a list ("4,2") for nested parallelism: the first level counts
        head = (value or "").split(",")[0].strip()
        return max(1, int(head)) if head.isdigit() else fallback


def current() -> ThreadSetup | None:
    """What `configure_threads` last applied in this process (None if it never ran)."""
    return _current


def start(*, preflight: bool = True, settings: Settings | None = None) -> Settings:
    """Start a radforge process: threads, PHI-safe logging, the egress guard, then (optionally) the site preflight.

    The preflight refuses to run (a one-line `RadforgeError`) when the secret or a PHI zone is group/world
    accessible or the secret was swapped; commands that run before a site exists pass `preflight=False`.
    """
    from radforge.egress import install
    from radforge.log import setup_logging
    from radforge.settings import get_settings

    settings = settings or get_settings()
    configure_threads(settings.process)
    setup_logging()
    install(settings.security.egress_allow, settings.security.allow_loopback)
    if preflight:
        from radforge.site import preflight as site_preflight

        site_preflight(settings)
    return settings

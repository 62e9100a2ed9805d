"""De-identification of radiology reports: Presidio + radiology recognizers, surrogates, audit trail.

The contract other packages code against (see README.md):

    settings = radforge.process.start()  # egress guard and PHI-safe logging first: the engine refuses to run without
    engine = Deidentifier(settings=settings, mode=None)
    results = engine.deidentify_batch([RawReport(report_id, text, mrn=..., accession=...)])
    for result in deidentify_parallel(reports, workers=2): ...
    for meta, result in deidentify_raw_partition(path): ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from deid.schema import ENTITY_TYPES, DeidResult, Entity, RawReport

if TYPE_CHECKING:
    from deid.engine import Deidentifier
    from deid.parallel import deidentify_parallel, deidentify_raw_partition

__all__ = ["Deidentifier", "RawReport", "DeidResult", "Entity", "ENTITY_TYPES", "deidentify_parallel",
           "deidentify_raw_partition"]


def __getattr__(name: str):
    # Presidio and spaCy load on first use, so `import deid` (and `radforge --help`) stays fast.
    if name == "Deidentifier":
        from deid.engine import Deidentifier

        return Deidentifier
    if name in ("deidentify_parallel", "deidentify_raw_partition"):
        from deid import parallel

        return getattr(parallel, name)
    raise AttributeError(f"module 'deid' has no attribute {name!r}")

"""`radforge pairs`: de-identified zone -> pairs zone (pairs + rejected with reasons) and the funnel.

The pairs zone is derived data, rebuilt whole from the committed de-identified partitions on
each run: `pairs/pairs.parquet`, `pairs/rejected.parquet` and `pairs/run.json` (written last:
the run's commit marker), plus one `pair_runs` row and the funnel rows in the catalog.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from radforge.catalog import reader, writer
from radforge.locks import exclusive, work_lock
from radforge.log import get_logger
from radforge.settings import Settings, get_settings
from warehouse import atomic
from warehouse.errors import PairsNotBuilt
from warehouse.faults import crash_point
from warehouse.filters import FilterConfig, select_pairs
from warehouse.ledger import absolute, ensure_tables
from warehouse.schema import DEID_SCHEMA

log = get_logger("warehouse.pairs")


@dataclass
class PairsResult:
    run_id: str
    candidates: int
    pairs: int
    rejected: int
    funnel: list[dict[str, object]]
    filters: dict[str, object]
    source_partitions: list[str]
    pairs_path: str
    rejected_path: str
    changed: bool = True  # False: same partitions and filters as the last run, nothing was rebuilt

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def committed_deid(settings: Settings) -> tuple[list[str], list[str]]:
    """(partition ids, de-identified zone files) committed in the ledger, sorted."""
    with writer(settings) as con:
        ensure_tables(con)
    with reader(settings) as con:
        rows = con.execute("SELECT partition_id, deid_paths FROM partitions WHERE status = 'done' "
                           "ORDER BY partition_id").fetchall()
    return [r[0] for r in rows], sorted(str(absolute(settings, p)) for r in rows for p in (r[1] or []))


def read_deid(files: list[str]) -> pl.LazyFrame:
    if not files:
        return pl.DataFrame(schema=DEID_SCHEMA).lazy()
    return pl.scan_parquet(files, hive_partitioning=False).select(list(DEID_SCHEMA))


def build_pairs(settings: Settings | None = None, cfg: FilterConfig | None = None, force: bool = False
                ) -> PairsResult:
    """Sections + filters + funnel over the whole de-identified zone (the `pairs` command and the DAG).

    When the committed partitions and the filter config are those of the last run, the pairs zone
    is already right: nothing is rebuilt and the last run is returned with `changed=False`.
    """
    settings = settings or get_settings()
    cfg = cfg or FilterConfig.from_settings(settings)
    # one build at a time (the DAG beside a shell): two builds over different partitions would interleave their
    # pairs.parquet, rejected.parquet and run.json; the second waits, then finds the zone current
    with exclusive(work_lock(settings.root, "pairs", "zone")):
        return _build_pairs(settings, cfg, force)


def _build_pairs(settings: Settings, cfg: FilterConfig, force: bool) -> PairsResult:
    partitions, files = committed_deid(settings)
    if not force:
        last = _last_run(settings)
        if last and last["source_partitions"] == partitions and last["filters"] == cfg.to_dict():
            result = PairsResult(**{**last, "changed": False})
            _commit_run(settings, result)  # a run killed after run.json but before its catalog commit
            return result
    pairs, rejected, funnel = select_pairs(read_deid(files), cfg)
    digest = hashlib.sha256(json.dumps([partitions, cfg.to_dict()]).encode()).hexdigest()[:10]
    created = datetime.now(UTC).replace(tzinfo=None)
    run_id = f"pairs-{created:%Y%m%dT%H%M%S}-{digest}"
    zone = atomic.ensure_dir(settings.zone("pairs"))
    pairs_path, rejected_path = zone / "pairs.parquet", zone / "rejected.parquet"
    atomic.write_parquet(pairs, pairs_path)
    crash_point("pairs:after_parquet")
    atomic.write_parquet(rejected, rejected_path)
    result = PairsResult(run_id, pairs.height + rejected.height, pairs.height, rejected.height, funnel,
                         cfg.to_dict(), partitions, str(pairs_path), str(rejected_path))
    # run.json names its files relative to the site root (the site stays relocatable)
    atomic.write_json({**result.to_dict(), "pairs_path": "pairs/pairs.parquet",
                       "rejected_path": "pairs/rejected.parquet"}, zone / "run.json")
    crash_point("pairs:after_run_json")
    _commit_run(settings, result, created)
    log.info("pairs run=%s candidates=%d pairs=%d rejected=%d", run_id, result.candidates, result.pairs,
             result.rejected)
    return result


def _commit_run(settings: Settings, result: PairsResult, created: datetime | None = None) -> None:
    """The catalog side of a pairs run (pair_runs + funnel rows, views); idempotent.

    run.json is the zone's commit marker: a run killed after it but before this commit is
    completed by the next `build_pairs`, which finds the same partitions and filters.
    """
    from warehouse.views import refresh_views

    with writer(settings) as con:
        ensure_tables(con)
        if not con.execute("SELECT 1 FROM pair_runs WHERE run_id = ?", [result.run_id]).fetchone():
            created = created or datetime.now(UTC).replace(tzinfo=None)
            con.execute("INSERT INTO pair_runs VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [result.run_id, result.candidates, result.pairs, result.rejected,
                         json.dumps(result.filters), result.source_partitions, created])
            con.execute("DELETE FROM funnel WHERE run_id = ?", [result.run_id])
            con.executemany("INSERT INTO funnel VALUES (?, ?, ?, ?, ?, ?)",
                            [[result.run_id, f["step"], f["stage"], f["removed"], f["remaining"], created]
                             for f in result.funnel])
            crash_point("pairs:ledger_commit")
    refresh_views(settings)


def _last_run(settings: Settings) -> dict[str, object] | None:
    zone = settings.zone("pairs")
    if not all((zone / f).exists() for f in ("run.json", "pairs.parquet", "rejected.parquet")):
        return None
    run = json.loads((zone / "run.json").read_text())
    return {**run, "pairs_path": str(zone / "pairs.parquet"), "rejected_path": str(zone / "rejected.parquet")}


def current_run(settings: Settings) -> dict[str, object]:
    """The last committed pairs run (run.json), or PairsNotBuilt."""
    path = settings.zone("pairs") / "run.json"
    if not path.exists():
        raise PairsNotBuilt("the pairs zone is empty: run `radforge pairs` first")
    return json.loads(Path(path).read_text())

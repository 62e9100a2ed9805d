"""Catalog views over the zones and the read-only `radforge sql`.

Views are created over the PHI-free zones only (de-identified, pairs, snapshots); the raw and
quarantine zones are described by the ledger tables (counts and reason codes), never by a view.
`run_sql` opens the catalog read-only, accepts only SELECT/EXPLAIN statements, and turns off
DuckDB's file access except for those three zones, so an analyst's query cannot read raw PHI
files or write anything.
"""

from __future__ import annotations

import duckdb

from radforge.catalog import ident, reader, writer
from radforge.settings import Settings, get_settings
from warehouse.errors import ReadOnlyQuery
from warehouse.faults import crash_point
from warehouse.ledger import ensure_tables

SQL_ZONES = ("deid", "pairs", "snapshots")
_ALLOWED = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def view_definitions(settings: Settings) -> dict[str, str | None]:
    """View name -> SELECT (None: drop the view, its files do not exist yet)."""
    deid = settings.zone("deid")
    pairs = settings.zone("pairs")
    snaps = settings.zone("snapshots")
    has_deid = any(deid.glob("exam_year=*/part-*.parquet"))
    has_snaps = any(snaps.glob("*/train.parquet"))
    return {
        "deid_reports": (f"SELECT * FROM read_parquet({_quote(str(deid / 'exam_year=*' / 'part-*.parquet'))}, "
                         "hive_partitioning = false, union_by_name = true)") if has_deid else None,
        "pairs": f"SELECT * FROM read_parquet({_quote(str(pairs / 'pairs.parquet'))})"
        if (pairs / "pairs.parquet").exists() else None,
        "rejected_pairs": f"SELECT * FROM read_parquet({_quote(str(pairs / 'rejected.parquet'))})"
        if (pairs / "rejected.parquet").exists() else None,
        "snapshot_rows": (
            "SELECT regexp_extract(filename, '([^/]+)/[^/]+\\.parquet$', 1) AS snapshot, "
            "regexp_extract(filename, '([a-z]+)\\.parquet$', 1) AS split, * EXCLUDE (filename) "
            f"FROM read_parquet({_quote(str(snaps / '*' / '*.parquet'))}, filename = true, union_by_name = true)"
        ) if has_snaps else None,
        "latest_funnel": "SELECT * FROM funnel WHERE run_id = (SELECT max_by(run_id, created_at) FROM pair_runs) "
                         "ORDER BY step",
    }


def refresh_views(settings: Settings | None = None) -> list[str]:
    """(Re)create every view whose files exist; returns the names created."""
    settings = settings or get_settings()
    made = []
    with writer(settings) as con:
        ensure_tables(con)
        for name, select in view_definitions(settings).items():
            if select is None:
                con.execute(f"DROP VIEW IF EXISTS {ident(name)}")
            else:
                con.execute(f"CREATE OR REPLACE VIEW {ident(name)} AS {select}")
                made.append(name)
        crash_point("views:commit")
    return made


def run_sql(query: str, settings: Settings | None = None, limit: int | None = None
            ) -> tuple[list[str], list[tuple]]:
    """Run one read-only query on the catalog: (column names, rows)."""
    settings = settings or get_settings()
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as exc:
        raise ReadOnlyQuery(f"cannot parse the query: {type(exc).__name__}") from None
    if len(statements) != 1:
        raise ReadOnlyQuery(f"give exactly one statement (got {len(statements)})")
    if statements[0].type not in _ALLOWED:
        raise ReadOnlyQuery(f"only SELECT/EXPLAIN queries are allowed (got {statements[0].type.name})")
    with reader(settings) as con:
        _lock_down(con, settings)
        try:
            cur = con.execute(query)
            columns = [d[0] for d in cur.description or []]
            rows = cur.fetchmany(limit) if limit else cur.fetchall()
        except duckdb.Error as exc:
            raise ReadOnlyQuery(_refusal(exc)) from None
    return columns, rows


# Errors whose first line names only the query's own tokens, files or settings; any other kind
# (a failed cast, an invalid input) may quote a value from the data, so only its type is shown.
_SAFE_MESSAGES = ("PermissionException", "ParserException", "CatalogException", "BinderException")


def _refusal(exc: Exception) -> str:
    kind = type(exc).__name__
    if kind in _SAFE_MESSAGES:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return f"query failed: {kind}: {first[:200]}"
    return f"query failed: {kind}"


def _lock_down(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """File access only below the three PHI-free zones, no extension loading, and the settings frozen.

    `lock_configuration` makes any later SET (through a table function, a macro, a future statement
    type the allow-list misses) fail: the query cannot turn file access back on.
    """
    dirs = ", ".join(_quote(str(settings.zone(z)) + "/") for z in SQL_ZONES)
    con.execute(f"SET allowed_directories = [{dirs}]")
    con.execute("SET allowed_paths = []")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")

"""radforge warehouse: ledgered ingestion, Parquet zones, DuckDB catalog, pairs, splits, snapshots.

Entry points (imported from their modules, so `import warehouse` stays light):
`warehouse.ingest.ingest_paths`, `warehouse.deid_zone.run_deid_zone`, `warehouse.pairs.build_pairs`,
`warehouse.snapshot.create_snapshot`, `warehouse.snapshot_read.read_split` (what training and evaluation read),
`warehouse.reconcile.reconcile`, `warehouse.views.run_sql`.
See warehouse/README.md.
"""

__all__ = ["atomic", "deid_zone", "errors", "filters", "ingest", "ledger", "pairs", "readers", "reconcile",
           "retrieval", "schema", "sections", "snapshot", "snapshot_read", "splits", "tasks", "views"]

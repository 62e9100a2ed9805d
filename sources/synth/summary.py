"""Human-readable summary of a `radforge synth` run (counts only, never report content)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text


def print_summary(summary: dict, out: Path, console: Console) -> None:
    years = summary["years"]
    span = f"{years[0]}-{years[1]}" if years[0] is not None else "-"
    rate = summary["reports"] / summary["seconds"] if summary["seconds"] else 0.0
    console.print(Text.assemble(("wrote", "green"), f" {summary['reports']} reports, {summary['patients']} patients, "
                                f"exam years {span}, seed {summary['seed']}, {summary['workers']} worker(s), "
                                f"{summary['seconds']:.1f} s ({rate:,.0f} reports/s) to {out}"))
    table = Table(title="corpus", show_header=True)
    table.add_column("hard cases / tags")
    table.add_column("reports", justify="right")
    for tag, count in summary["tags"].items():
        table.add_row(tag, str(count))
    table.add_section()
    for mod, count in summary["modalities"].items():
        table.add_row(f"modality {mod}", str(count))
    table.add_section()
    for kind, count in summary["gold_spans"].items():
        table.add_row(f"gold {kind} spans", str(count))
    table.add_section()
    for name, size in summary["files"].items():
        table.add_row(name, f"{size / 1e6:.1f} MB")
    console.print(table)

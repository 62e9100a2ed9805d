"""The packages' command groups, each from its own `<package>/cli.py` through `register(app)`.

The CLI is the composition root: the one place in `radforge/` that imports the domain packages (the
import-linter contract of the core ignores exactly these edges). A group module imports its heavy
dependencies (torch, transformers, Presidio) inside its commands, so `radforge --help` loads none of them.
"""

from __future__ import annotations

import typer

from deid import cli as deid_cli
from evaluation import cli as evaluation_cli
from radforge.cliutil import dataset_app
from sources.datasets import cli as datasets_cli
from training import cli as training_cli
from warehouse import cli as warehouse_cli

GROUPS = (datasets_cli, deid_cli, warehouse_cli, training_cli, evaluation_cli)


def register_groups(app: typer.Typer) -> None:
    """Add every package's commands to `app`, then the shared `dataset` group they filled."""
    for group in GROUPS:
        group.register(app)
    # `datasets` was the old name of the group's public-corpora half; kept hidden so old scripts still run
    app.add_typer(dataset_app, name="dataset")
    app.add_typer(dataset_app, name="datasets", hidden=True)

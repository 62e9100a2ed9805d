"""The runbook says what the README says and the CLI does (#20: the runbook described a manual secret
rotation the README forbids): every `radforge ...` command in its code blocks exists with the options it
uses, and key changes go only through the supported commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]
RUNBOOK = REPO / "platform" / "runbooks" / "RUNBOOK.md"
README = REPO / "README.md"


def _runbook_commands() -> list[list[str]]:
    commands = []
    for line in RUNBOOK.read_text().splitlines():
        if not line.startswith("    "):  # indented code blocks only
            continue
        for part in line.split("#", 1)[0].split("&&"):
            tokens = part.split()
            if tokens[:1] == ["radforge"]:
                commands.append(tokens[1:])
    return commands


def test_the_runbook_has_radforge_commands() -> None:
    assert ["secret", "rotate", "--new-secret", "/root/new-site.key"] in _runbook_commands()
    assert any(c[:2] == ["audit", "rotate-key"] for c in _runbook_commands())


@pytest.mark.parametrize("command", _runbook_commands(), ids=lambda c: " ".join(c))
def test_every_runbook_command_exists_with_its_options(command: list[str]) -> None:
    from radforge.cli import app

    path = [t for t in command if not t.startswith("-")]
    path = path[: next((i for i, t in enumerate(path) if "/" in t), len(path))]  # drop file arguments
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, (command, result.output)
    for option in (t for t in command if t.startswith("--")):
        assert option in result.output, (command, option)


def test_key_changes_only_through_the_supported_commands_in_both_documents() -> None:
    runbook, readme = RUNBOOK.read_text(), README.read_text()
    for doc in (runbook, readme):
        assert "radforge secret rotate" in doc and "radforge audit rotate-key" in doc
    manual = re.compile(r"site\.key\.old|new site home|copy the (old|new) key|cp [^\n]*\.key", re.IGNORECASE)
    assert not manual.search(runbook), manual.search(runbook)
    assert "Never change either file by hand" in runbook

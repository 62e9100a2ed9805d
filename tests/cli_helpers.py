"""Run the real console entry point (`radforge.cli.main`) in-process: exit code and what it printed."""

from __future__ import annotations

import sys

import pytest


def run_main(args: list[str], capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    from radforge.cli import main

    monkeypatch.setattr(sys, "argv", ["radforge", *args])
    capsys.readouterr()
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err

"""The CLI says what went wrong, through the real console entry point `radforge.cli.main`:

usage errors show the usage line and name the option (exit 2); known failures one clean line (exit 1);
internal errors their own code (70) and the RADFORGE_DEBUG hint; `[brackets]` survive in messages and help.
"""

from __future__ import annotations

import pytest
import typer
import typer.main
from cli_helpers import run_main

from radforge.cli import EXIT_FAILED, EXIT_INTERNAL, EXIT_USAGE, app
from radforge.errors import EgressBlocked


@pytest.mark.parametrize(("args", "option"), [
    (["ingest", "--bogus"], "--bogus"),  # unknown option
    (["synth"], "--out"),  # missing required option
    (["eval", "--limit", "0"], "--limit"),  # value out of range
    (["synth", "--out", "x", "--formats", "jsonl,xml"], "--formats"),  # not among the choices
    (["dataset", "snapshot", "--name", "s", "--split", "random"], "--split"),
    (["deid", "--in", "reports.jsonl"], "--out"),  # a check of the command itself
    (["deid", "eval", "--corpus", "synthetic", "--gold", "g.jsonl"], "--corpus"),
])
def test_a_usage_error_shows_usage_names_the_option_and_exits_2(args, option, site, capsys, monkeypatch) -> None:
    code, out, err = run_main(args, capsys, monkeypatch)
    assert code == EXIT_USAGE == 2, err
    assert "Usage: radforge" in err and option in err and "internal error" not in err, err
    assert "Traceback" not in err and out == ""


def test_a_known_failure_is_one_line_and_exit_1(site, tmp_path, capsys, monkeypatch) -> None:
    existing = tmp_path / "run.yaml"
    existing.write_text("# mine\n")
    code, _out, err = run_main(["train", "init-config", "--out", str(existing)], capsys, monkeypatch)
    assert code == EXIT_FAILED == 1
    assert err.startswith("error:") and len(err.strip().splitlines()) == 1 and "--force" in err, err
    assert existing.read_text() == "# mine\n"


def test_an_invalid_site_configuration_is_one_line_without_the_value(site, capsys, monkeypatch) -> None:
    monkeypatch.setenv("RADFORGE_PROCESS__THREADS", "many-threads-please")
    code, _out, err = run_main(["doctor"], capsys, monkeypatch)
    assert code == EXIT_FAILED
    assert len(err.strip().splitlines()) == 1 and "process.threads" in err and "many-threads" not in err, err


@pytest.fixture()
def extra_command():
    """Register a command on the real app for one test (typer builds the click tree at every call)."""
    added = []

    def add(name, fn):
        app.command(name)(fn)
        added.append(app.registered_commands[-1])

    yield add
    for info in added:
        app.registered_commands.remove(info)


def test_brackets_survive_in_an_error_message(site, extra_command, capsys, monkeypatch) -> None:
    def reach_out() -> None:
        raise EgressBlocked("judge.example.org", 443)

    extra_command("reach-out", reach_out)
    code, _out, err = run_main(["reach-out"], capsys, monkeypatch)
    assert code == EXIT_FAILED
    assert "[security].egress_allow" in err and len(err.strip().splitlines()) == 1, err


def test_an_internal_error_has_its_own_code_and_the_debug_hint(site, extra_command, capsys, monkeypatch) -> None:
    def broken() -> None:
        {}["missing"]  # noqa: B018 - a bug, on purpose

    extra_command("broken", broken)
    monkeypatch.delenv("RADFORGE_DEBUG", raising=False)
    code, _out, err = run_main(["broken"], capsys, monkeypatch)
    assert code == EXIT_INTERNAL == 70 and code not in (EXIT_FAILED, EXIT_USAGE)
    assert "internal error: KeyError" in err and "RADFORGE_DEBUG=1" in err and "Traceback" not in err, err
    assert "missing" not in err  # the type only: an exception's text could quote report text
    monkeypatch.setenv("RADFORGE_DEBUG", "1")
    with pytest.raises(KeyError):
        run_main(["broken"], capsys, monkeypatch)


@pytest.mark.parametrize(("args", "text"), [
    (["deid-zone", "--help"], "[deid].workers"),
    (["dataset", "snapshot", "--help"], "[warehouse].dedup_across_splits"),
    (["eval", "--help"], "[models].judge"),
])
def test_brackets_survive_in_help(args, text, capsys, monkeypatch) -> None:
    code, out, _err = run_main(args, capsys, monkeypatch)
    assert code == 0 and text in out, out


def _commands(cmd, path=()):
    """(path, click command) for every command of the tree, groups included, hidden ones skipped."""
    for name, sub in getattr(cmd, "commands", {}).items():
        if not sub.hidden:
            yield (*path, name), sub
            yield from _commands(sub, (*path, name))


def test_one_dataset_group_and_no_duplicate_listing(capsys, monkeypatch) -> None:
    tree = dict(_commands(typer.main.get_command(app)))
    assert {p[1] for p in tree if p[0] == "dataset" and len(p) == 2} >= {"snapshot", "list", "iu-xray"}
    assert ("datasets",) not in tree and ("warehouse", "snapshots") not in tree
    code, out, _ = run_main(["datasets", "iu-xray", "--help"], capsys, monkeypatch)  # the old name, hidden
    assert code == 0 and "--archive" in out


def test_every_command_that_reports_takes_json() -> None:
    groups_without_output = {("models",), ("audit",), ("dataset",), ("warehouse",), ("secret",)}
    for path, cmd in _commands(typer.main.get_command(app)):
        if path not in groups_without_output:
            assert "--json" in {o for p in cmd.params for o in getattr(p, "opts", [])}, path


@pytest.mark.parametrize(("args", "metavar"), [
    (["dataset", "snapshot"], "--split <patient|temporal>"),
    (["train"], "--launcher <local|torchrun|deepspeed|slurm>"),
    (["eval"], "--split <train|validation|test>"),
    (["eval"], "--rubric <mgh-0-10|chexprompt>"),
    (["eval", "judge-sanity"], "--rubric <mgh-0-10|chexprompt>"),
    (["deid"], "--mode <surrogate|tag>"),
])
def test_options_with_fixed_values_are_choices(args, metavar, capsys, monkeypatch) -> None:
    code, out, _ = run_main([*args, "--help"], capsys, monkeypatch)
    assert code == 0 and metavar in out, out


def test_shell_completion_is_on(capsys, monkeypatch) -> None:
    code, out, _ = run_main(["--help"], capsys, monkeypatch)
    assert code == 0 and "--install-completion" in out and "--show-completion" in out

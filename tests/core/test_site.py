"""Settings, secret and the init/doctor commands."""

from __future__ import annotations

import json
import os
import stat

import pytest
from typer.testing import CliRunner

from radforge.cli import app
from radforge.errors import UnsafePermissions
from radforge.secret import keyed_hash, read_secret
from radforge.settings import ZONES, get_settings

runner = CliRunner()


def test_init_creates_zones_secret_and_owner_only_phi_zones(tmp_path, monkeypatch):
    monkeypatch.setenv("RADFORGE_HOME", str(tmp_path / "h"))
    result = runner.invoke(app, ["init", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    s = get_settings()
    for zone in ZONES:
        assert s.zone(zone).is_dir()
    for zone in ("raw", "quarantine"):
        assert stat.S_IMODE(s.zone(zone).stat().st_mode) == 0o700
    assert stat.S_IMODE(s.secret_path.stat().st_mode) == 0o600
    assert info["secret_created"] is True
    secret_text = s.secret_path.read_text().strip()
    assert secret_text not in result.output
    again = runner.invoke(app, ["init", "--json"])
    assert json.loads(again.stdout)["secret_created"] is False


def test_group_readable_secret_is_refused(site):
    os.chmod(site.secret_path, 0o644)
    with pytest.raises(UnsafePermissions):
        read_secret(site.secret_path)


def test_env_overrides_site_file(site, monkeypatch):
    (site.root / "site.toml").write_text('[deid]\nworkers = 3\n[evaluation]\nbatch_size = 5\n')
    monkeypatch.setenv("RADFORGE_DEID__WORKERS", "7")
    s = get_settings()
    assert s.deid.workers == 7
    assert s.evaluation.batch_size == 5


def test_keyed_hash_stable_per_secret_and_different_across_secrets():
    a, b = b"a" * 32, b"b" * 32
    assert keyed_hash(a, "patient", "12345678") == keyed_hash(a, "patient", "12345678")
    assert keyed_hash(a, "patient", "12345678") != keyed_hash(b, "patient", "12345678")
    assert keyed_hash(a, "patient", "12345678") != keyed_hash(a, "report", "12345678")


def test_doctor_passes_on_a_fresh_site_and_fails_on_open_secret(site):
    result = runner.invoke(app, ["doctor", "--json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 0, [c for c in report["checks"] if not c["ok"]]
    os.chmod(site.secret_path, 0o640)
    result = runner.invoke(app, ["doctor", "--json"])
    assert result.exit_code == 1
    assert not json.loads(result.stdout)["ok"]


def test_help_lists_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for cmd in ("init", "doctor", "synth"):
        assert cmd in result.output

"""The secret and every PHI zone are created owner-only, and radforge refuses to start on a site where
they are group/world accessible, or where the secret file was swapped: one clear line naming the path."""

from __future__ import annotations

import json
import os
import stat

import pytest
from cli_helpers import run_main

from radforge.errors import SecretError, UnsafePermissions
from radforge.secret import SecretMismatch, fingerprint, read_secret
from radforge.site import STATE_FILE, init_site, preflight


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_creates_secret_phi_zones_and_landing_owner_only(site) -> None:
    assert _mode(site.secret_path) == 0o600 and _mode(site.secret_path.parent) == 0o700
    for zone in ("raw", "quarantine", "audit"):
        assert _mode(site.zone(zone)) == 0o700
    assert _mode(site.landing_path) == 0o700
    state = site.root / STATE_FILE
    assert _mode(state) == 0o600
    recorded = json.loads(state.read_text())["secret_fingerprint"]
    assert recorded == fingerprint(read_secret(site.secret_path))
    assert site.secret_path.read_text().strip() not in state.read_text()


def test_ingest_creates_owner_only_partitions_even_with_a_loose_umask(site, tmp_path) -> None:
    from warehouse.ingest import ingest_paths

    export = tmp_path / "e.jsonl"
    export.write_text(json.dumps({"id": "1", "accession": "A1", "mrn": "1", "text": "FINDINGS: x. IMPRESSION: y.",
                                  "exam_datetime": "2020-01-01T00:00:00", "version": 1}) + "\n")
    old = os.umask(0o000)
    try:
        ingest_paths([export], site)
    finally:
        os.umask(old)
    for zone in ("raw", "quarantine"):
        for p in site.zone(zone).rglob("*"):
            if p.is_dir():
                assert _mode(p) & 0o077 == 0, p


@pytest.mark.parametrize(("target", "mode"), [("secret", 0o644), ("secret", 0o640), ("secret_dir", 0o755),
                                              ("raw", 0o755), ("raw", 0o750), ("quarantine", 0o711)])
def test_cli_refuses_to_start_on_an_exposed_path(site, target, mode, capsys, monkeypatch) -> None:
    path = {"secret": site.secret_path, "secret_dir": site.secret_path.parent}.get(target) or site.zone(target)
    os.chmod(path, mode)
    for command in (["pairs", "--json"], ["ingest", str(site.root / "nothing.csv")], ["sql", "SELECT 1"],
                    ["deid-zone", "--json"], ["warehouse", "reconcile"]):
        code, out, err = run_main(command, capsys, monkeypatch)
        assert code == 1, (command, err)
        assert err.startswith("error:") and str(path) in err.replace("\n", "") and "Traceback" not in err
        assert "chmod" in err
    with pytest.raises(UnsafePermissions):
        preflight(site)
    os.chmod(path, 0o700 if path.is_dir() else 0o600)
    preflight(site)  # fixed: starts again


def test_inspection_commands_still_run_on_an_exposed_site(site, capsys, monkeypatch) -> None:
    os.chmod(site.zone("raw"), 0o755)
    code, out, _ = run_main(["doctor", "--json"], capsys, monkeypatch)
    assert code == 1 and not json.loads(out)["ok"]  # doctor reports it instead of refusing to run
    code, out, _ = run_main(["pairs", "--help"], capsys, monkeypatch)
    assert code == 0 and "Usage" in out


def test_airflow_tasks_refuse_to_start_on_an_exposed_site(site) -> None:
    from radforge.orchestration import task_settings

    task_settings()
    os.chmod(site.zone("quarantine"), 0o755)
    with pytest.raises(UnsafePermissions, match="quarantine"):
        task_settings()


def test_a_swapped_secret_is_detected_and_writes_are_refused(site, capsys, monkeypatch) -> None:
    from radforge.orchestration import task_settings

    original = site.secret_path.read_text()
    fd = os.open(site.secret_path, os.O_WRONLY | os.O_TRUNC)
    os.write(fd, (os.urandom(32).hex() + "\n").encode())
    os.close(fd)
    with pytest.raises(SecretMismatch, match="secret rotate"):
        task_settings()
    code, _, err = run_main(["ingest", str(site.root / "x.csv")], capsys, monkeypatch)
    assert code == 1 and "fingerprint" in err and "Traceback" not in err
    # deleting the secret and running init again is a swap too: init does not bless the new secret
    site.secret_path.unlink()
    init_site(site)
    with pytest.raises(SecretMismatch):
        preflight(site)
    site.secret_path.write_text(original)
    os.chmod(site.secret_path, 0o600)
    preflight(site)


def test_an_interrupted_rotation_blocks_start(site) -> None:
    journal = site.root / "rotation" / "journal.json"
    journal.parent.mkdir()
    journal.write_text("{}")
    with pytest.raises(SecretError, match="--recover"):
        preflight(site)

"""Secret rotation re-keys pseudonyms only through `radforge secret rotate`: explicit, audited, atomic.

Replacing the secret file by hand is detected (fingerprint) and refused; the migration re-derives
every key from the raw values under the new secret; a process killed mid-way leaves a journal the
preflight refuses to start on, and `--recover` brings back exactly the old state.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from shared_data import fresh_site

from radforge.secret import fingerprint, keyed_hash, read_secret

REPO = Path(__file__).resolve().parents[2]
RADFORGE = str(Path(sys.executable).with_name("radforge"))


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A site with ingested, de-identified reports and pairs (built once, copied per test)."""
    from sources.synth import write_corpus

    root = tmp_path_factory.mktemp("rotation")
    write_corpus(root / "export", reports=60, seed=31, formats=("jsonl",))
    with fresh_site(root / "site") as settings:
        from warehouse.deid_zone import run_deid_zone
        from warehouse.ingest import ingest_paths
        from warehouse.pairs import build_pairs

        ingest_paths([root / "export" / "reports.jsonl"], settings)
        run_deid_zone(settings, 1)
        build_pairs(settings)
    return root


@pytest.fixture
def rsite(template, tmp_path, monkeypatch):
    from radforge.settings import get_settings

    home = tmp_path / "site"
    shutil.copytree(template / "site", home, symlinks=True)
    monkeypatch.setenv("RADFORGE_HOME", str(home))
    monkeypatch.delenv("RADFORGE_CONFIG", raising=False)
    from warehouse.views import refresh_views

    settings = get_settings()
    refresh_views(settings)
    return settings


def _new_secret(tmp_path: Path, mode: int = 0o600) -> Path:
    path = tmp_path / "new.key"
    path.write_text(os.urandom(32).hex() + "\n")
    os.chmod(path, mode)
    return path


def _deid(settings) -> pl.DataFrame:
    files = sorted(settings.zone("deid").rglob("*.parquet"))
    return pl.concat([pl.read_parquet(f) for f in files]).sort("raw_row_id_hash")


def _tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _raw_mrns(settings) -> set[str]:
    files = sorted(settings.zone("raw").rglob("*.parquet"))
    return set(pl.concat([pl.read_parquet(f, columns=["mrn"]) for f in files])["mrn"].drop_nulls().to_list())


def _run(settings, args: list[str], **env: str) -> subprocess.CompletedProcess:
    e = {**os.environ, "RADFORGE_HOME": str(settings.root), "PYTHONPATH": str(REPO), **env}
    return subprocess.run([RADFORGE, *args], env=e, capture_output=True, text=True, timeout=600)


def test_rotation_rekeys_every_pseudonym_and_is_audited(rsite, tmp_path) -> None:
    from deid.quarantine import write_quarantine
    from radforge.audit import AuditTrail
    from warehouse.reconcile import reconcile

    old_secret = read_secret(rsite.secret_path)
    before = _deid(rsite)
    # a raw-text copy kept for review (quarantine/deid-review/) holds a report key under the old secret
    review = write_quarantine(rsite, tmp_path / "batch=gone", [{"row_id": "r1", "report_key": "old-key",
                                                               "reason": "empty_text", "text": ""}])
    new_file = _new_secret(tmp_path)
    new_secret_text = new_file.read_text().strip()
    p = _run(rsite, ["secret", "rotate", "--new-secret", str(new_file), "--json"])
    assert p.returncode == 0, p.stderr[-3000:]
    result = json.loads(p.stdout)
    new_secret = read_secret(rsite.secret_path)
    assert fingerprint(new_secret) == result["new_fingerprint"] != result["old_fingerprint"] == fingerprint(old_secret)
    after = _deid(rsite)
    assert after.height == before.height == result["deid_rows_retired"]
    mrns = _raw_mrns(rsite)
    assert set(after["patient_key"].drop_nulls()) == {keyed_hash(new_secret, "patient", m) for m in mrns}
    assert not set(after["patient_key"]) & set(before["patient_key"])  # every key changed
    assert not set(after["report_key"]) & set(before["report_key"])
    assert not set(after["accession_key"]) & set(before["accession_key"])
    assert not review.exists()  # retired with the de-id quarantine; the rebuild writes what is still quarantined
    pairs = pl.read_parquet(rsite.zone("pairs") / "pairs.parquet")
    assert set(pairs["patient_key"]) <= set(after["patient_key"])
    assert reconcile(rsite).ok
    records = [r for r in AuditTrail.for_settings(rsite).records() if r.get("kind") == "secret.rotation"]
    assert len(records) == 1 and records[0]["new_fingerprint"] == result["new_fingerprint"]
    trail = (rsite.zone("audit") / "trail.jsonl").read_text() + p.stdout + p.stderr
    assert new_secret_text not in trail and old_secret.hex() not in trail
    assert AuditTrail.for_settings(rsite).verify().ok
    assert not (rsite.root / "rotation" / "journal.json").exists()
    assert not (rsite.root / "rotation" / "old.key").exists()
    # the site now runs on the new secret; putting the old file back is a swap, refused
    assert _run(rsite, ["warehouse", "reconcile", "--json"]).returncode == 0
    rsite.secret_path.write_text(old_secret.hex() + "\n")
    p = _run(rsite, ["pairs"])
    assert p.returncode == 1 and "fingerprint" in p.stderr and "Traceback" not in p.stderr


@pytest.mark.parametrize("point", ["rotation:after_move", "rotation:after_secret", "rotation:before_commit"])
def test_a_rotation_killed_midway_recovers_the_old_state(rsite, tmp_path, point) -> None:
    from radforge.catalog import reader

    before_zone = _tree_digest(rsite.zone("deid"))
    before_pairs = _tree_digest(rsite.zone("pairs"))
    old_fp = fingerprint(read_secret(rsite.secret_path))
    with reader(rsite) as con:
        partitions = con.execute("SELECT count(*) FROM partitions").fetchone()[0]
    p = _run(rsite, ["secret", "rotate", "--new-secret", str(_new_secret(tmp_path))], RADFORGE_CRASH_AT=point)
    assert p.returncode != 0  # killed
    blocked = _run(rsite, ["pairs"])
    assert blocked.returncode == 1 and "--recover" in blocked.stderr
    p = _run(rsite, ["secret", "rotate", "--recover", "--json"])
    assert p.returncode == 0, p.stderr[-3000:]
    assert json.loads(p.stdout)["recovered"] == "rolled_back"
    assert fingerprint(read_secret(rsite.secret_path)) == old_fp
    assert _tree_digest(rsite.zone("deid")) == before_zone and _tree_digest(rsite.zone("pairs")) == before_pairs
    with reader(rsite) as con:
        assert con.execute("SELECT count(*) FROM partitions").fetchone()[0] == partitions
    assert not (rsite.root / "rotation" / "old.key").exists()
    ok = _run(rsite, ["sql", "SELECT count(*) AS n FROM deid_reports", "--json"])
    assert ok.returncode == 0 and json.loads(ok.stdout)[0]["n"] == _deid(rsite).height


def test_rotation_refuses_unsafe_or_pointless_secrets(rsite, tmp_path) -> None:
    p = _run(rsite, ["secret", "rotate", "--new-secret", str(_new_secret(tmp_path, 0o644))])
    assert p.returncode == 1 and "owner-only" in p.stderr
    same = tmp_path / "same.key"
    shutil.copyfile(rsite.secret_path, same)
    os.chmod(same, 0o600)
    p = _run(rsite, ["secret", "rotate", "--new-secret", str(same)])
    assert p.returncode == 1 and "nothing to rotate" in p.stderr
    # a hand-swapped secret cannot be laundered through a rotation
    rsite.secret_path.write_text(os.urandom(32).hex() + "\n")
    p = _run(rsite, ["secret", "rotate", "--new-secret", str(_new_secret(tmp_path))])
    assert p.returncode == 1 and "recorded" in p.stderr and "Traceback" not in p.stderr


def test_a_rotation_killed_after_its_commit_is_finished_by_recover(rsite, tmp_path) -> None:
    before = _deid(rsite)
    p = _run(rsite, ["secret", "rotate", "--new-secret", str(_new_secret(tmp_path))],
             RADFORGE_CRASH_AT="rotation:after_commit")
    assert p.returncode != 0
    p = _run(rsite, ["secret", "rotate", "--recover", "--json"])
    assert p.returncode == 0, p.stderr[-3000:]
    result = json.loads(p.stdout)
    assert result["recovered"] == "finished"
    new_secret = read_secret(rsite.secret_path)
    assert fingerprint(new_secret) == result["new_fingerprint"]
    assert not (rsite.root / "rotation" / "old.key").exists()
    p = _run(rsite, ["deid-zone", "--json"])  # the rebuild the crash cut short
    assert p.returncode == 0, p.stderr[-3000:]
    after = _deid(rsite)
    assert after.height == before.height
    assert set(after["patient_key"].drop_nulls()) == {keyed_hash(new_secret, "patient", m) for m in _raw_mrns(rsite)}

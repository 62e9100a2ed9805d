"""An audit trail only the audit key holder can extend (#20): an insider who can write `audit/` but has no
audit key cannot rewrite and re-chain it; the key is not the data secret, rotates through a signed record,
and the monthly anchors the compliance officer keeps off the server catch even a rewrite with the key.

Every attack here edits the real files on disk exactly as an insider with a shell would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import run_main

from radforge.audit import GENESIS, SEAL, AuditTrail, canonical, record_hash
from radforge.audit_keys import AuditKeyError, record_mac
from radforge.errors import SecretError
from radforge.secret import audit_key_fingerprint, read_key_file

REPO = Path(__file__).resolve().parents[2]


def _fill(trail: AuditTrail, n: int = 6) -> None:
    trail.append_many([{"kind": "deid.report", "report_key": f"k{i}", "counts": {"PERSON": i},
                        "disposition": "written", "engine_version": "e1", "config_hash": "c1"} for i in range(n)])


def _records(trail: AuditTrail) -> list[dict]:
    return [json.loads(line) for line in trail.path.read_text().splitlines()]


def _write(trail: AuditTrail, records: list[dict], head: dict) -> None:
    trail.path.write_text("".join(canonical(r).decode() + "\n" for r in records))
    trail.head_path.write_text(json.dumps(head))


def _rechain_plain(records: list[dict]) -> dict:
    """The insider's rewrite: recompute every record's hash and the chain with the old scheme (plain
    SHA-256 of the canonical record without `hash`), and return the matching head."""
    prev = GENESIS
    for rec in records:
        rec["prev_hash"] = prev
        rec["hash"] = record_hash(rec)
        prev = rec["hash"]
    return {"seq": records[-1]["seq"] if records else -1, "hash": prev}


@pytest.fixture
def trail(site) -> AuditTrail:
    t = AuditTrail.for_settings(site)
    _fill(t)
    assert t.verify().ok
    return t


def test_init_creates_an_audit_key_apart_from_the_data_secret(site) -> None:
    key_path = site.audit_key_path
    assert key_path != site.secret_path and key_path.exists()
    assert oct(key_path.stat().st_mode & 0o777) == "0o600"
    key = read_key_file(key_path, "audit key")
    assert key != site.secret()
    from radforge.doctor import doctor
    from radforge.site import init_site

    again = init_site(site)  # idempotent: the key is kept
    assert again["audit_key_created"] is False and again["audit_key_fingerprint"] == audit_key_fingerprint(key)
    check = next(c for c in doctor(site) if c.name == "audit key")
    assert check.ok and audit_key_fingerprint(key) in check.detail


def test_every_record_carries_the_key_fingerprint_and_a_mac(trail, site) -> None:
    key = read_key_file(site.audit_key_path, "audit key")
    for rec in _records(trail):
        assert rec["key_fp"] == audit_key_fingerprint(key)
        body = canonical({k: v for k, v in rec.items() if k != "hash"})
        assert rec["hash"] == record_mac(key, body) != record_hash(rec)
    assert key.hex() not in trail.path.read_text() + trail.head_path.read_text()


@pytest.mark.parametrize("disguise", ["keep_fields", "as_legacy_trail"])
def test_a_trail_rewritten_and_rechained_with_plain_sha256_fails_verify(trail, site, disguise, capsys,
                                                                        monkeypatch) -> None:
    """The acceptance test of #20: every record rewritten and re-chained, head recomputed, without the key."""
    records = _records(trail)
    records[2]["disposition"] = "quarantined"  # the change the insider wanted
    records[2]["counts"] = {"PERSON": 0}
    if disguise == "as_legacy_trail":  # pretend the trail predates audit keys: no key_fp anywhere, no seal
        for rec in records:
            rec.pop("key_fp")
    head = _rechain_plain(records)
    _write(trail, records, head)
    result = trail.verify()
    assert not result.ok, result.as_dict()
    if disguise == "keep_fields":
        assert result.first_bad_seq == 0 and "without the audit key" in result.problem
    else:
        assert "no record is signed with the audit key" in result.problem
    code, out, err = run_main(["audit", "verify"], capsys, monkeypatch)
    assert code == 1 and "BROKEN" in err, (out, err)


def test_a_rewritten_head_or_a_truncated_tail_with_a_forged_head_fails(trail) -> None:
    records = _records(trail)
    _write(trail, records[:4], {"seq": 3, "hash": records[3]["hash"]})  # cut two records, head "fixed" to match
    result = trail.verify()
    assert not result.ok and "trail.head is not signed" in result.problem


def test_a_legacy_trail_is_sealed_not_rewritten_and_its_prefix_is_then_frozen(site) -> None:
    """Migration: a trail written before audit keys keeps its plain-hash records; the first keyed append seals
    them with a signed record that chains to the last one and counts them."""
    trail = AuditTrail.for_settings(site)
    legacy = [{"kind": "deid.report", "report_key": f"old{i}", "seq": i, "ts": f"2026-10-0{i + 1}T00:00:00+00:00"}
              for i in range(4)]
    head = _rechain_plain(legacy)
    _write(trail, legacy, head)
    before = trail.path.read_text()
    assert not trail.verify().ok  # unsealed: nothing in it is signed
    trail.append({"kind": "note", "n": 1})
    assert trail.path.read_text().startswith(before)  # the legacy records stay byte for byte
    records = _records(trail)
    assert records[4]["kind"] == SEAL and records[4]["legacy_records"] == 4
    assert records[4]["legacy_last_hash"] == legacy[-1]["hash"] and "key_fp" in records[5]
    result = trail.verify()
    assert result.ok and result.legacy_records == 4 and result.records == 6, result.as_dict()
    # the insider now rewrites a legacy record and re-chains the legacy part: the seal's MAC covers the chain
    records[1]["report_key"] = "forged"
    _rechain_plain(records[:4])
    _write(trail, records, json.loads(trail.head_path.read_text()))
    bad = trail.verify()
    assert not bad.ok and bad.first_bad_seq == 4, bad.as_dict()


def test_init_seals_a_legacy_trail_at_once(site) -> None:
    from radforge.site import init_site

    trail = AuditTrail.for_settings(site)
    legacy = [{"kind": "note", "seq": i, "ts": "2026-10-01T00:00:00+00:00"} for i in range(3)]
    _write(trail, legacy, _rechain_plain(legacy))
    assert init_site(site)["audit_legacy_records_sealed"] == 3
    assert trail.verify().ok and trail.verify().legacy_records == 3
    assert init_site(site)["audit_legacy_records_sealed"] == 0


def test_an_unsigned_record_appended_after_signed_ones_fails(trail) -> None:
    records = _records(trail)
    extra = {"kind": "note", "seq": len(records), "ts": records[-1]["ts"], "prev_hash": records[-1]["hash"]}
    extra["hash"] = record_hash(extra)
    _write(trail, [*records, extra], json.loads(trail.head_path.read_text()))
    result = trail.verify()
    assert not result.ok and result.first_bad_seq == len(records) and "not signed" in result.problem


def test_rotation_signs_the_handover_and_keeps_old_records_verifiable(trail, site, capsys, monkeypatch) -> None:
    old_key = read_key_file(site.audit_key_path, "audit key")
    code, out, err = run_main(["audit", "rotate-key", "--json"], capsys, monkeypatch)
    assert code == 0, err
    rotation = json.loads(out.strip().splitlines()[-1])
    new_key = read_key_file(site.audit_key_path, "audit key")
    assert rotation["old_key_fp"] == audit_key_fingerprint(old_key) != rotation["new_key_fp"]
    assert rotation["new_key_fp"] == audit_key_fingerprint(new_key)
    trail.append({"kind": "note", "after": True})
    records = _records(trail)
    rot = records[rotation["rotation_seq"]]
    assert rot["kind"] == "audit.key_rotation" and rot["key_fp"] == rotation["old_key_fp"]
    assert rot["new_key_fp"] == rotation["new_key_fp"] and records[-1]["key_fp"] == rotation["new_key_fp"]
    result = trail.verify()
    assert result.ok and result.key_fingerprints == [rotation["old_key_fp"], rotation["new_key_fp"]]
    # someone holding only the OLD key (leaked, hence rotated) appends a record: refused by the chain
    forged = {"kind": "note", "seq": len(records), "ts": records[-1]["ts"], "prev_hash": records[-1]["hash"],
              "key_fp": rotation["old_key_fp"]}
    forged["hash"] = record_mac(old_key, canonical(forged))
    _write(trail, [*records, forged], json.loads(trail.head_path.read_text()))
    bad = trail.verify()
    assert not bad.ok and "chain expects key" in bad.problem
    _write(trail, records, json.loads(trail.head_path.read_text()))
    # the old key is needed to verify the records it signed: losing it is named, not ignored
    (trail.keyring.folder / f"{rotation['old_key_fp']}.key").unlink()
    lost = AuditTrail.for_settings(site).verify()
    assert not lost.ok and rotation["old_key_fp"] in lost.problem and "key escrow" in lost.problem


def test_a_rotation_killed_before_the_key_file_swap_is_finished_by_the_next_append(trail, site) -> None:
    env = {**os.environ, "RADFORGE_HOME": str(site.root), "RADFORGE_CRASH_AT": "audit:rotation_before_install",
           "RADFORGE_CRASH_SKIP": "0", "PYTHONPATH": str(REPO)}
    code = "from radforge.audit import AuditTrail; AuditTrail.for_settings().rotate_key()"
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    rotation = _records(trail)[-1]
    assert audit_key_fingerprint(read_key_file(site.audit_key_path, "audit key")) == rotation["key_fp"]  # not swapped
    assert trail.verify().ok
    AuditTrail.for_settings(site).append({"kind": "note", "after": "crash"})
    assert audit_key_fingerprint(read_key_file(site.audit_key_path, "audit key")) == rotation["new_key_fp"]
    assert _records(trail)[-1]["key_fp"] == rotation["new_key_fp"] and trail.verify().ok


def test_a_swapped_audit_key_file_is_refused_with_one_clear_line(trail, site, capsys, monkeypatch) -> None:
    os.unlink(site.audit_key_path)
    fd = os.open(site.audit_key_path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, os.urandom(32).hex().encode() + b"\n")
    os.close(fd)
    with pytest.raises(AuditKeyError, match="rotate-key"):
        AuditTrail.for_settings(site).append({"kind": "note"})
    from radforge.doctor import doctor

    assert not next(c for c in doctor(site) if c.name == "audit key").ok
    code, out, err = run_main(["audit", "rotate-key"], capsys, monkeypatch)
    assert code == 1 and err.startswith("error:") and "key escrow" in err and "Traceback" not in err


def test_a_deleted_audit_key_is_put_back_from_the_keyring_by_init(trail, site) -> None:
    from radforge.site import init_site

    fp = _records(trail)[-1]["key_fp"]
    site.audit_key_path.unlink()
    with pytest.raises(SecretError, match="run `radforge init`"):
        AuditTrail.for_settings(site).append({"kind": "note"})
    result = init_site(site)
    assert result["audit_key_created"] is False and result["audit_key_fingerprint"] == fp
    AuditTrail.for_settings(site).append({"kind": "note"})
    assert trail.verify().ok


def test_an_exposed_audit_key_stops_every_data_command(site, capsys, monkeypatch) -> None:
    os.chmod(site.audit_key_path, 0o644)
    code, out, err = run_main(["warehouse", "reconcile"], capsys, monkeypatch)
    assert code == 1 and str(site.audit_key_path) in err.replace("\n", "")


def test_anchors_from_the_monthly_report_are_checked_by_verify(trail, site, tmp_path, capsys, monkeypatch) -> None:
    from radforge.audit import write_month_report

    month = _records(trail)[-1]["ts"][:7]
    paths = write_month_report(trail, month, tmp_path / "report")
    anchor = trail.anchor(month)
    assert anchor.count == 6 and anchor.last_hash == _records(trail)[-1]["hash"]
    assert anchor.text in paths["html"].read_text() and anchor.text in paths["csv"].read_text()
    code, out, err = run_main(["audit", "verify", "--anchor", anchor.text, "--json"], capsys, monkeypatch)
    assert code == 0 and json.loads(out.strip().splitlines()[-1])["anchors_checked"] == 1, err
    wrong = f"{month}:{'ab' * 32}:6"
    code, out, err = run_main(["audit", "verify", "--anchor", wrong], capsys, monkeypatch)
    assert code == 1 and f"anchor {month} does not match record 5" in err
    anchors = tmp_path / "anchors.txt"
    anchors.write_text(f"# kept by the compliance officer\n{anchor.text}  # {month}\n\n")
    code, out, err = run_main(["audit", "verify", "--anchors", str(anchors)], capsys, monkeypatch)
    assert code == 0 and "1 anchors match" in out, err
    code, out, err = run_main(["audit", "verify", "--anchor", "2026-11:nothex:3"], capsys, monkeypatch)
    assert code == 1 and "YYYY-MM:<64 hex hash>:<record count>" in err


def test_an_anchor_catches_a_rewrite_by_the_key_holder(trail, site) -> None:
    """The key cannot protect against its holder; the anchor kept off the server does."""
    from radforge.audit_keys import head_mac

    anchor = trail.anchor(_records(trail)[-1]["ts"][:7])
    key = read_key_file(site.audit_key_path, "audit key")
    records = _records(trail)
    records[1]["disposition"] = "quarantined"
    prev = GENESIS
    for rec in records:  # re-MAC every record with the real key
        rec["prev_hash"] = prev
        rec["hash"] = record_mac(key, canonical({k: v for k, v in rec.items() if k != "hash"}))
        prev = rec["hash"]
    _write(trail, records, {"seq": 5, "hash": prev, "key_fp": records[0]["key_fp"], "mac": head_mac(key, 5, prev)})
    assert trail.verify().ok  # nothing on the server can tell
    caught = trail.verify([anchor])
    assert not caught.ok and "does not match record 5" in caught.problem


def test_an_anchor_catches_a_deleted_tail_with_an_older_signed_head_put_back(trail) -> None:
    old_head = trail.head_path.read_text()  # a genuine signed head, copied when the trail had 6 records
    _fill(trail, 2)
    anchor = trail.anchor(_records(trail)[-1]["ts"][:7])
    assert anchor.count == 8
    _write(trail, _records(trail)[:6], {})
    trail.head_path.write_text(old_head)
    assert trail.verify().ok  # a replayed head is genuine
    cut = trail.verify([anchor])
    assert not cut.ok and "records deleted" in cut.problem and cut.first_bad_seq == 6

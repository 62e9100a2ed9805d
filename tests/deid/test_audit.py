"""The keyed audit trail: appends chain, verify catches edit, deletion, reordering, truncation."""

import json
import multiprocessing as mp
from pathlib import Path

import pytest
from typer.testing import CliRunner

from radforge.audit import AuditTrail, month_summary, write_month_report
from radforge.audit_keys import AuditKeyring, create_audit_key


def _keys(tmp_path: Path) -> AuditKeyring:
    create_audit_key(tmp_path / "secret" / "audit.key")
    return AuditKeyring(tmp_path / "secret" / "audit.key")


def _trail(tmp_path: Path, n: int = 5) -> AuditTrail:
    trail = AuditTrail(tmp_path / "audit", _keys(tmp_path))
    trail.append_many([{"kind": "deid.report", "report_key": f"k{i}", "counts": {"PERSON": i},
                        "disposition": "written", "residual": [], "engine_version": "e1", "config_hash": "c1"}
                       for i in range(n)])
    return trail


def _lines(trail: AuditTrail) -> list[str]:
    return trail.path.read_text().splitlines(keepends=True)


def test_appended_records_chain_and_verify(tmp_path):
    trail = _trail(tmp_path)
    trail.append({"kind": "note", "count": 1})
    records = list(trail.records())
    assert [r["seq"] for r in records] == list(range(6))
    assert all(r["prev_hash"] == p["hash"] for p, r in zip(records, records[1:], strict=False))
    assert trail.verify().ok and trail.verify().records == 6


@pytest.mark.parametrize("attack", ["edit", "delete", "reorder", "truncate", "edit_hash_too"])
def test_tampering_is_detected_and_named(tmp_path, attack):
    trail = _trail(tmp_path)
    lines = _lines(trail)
    if attack == "edit":
        rec = json.loads(lines[2])
        rec["counts"]["PERSON"] = 99
        lines[2] = json.dumps(rec, sort_keys=True, separators=(",", ":")) + "\n"
        expected = 2
    elif attack == "edit_hash_too":  # a forger who recomputes the record's own (plain) hash: its MAC fails
        from radforge.audit import record_hash

        rec = json.loads(lines[1])
        rec["disposition"] = "quarantined"
        rec["hash"] = record_hash(rec)
        lines[1] = json.dumps(rec, sort_keys=True, separators=(",", ":")) + "\n"
        expected = 1
    elif attack == "delete":
        del lines[3]
        expected = 3
    elif attack == "reorder":
        lines[1], lines[2] = lines[2], lines[1]
        expected = 1
    else:
        lines = lines[:-2]
        expected = 3
    trail.path.write_text("".join(lines))
    result = trail.verify()
    assert not result.ok
    assert result.first_bad_seq == expected


def _append_from_process(folder: str, key: str, who: int) -> None:
    trail = AuditTrail(Path(folder), AuditKeyring(Path(key)))
    for i in range(20):
        trail.append({"kind": "note", "who": who, "i": i})


def test_two_processes_append_safely(tmp_path):
    folder = tmp_path / "audit"
    keys = _keys(tmp_path)
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_append_from_process, args=(str(folder), str(keys.key_path), w)) for w in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    trail = AuditTrail(folder, keys)
    result = trail.verify()
    assert result.ok and result.records == 40


def test_month_report_writes_html_and_csv(tmp_path):
    trail = _trail(tmp_path)
    month = next(trail.records())["ts"][:7]
    paths = write_month_report(trail, month, tmp_path / "out")
    assert paths["html"].name == f"audit-{month}.html" and paths["csv"].name == f"audit-{month}.csv"
    assert "Entities removed" in paths["html"].read_text()
    summary = month_summary(trail, month)
    assert summary["reports"] == 5 and summary["entities"]["PERSON"] == sum(range(5))


def test_a_partition_redone_after_a_crash_is_counted_once(tmp_path):
    """Regression (#13 chaos): a de-id partition killed and redone appends its records again; the chain keeps
    them, the month's volumes and entity counts do not double, and the repeat is reported."""
    trail = _trail(tmp_path, n=3)
    redo = [{k: v for k, v in r.items() if k not in ("seq", "hash", "prev_hash", "ts")} for r in trail.records()]
    trail.append_many(redo[:2])
    trail.append({**redo[2], "config_hash": "c2"})  # a new engine configuration is a new de-identification
    month = next(trail.records())["ts"][:7]
    summary = month_summary(trail, month)
    assert summary["records"] == 6 and trail.verify().ok
    assert summary["reports"] == 4 and summary["repeated_reports"] == 2
    assert summary["entities"]["PERSON"] == 0 + 1 + 2 + 2


def test_cli_verify_exit_codes_and_report(deid_env, tmp_path):
    from radforge.cli import app

    trail = AuditTrail(deid_env / "audit", AuditKeyring(deid_env / "secret" / "audit.key"))
    trail.append({"kind": "note", "count": 1})
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output.strip().splitlines()[-1])["ok"] is True
    month = list(trail.records())[-1]["ts"][:7]
    rep = runner.invoke(app, ["audit", "report", "--month", month, "--out", str(tmp_path / "rep")])
    assert rep.exit_code == 0 and (tmp_path / "rep" / f"audit-{month}.csv").exists()
    original = trail.path.read_text()
    lines = original.splitlines(keepends=True)
    lines[0] = lines[0].replace('"seq":0', '"seq":12345')
    trail.path.write_text("".join(lines))
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code != 0
    assert "record 0" in bad.output
    trail.path.write_text(original)  # restore for the other tests
    assert trail.verify().ok

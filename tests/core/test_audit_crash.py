"""The audit trail after a real SIGKILL inside an append (found by bench/chaos.py).

Before the fix, a kill between the record write and the head update made `verify` report a
truncation, and a kill in the middle of the write left a torn last line on which every later
append failed ("ends with a damaged record"): the de-id zone could not resume.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from radforge.audit import AuditTrail
from radforge.audit_keys import AuditKeyring, create_audit_key

REPO = Path(__file__).resolve().parents[2]
APPEND = ("import sys; from pathlib import Path; from radforge.audit import AuditTrail; "
          "from radforge.audit_keys import AuditKeyring; "
          "AuditTrail(Path(sys.argv[1]), AuditKeyring(Path(sys.argv[1]).parent / 'secret' / 'audit.key'))"
          ".append_many([{'kind': 'note', 'i': i} for i in range(40)])")


def _keys(folder: Path) -> AuditKeyring:
    """The audit key beside the trail's folder (where APPEND looks for it)."""
    path = folder.parent / "secret" / "audit.key"
    create_audit_key(path)
    return AuditKeyring(path)


def _seed(folder: Path, n: int = 3) -> AuditTrail:
    trail = AuditTrail(folder, _keys(folder))
    for i in range(n):
        trail.append({"kind": "note", "i": i})
    return trail


def _killed_append(folder: Path, point: str) -> None:
    env = {**os.environ, "RADFORGE_CRASH_AT": point, "RADFORGE_CRASH_SKIP": "0", "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", APPEND, str(folder)], env=env, capture_output=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]


@pytest.mark.parametrize("point", ["audit:torn_append", "audit:mid_append"])
def test_killed_append_leaves_a_verifiable_chain_and_the_next_append_works(tmp_path, point):
    trail = _seed(tmp_path / "audit")
    _killed_append(trail.folder, point)
    raw = trail.path.read_bytes()
    if point == "audit:torn_append":
        assert not raw.endswith(b"\n")  # a torn record really is on disk
    else:
        assert json.loads(trail.head_path.read_text())["seq"] == 2  # head not moved past the 40 new records
    after_kill = trail.verify()
    assert after_kill.ok and after_kill.note, after_kill.as_dict()

    trail.append({"kind": "note", "i": "after"})  # resumes instead of raising AuditError
    result = trail.verify()
    assert result.ok and result.note is None, result.as_dict()
    records = list(trail.records())
    assert records[-1]["i"] == "after" and [r["seq"] for r in records] == list(range(len(records)))
    if point == "audit:torn_append":  # whole records of the torn write stay (chained); the cut one is dropped
        assert 4 < len(records) < 44
    else:
        assert len(records) == 44


def test_a_killed_first_append_still_verifies(tmp_path):
    folder = tmp_path / "audit"
    keys = _keys(folder)
    _killed_append(folder, "audit:mid_append")
    trail = AuditTrail(folder, keys)
    head = json.loads(trail.head_path.read_text())
    assert (head["seq"], head["hash"]) == (-1, "0" * 64) and head["mac"]  # the new trail's head, signed
    assert trail.verify().ok and trail.verify().records == 40


def test_truncation_and_a_torn_middle_record_are_still_tampering(tmp_path):
    trail = _seed(tmp_path / "audit", 5)
    lines = trail.path.read_text().splitlines(keepends=True)
    trail.path.write_text("".join(lines[:3]))  # head says 4, file ends at 2
    assert not trail.verify().ok
    trail.path.write_text("".join(lines[:2]) + lines[2][:20] + "".join(lines[3:]))  # damage inside the file
    bad = trail.verify()
    assert not bad.ok and bad.first_bad_seq == 2

"""A small seeded sample of `make chaos` in `make test`: a few real SIGKILLs in each of the four stages.

Runs bench/chaos.py as `make chaos` does (subprocesses killed at named crash points and by timers,
resumed each time) on a tiny corpus, and asserts the invariants of issue #13 part 1 from its JSON
line: kills really happened in every stage, nothing lost or duplicated against the uninterrupted
site, no partial file visible, reconciliation, catalog and audit chain hold, training reached the
planned step count and its step record holds each step once, none past the end, no example twice.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_chaos_sample_keeps_every_invariant(tmp_path):
    cmd = [sys.executable, str(REPO / "bench" / "chaos.py"), "--seed", "5", "--reports", "24", "--kills", "6",
           "--train-steps", "3", "--checkpoint-every", "1", "--no-train-reference", "--home", str(tmp_path / "chaos")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RADFORGE_")}
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=REPO, check=False)
    lines = proc.stdout.strip().splitlines()
    assert lines and lines[-1].startswith("{"), proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(lines[-1])
    detail = "\n".join(lines[-25:])
    assert result["stages"] == 4 and all(n >= 1 for n in result["kills_by_stage"].values()), detail
    assert result["kills"] >= 5, detail
    assert result["rows_lost"] == 0 and result["rows_duplicated"] == 0, detail
    assert sum(result["rows_compared"].values()) > 0 and result["rows_compared"]["snapshot"] > 0, detail
    assert result["partial_files"] == 0 and result["audit_ok"] is True, detail
    assert result["reconcile_ok"] and result["catalog_ok"] and result["resume_failures"] == 0, detail
    assert result["train_steps_reached"] == result["train_steps_expected"] == 3, detail
    # one kill after the final checkpoint, before the run is marked completed: the resume that used to
    # train a step past the end (issue #20); the step record shows each step once, none past the end
    assert result["kill_points"].get("train:after_final_checkpoint") == 1, detail
    assert result["train_step_record_ok"] is True and result["train_steps_past_end"] == 0, detail
    assert result["ok"] is True and proc.returncode == 0, detail

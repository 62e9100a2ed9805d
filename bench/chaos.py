"""`make chaos`: SIGKILL every stage of the pipeline at many seeded points, resume, and measure what survived.

Two sites share one secret (so keyed hashes match): a reference site runs ingest, de-id zone,
pairs + snapshot and a LoRA training run on the synthetic corpus without interruption, tracing
the named crash points it passes (`RADFORGE_CRASH_TRACE`, see warehouse/faults.py). The chaos
site runs the same commands in subprocesses and kills them over and over: half of the kills at a
named crash point (`RADFORGE_CRASH_AT` + `RADFORGE_CRASH_SKIP`: mid Parquet write, before a DuckDB
COMMIT, inside an audit append, mid checkpoint save ...), the rest with a timer (`SIGKILL` after a
seeded random delay: truly random points). After each kill it checks what a reader could see
(partial files, the audit chain) and resumes the command the way an operator would (re-run it;
`radforge train --resume RUN_ID`). At the end it compares the two sites: multisets of keyed
hashes in the raw, quarantine, de-identified, pairs and snapshot zones, reconciliation, every
Parquet file a reader can reach, the catalog rows, the audit chain, the training step count and
the run's step record (training/steplog.py): steps 1..N each once, none past the end in any
session, no example twice, every checkpoint's record a prefix of the final one, the same examples
at every step as the uninterrupted run. One training kill always lands after the final checkpoint
(`train:after_final_checkpoint`), where a resume used to train one step past the end.

Last line: one JSON object (kills, stages, rows_lost, rows_duplicated, partial_files, audit_ok, ...).
Example: .venv/bin/python bench/chaos.py --seed 7 --kills 60 --reports 300
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# Without a reference training run (--no-train-reference): kills aimed at step ends and early passes.
TRAIN_GUESS: dict[str, Any] = {"passes": [], "t0": 0.0, "seconds": 15.0}
STAGES = ("ingest", "deid", "pairs_snapshot", "train")
WEIGHTS = {"ingest": 0.3, "deid": 0.3, "pairs_snapshot": 0.15, "train": 0.25}
SNAPSHOT = "chaos"
ATTEMPT_TIMEOUT_S = 600


def say(msg: str) -> None:
    print(msg, flush=True)


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "radforge.cli", *args]


# --- the tiny model (the same one the tests use, cached in the same place) ----------------------------------
def tiny_llama() -> Path:
    """A tiny random Llama with SmolLM2's real tokenizer: a training step takes milliseconds."""
    from radforge.models import prepare_tiny_llama

    cache = Path(os.environ.get("RADFORGE_TEST_CACHE", REPO / ".venv" / ".test-cache"))
    return prepare_tiny_llama(cache / "tiny-llama")


# --- one site -------------------------------------------------------------------------------------------
class Site:
    def __init__(self, home: Path, work: Path, chunk_rows: int) -> None:
        self.home, self.work, self.chunk_rows = home, work, chunk_rows
        self.work.mkdir(parents=True, exist_ok=True)
        self.attempts = 0

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RADFORGE_CRASH")}
        env.update(RADFORGE_HOME=str(self.home), RADFORGE_WAREHOUSE__CHUNK_ROWS=str(self.chunk_rows),
                   PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
                   HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", RADFORGE_DEID__WORKERS="1")
        env.pop("RADFORGE_CONFIG", None)
        env.update(extra)
        return env

    def run(self, cmd: list[str], kill: tuple | None = None) -> dict[str, Any]:
        """Run one command; `kill` = ("point", name, skip) | ("timer", passes, seconds) | None.

        A timer kill waits until the process has logged `passes` crash-point passes of its own, then
        sleeps `seconds` and SIGKILLs it: a random instant inside the work that follows that pass,
        whatever the machine's load (the first pass of a process is its start: 0 = during startup).
        """
        self.attempts += 1
        trace = self.work / f"trace-{self.attempts:04d}.tsv"
        out = self.work / f"out-{self.attempts:04d}.log"
        extra = {"RADFORGE_CRASH_TRACE": str(trace)}
        if kill and kill[0] == "point":
            extra.update(RADFORGE_CRASH_AT=kill[1], RADFORGE_CRASH_SKIP=str(kill[2]))
        t0 = time.time()
        timer_fired = False
        with open(out, "wb") as fh:
            proc = subprocess.Popen(cmd, env=self.env(**extra), cwd=REPO, stdout=fh, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            if kill and kill[0] == "timer":
                while proc.poll() is None and time.time() - t0 < ATTEMPT_TIMEOUT_S:
                    seen = trace.read_bytes().count(b"\n") if trace.exists() else 0
                    if seen >= kill[1]:
                        time.sleep(kill[2])
                        if proc.poll() is None:
                            os.killpg(proc.pid, signal.SIGKILL)  # the process group this script started
                            timer_fired = True
                        break
                    time.sleep(0.01)
            try:
                rc = proc.wait(timeout=ATTEMPT_TIMEOUT_S)
            except subprocess.TimeoutExpired:  # a hang is a finding too: killed, reported as a failed attempt
                os.killpg(proc.pid, signal.SIGKILL)
                rc = proc.wait()
                rc = 124
        passes = []
        if trace.exists():
            for line in trace.read_text().splitlines():
                name, _, ts = line.partition("\t")
                if ts:  # a line cut by the kill has no time
                    passes.append((name, float(ts)))
        return {"rc": rc, "seconds": time.time() - t0, "t0": t0, "passes": passes, "timer_fired": timer_fired,
                "output": out.read_text(errors="replace")[-3000:]}


# --- kill planning ----------------------------------------------------------------------------------------
class Planner:
    """Plans one command's kills on the reference run's trace of crash-point passes.

    Every distinct named point gets one kill at its next pass (so Parquet writes, DuckDB commits,
    audit appends and checkpoint saves are all hit); the other kills go to passes drawn uniformly
    from the work still ahead, each either that pass's named point (with the skip that reaches it
    from where the resumed process starts) or a timer set to when the reference run got there, with
    jitter. Positions a late timer skipped are drawn again further on, so the planned count holds.
    """

    def __init__(self, rng: random.Random, ref: dict[str, Any], m: int) -> None:
        self.rng = rng
        self.seq = [name for name, _t in ref["passes"]]
        self.times = [t - ref["t0"] for _n, t in ref["passes"]]
        self.startup = max(0.3, self.times[0] if self.times else ref["seconds"] * 0.8)
        self.seconds = ref["seconds"]
        self.start = 0  # where in the reference sequence the next attempt starts (about)
        self.left = m  # kills still owed
        self.hit: set[str] = set()  # named points this command was killed at
        self.guessed = 0  # kills made without a reference trace (training, --no-train-reference)

    def _plan(self) -> list[tuple[int, bool]]:
        """(position, forced named) for the kills still owed, from `start` on."""
        ahead = range(self.start, len(self.seq))
        forced = {}
        for i in ahead:  # the next pass of each point not killed yet
            if self.seq[i] not in self.hit and self.seq[i] not in forced:
                forced[self.seq[i]] = i
        chosen = sorted(forced.values())
        chosen = sorted(self.rng.sample(chosen, self.left)) if len(chosen) > self.left else chosen
        rest = sorted(set(ahead) - set(chosen))
        extra = self.rng.sample(rest, min(len(rest), self.left - len(chosen)))
        return sorted([(p, True) for p in chosen] + [(p, False) for p in extra])

    def next_kill(self) -> tuple | None:
        if self.left <= 0:
            return None
        if not self.seq:  # no trace to aim at: the i-th step end, or just after the process's (i+2)-th pass
            i, self.guessed = self.guessed, self.guessed + 1
            if self.left == 1:  # the last kill: after the final checkpoint, before the run is marked completed
                return ("point", "train:after_final_checkpoint", 0, None)
            if self.rng.random() < 0.5:
                return ("point", "train:step_end", i, None)
            return ("timer", 2 + i, round(self.rng.uniform(0.0, 0.3), 3), None)
        plan = self._plan()
        if not plan:
            return None
        p, forced = plan[0]
        if forced or self.rng.random() < 0.5:
            name = self.seq[p]
            return ("point", name, self.seq[self.start:p].count(name), p)
        n = p - self.start  # passes into this attempt; then a random instant before the reference's next pass
        after = self.times[p] - (self.times[p - 1] if p > 0 else 0.0) if n > 0 else self.startup
        return ("timer", n, round(self.rng.uniform(0.0, max(0.05, after)), 3), p)

    def advance(self, kill: tuple, passes: list) -> None:
        """Where the resumed process will start: about where this one was killed (its unit is redone)."""
        self.left -= 1
        if kill[3] is None:
            return
        if kill[0] == "point":
            self.hit.add(kill[1])
            self.start = kill[3]
        else:
            self.start = min(len(self.seq), self.start + max(0, len(passes) - 1))


# --- what a reader can see ----------------------------------------------------------------------------------
def settings_for(home: Path):  # noqa: ANN201 - radforge Settings
    from radforge.settings import get_settings

    os.environ["RADFORGE_HOME"] = str(home)
    os.environ.pop("RADFORGE_CONFIG", None)
    return get_settings()


def _glob(pattern: str) -> list[str]:
    """Files a DuckDB reader's glob reaches (the catalog views use these globs; DuckDB also matches hidden names)."""
    import duckdb

    con = duckdb.connect()
    try:
        return [r[0] for r in con.execute("SELECT file FROM glob(?)", [pattern]).fetchall()]
    finally:
        con.close()


def _parquet_ok(path: str, full: bool) -> bool:
    import pyarrow.parquet as pq

    try:
        if full:
            pq.read_table(path)
        else:
            pq.read_metadata(path)
        return True
    except Exception:  # noqa: BLE001 - any failure to read is what we count
        return False


def _is_tmp(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return ".tmp" in name or "/.building/" in path or any(part.startswith(".") and ".tmp" in part
                                                           for part in path.split("/"))


def visible_problems(home: Path, full: bool = False, final: bool = False) -> dict[str, Any]:
    """Partial files a reader can reach: temporary or unreadable Parquet under the view globs and in every
    zone, files in the de-identified zone that no committed partition claims (at the end), incomplete
    snapshots or checkpoints."""
    settings = settings_for(home)
    problems: list[str] = []
    view_globs = [settings.zone("deid") / "exam_year=*" / "part-*.parquet", settings.zone("pairs") / "*.parquet",
                  settings.zone("snapshots") / "*" / "*.parquet"]
    seen = set()
    for pattern in view_globs:
        for f in _glob(str(pattern)):
            seen.add(f)
            if _is_tmp(f):
                problems.append(f"temporary file under a view glob: {Path(f).relative_to(home)}")
            elif not _parquet_ok(f, full):
                problems.append(f"unreadable parquet under a view glob: {Path(f).relative_to(home)}")
    tmp_leftovers = 0
    for p in home.rglob("*.parquet"):  # every zone, PHI zones included (only the file's footer is read)
        s = str(p)
        if _is_tmp(s):
            tmp_leftovers += 1
        elif s not in seen and not _parquet_ok(s, full):
            problems.append(f"unreadable parquet: {p.relative_to(home)}")
    tmp_leftovers += sum(1 for p in home.rglob("*.tmp-*") if p.is_file() and not p.name.endswith(".parquet"))
    for manifest in settings.zone("snapshots").glob("*/manifest.json"):
        if manifest.parent.name.startswith("."):
            problems.append(f"unfinished snapshot visible: {manifest.parent.name}")
    runs = settings.zone("runs")
    for ckpt in runs.glob("*/checkpoints/checkpoint-*") if runs.exists() else []:
        if final and not (ckpt / "trainer_state.json").exists():
            problems.append(f"incomplete checkpoint left: {ckpt.relative_to(home)}")
    if final:
        from radforge.catalog import reader

        committed: set[str] = set()
        if settings.catalog_path.exists():
            with reader(settings) as con:
                for (paths,) in con.execute("SELECT deid_paths FROM partitions WHERE status = 'done'").fetchall():
                    committed.update(str(settings.root / p) if not str(p).startswith("/") else str(p)
                                     for p in paths or [])
        for f in _glob(str(view_globs[0])):
            if f not in committed:
                problems.append(f"uncommitted file visible in the de-identified zone: {Path(f).relative_to(home)}")
    if settings.catalog_path.exists():  # the DuckDB catalog opens and answers after every kill (WAL replayed)
        from radforge.catalog import reader

        try:
            with reader(settings) as con:
                con.execute("SELECT count(*) FROM duckdb_tables()").fetchone()
        except Exception as exc:  # noqa: BLE001 - any failure to open is what we count
            problems.append(f"catalog does not open: {type(exc).__name__}")
    return {"partial_files": len(problems), "problems": problems[:10], "tmp_leftovers": tmp_leftovers}


def audit_status(home: Path) -> dict[str, Any]:
    from radforge.audit import AuditTrail

    return AuditTrail.for_settings(settings_for(home)).verify().as_dict()  # the site's own audit key


# --- comparing the two sites -------------------------------------------------------------------------------
def _keys(files: list[str], columns: list[str], tag: str = "") -> Counter:
    import polars as pl

    files = [f for f in files if not _is_tmp(f)]
    if not files:
        return Counter()
    df = pl.concat([pl.read_parquet(f, columns=columns) for f in files], how="vertical_relaxed")
    return Counter((tag, *row) for row in df.iter_rows())


def zone_keys(home: Path) -> dict[str, Counter]:
    """Multisets of ids and keyed hashes per zone (no text): what 'the same rows' means across sites."""
    z = lambda *p: str(home.joinpath(*p))  # noqa: E731
    snap = home / "snapshots" / SNAPSHOT
    return {
        "raw": _keys(_glob(z("raw", "batch=*", "part-*.parquet")), ["row_id"]),
        "quarantine": _keys(_glob(z("quarantine", "ingest", "batch=*", "part-*.parquet")), ["row_id", "reason"]),
        "deid": _keys(_glob(z("deid", "exam_year=*", "part-*.parquet")), ["raw_row_id_hash", "report_key"]),
        "pairs": _keys([z("pairs", "pairs.parquet")], ["raw_row_id_hash", "report_key"]),
        "rejected": _keys([z("pairs", "rejected.parquet")], ["raw_row_id_hash", "reason"]),
        "snapshot": sum((_keys([str(snap / f"{s}.parquet")], ["report_key"], s)
                         for s in ("train", "validation", "test") if (snap / f"{s}.parquet").exists()), Counter()),
    }


def text_hashes(home: Path) -> Counter:
    import hashlib

    import polars as pl

    files = _glob(str(home / "deid" / "exam_year=*" / "part-*.parquet"))
    df = pl.concat([pl.read_parquet(f, columns=["raw_row_id_hash", "text_deid"]) for f in files])
    return Counter((h, hashlib.sha256(t.encode()).hexdigest()[:16]) for h, t in df.iter_rows())


def catalog_state(home: Path) -> dict[str, Any]:
    """Catalog rows that must agree with the zones: pairs run, snapshot, views, run registry."""
    from radforge.catalog import reader

    settings = settings_for(home)
    problems = []
    run_json = settings.zone("pairs") / "run.json"
    with reader(settings) as con:
        views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        view_rows = {}
        for v in ("deid_reports", "pairs", "rejected_pairs", "snapshot_rows"):
            if v not in views:
                problems.append(f"view {v} missing")
            else:  # what a reader of the catalog gets
                view_rows[v] = con.execute(f"SELECT count(*) FROM {v}").fetchone()[0]
        if run_json.exists():
            run_id = json.loads(run_json.read_text())["run_id"]
            if not con.execute("SELECT 1 FROM pair_runs WHERE run_id = ?", [run_id]).fetchone():
                problems.append("pairs run.json has no pair_runs row")
        if not con.execute("SELECT 1 FROM snapshots WHERE name = ?", [SNAPSHOT]).fetchone():
            problems.append("snapshot has no catalog row")
        runs = dict(con.execute("SELECT run_id, status FROM runs").fetchall()) if "runs" in {
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()} else {}
    for path in settings.zone("runs").glob("*/run.json"):
        rec = json.loads(path.read_text())
        if runs.get(rec["run_id"]) != rec["status"]:
            problems.append(f"run {rec['run_id']}: catalog says {runs.get(rec['run_id'])}, run.json {rec['status']}")
    return {"ok": not problems, "problems": problems, "view_rows": view_rows}


def train_state(home: Path) -> dict[str, Any]:
    runs = sorted((home / "runs").glob("*/run.json"))
    done = [json.loads(p.read_text()) for p in runs]
    done = [r for r in done if r["status"] == "completed"]
    if not done:
        return {"steps": None, "completed": False}
    rec = done[-1]
    ckpts = sorted(Path(rec["run_dir"]).glob("checkpoints/checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    state_step = json.loads((ckpts[-1] / "trainer_state.json").read_text())["global_step"] if ckpts else None
    adapter_ok = True
    try:  # the final adapter a reader (evaluation, merge) loads: every tensor readable
        from safetensors import safe_open

        with safe_open(str(Path(rec["adapter_path"]) / "adapter_model.safetensors"), framework="pt") as fh:
            for key in fh.keys():  # noqa: SIM118 - safe_open has no __iter__
                fh.get_tensor(key)
    except Exception:  # noqa: BLE001 - any failure to load is what we count
        adapter_ok = False
    return {"steps": rec["metrics"].get("global_step"), "checkpoint_step": state_step, "completed": True,
            "adapter_ok": adapter_ok, "snapshot_hash": (rec.get("snapshot") or {}).get("hash"),
            "run_dir": rec["run_dir"],
            "run_id": rec["run_id"], "final_loss": rec["metrics"].get("final_loss"), "runs": len(runs)}


def step_record(got: dict[str, Any], expected_steps: int | None, ref: dict[str, Any] | None) -> dict[str, Any]:
    """The step record of the finished run (training/steplog.py), checked as `make chaos` promises: steps
    1..expected each once, none past the end in any session, no example twice, every checkpoint's record
    a prefix of the final one, and (same snapshot as the reference site) the reference's examples at
    every step."""
    from training.steplog import FILE, check_step_log

    if not got.get("completed") or expected_steps is None:
        return {"ok": False, "problems": ["no completed run"], "past_end": None, "matches_reference": None}
    run_dir = Path(got["run_dir"])
    problems: list[str] = []
    if not (run_dir / FILE).exists():
        return {"ok": False, "problems": [f"no {FILE} in the run folder"], "past_end": None, "matches_reference": None}
    body = json.loads((run_dir / FILE).read_text())
    steps = body["steps"]
    problems += check_step_log(steps, expected_steps, body.get("examples"))
    history = [json.loads(line)["step"] for line in (run_dir / "data_order.jsonl").read_text().splitlines()
               if line.strip().endswith("}")]  # a line cut by a kill is no step
    past_end = sum(1 for n in history if n > expected_steps)  # trained by any session, kept or not
    if past_end:
        problems.append(f"{past_end} step(s) past {expected_steps} trained in some session")
    for ckpt in sorted(run_dir.glob("checkpoints/checkpoint-*")):
        step = int(ckpt.name.split("-")[1])
        if step > expected_steps:
            problems.append(f"checkpoint past the end: {ckpt.name}")
        if (ckpt / "trainer_state.json").exists():
            part = json.loads((ckpt / FILE).read_text())["steps"] if (ckpt / FILE).exists() else None
            if part != steps[:step]:
                problems.append(f"{ckpt.name}: its step record is not the run's up to step {step}")
    matches = None
    if ref and ref.get("run_dir") and ref.get("snapshot_hash") == got.get("snapshot_hash"):
        ref_steps = json.loads((Path(ref["run_dir"]) / FILE).read_text())["steps"]
        matches = ref_steps == steps
        if not matches:
            differ = [a["step"] for a, b in zip(ref_steps, steps, strict=False) if a != b]
            problems.append(f"examples differ from the uninterrupted run at steps {differ[:10]}")
    return {"ok": not problems, "problems": problems, "past_end": past_end, "matches_reference": matches}


# --- the stages ---------------------------------------------------------------------------------------------
def _current_run(home: Path) -> str | None:
    runs = sorted(p.parent.name for p in (home / "runs").glob("*/run.json")) if (home / "runs").exists() else []
    return runs[-1] if runs else None


def stage_commands(stage: str) -> list[str]:
    return {"ingest": ["ingest"], "deid": ["deid"], "pairs_snapshot": ["pairs", "snapshot"], "train": ["train"]}[stage]


def command_for(key: str, site: Site, corpus: Path, train_cfg: Path) -> list[str]:
    if key == "ingest":
        return cli("ingest", str(corpus), "--json")
    if key == "deid":
        return cli("deid-zone", "--json")
    if key == "pairs":
        return cli("pairs", "--json")
    if key == "snapshot":
        return cli("dataset", "snapshot", "--name", SNAPSHOT, "--json")
    run_id = _current_run(site.home)
    return cli("train", "--resume", run_id, "--json") if run_id else cli("train", "--config", str(train_cfg), "--json")


def _finished(key: str, result: dict[str, Any]) -> bool:
    """Done, as an operator re-running the command after a kill reads it."""
    if result["rc"] == 0:
        return True
    return result["rc"] == 1 and ((key == "train" and "already completed" in result["output"])
                                  or (key == "snapshot" and "already exists" in result["output"]))


def reference_run(site: Site, corpus: Path, train_cfg: Path, train: bool = True) -> dict[str, dict[str, Any]]:
    refs = {}
    for stage in STAGES if train else STAGES[:-1]:
        for key in stage_commands(stage):
            res = site.run(command_for(key, site, corpus, train_cfg))
            if res["rc"] != 0:
                raise SystemExit(f"reference {key} failed (exit {res['rc']}):\n{res['output']}")
            refs[key] = res
            say(f"reference {key}: {res['seconds']:.1f}s, {len(res['passes'])} crash-point passes")
    return refs


def chaos_run(site: Site, corpus: Path, train_cfg: Path, refs: dict[str, dict[str, Any]], targets: dict[str, int],
              rng: random.Random) -> dict[str, Any]:
    stats: dict[str, Any] = {"kills_by_stage": Counter(), "kill_points": Counter(), "missed_kills": 0,
                             "resume_failures": [], "mid_run_partial": 0, "mid_run_audit_breaks": 0,
                             "mid_run_problems": []}
    n = 0
    for stage in STAGES:
        keys = stage_commands(stage)
        lengths = {k: max(1, len((refs.get(k) or TRAIN_GUESS)["passes"])) for k in keys}
        budget = {k: max(1, round(targets[stage] * lengths[k] / sum(lengths.values()))) for k in keys}
        for key in keys:
            planner = Planner(rng, refs.get(key) or TRAIN_GUESS, budget[key])
            failures = 0
            while True:
                kill = planner.next_kill()
                res = site.run(command_for(key, site, corpus, train_cfg), kill[:3] if kill else None)
                if res["rc"] == -signal.SIGKILL:
                    n += 1
                    stats["kills_by_stage"][stage] += 1
                    last = res["passes"][-1][0] if res["passes"] else "startup"
                    where = f"{kill[1]} (pass {kill[2] + 1})" if kill[0] == "point" else \
                        f"timer +{kill[2]:.2f}s after pass {kill[1]} (last: {last})"
                    stats["kill_points"][kill[1] if kill[0] == "point" else "timer"] += 1
                    planner.advance(kill, res["passes"])
                    vis = visible_problems(site.home)
                    audit = audit_status(site.home)
                    stats["mid_run_partial"] += vis["partial_files"]
                    stats["mid_run_problems"] += vis["problems"][:3]
                    stats["mid_run_audit_breaks"] += 0 if audit["ok"] else 1
                    flag = "" if vis["partial_files"] == 0 and audit["ok"] else \
                        f"  !! partial={vis['partial_files']} audit_ok={audit['ok']} {vis['problems'][:2]} " \
                        f"{audit.get('problem') or ''}"
                    say(f"[{stage}] kill #{n} {key}: {where}{flag}")
                    continue
                if _finished(key, res):
                    if kill is not None:
                        stats["missed_kills"] += 1
                    break
                failures += 1
                stats["resume_failures"].append(f"{key}: exit {res['rc']}")
                say(f"[{stage}] RESUME FAILED {key} (exit {res['rc']}):\n{res['output'][-1500:]}")
                if failures >= 3:  # stop killing; the checks below say what state it left
                    stats["aborted"] = key
                    return stats
    return stats


def compare(ref_home: Path, chaos_home: Path) -> dict[str, Any]:
    ref, got = zone_keys(ref_home), zone_keys(chaos_home)
    lost = {z: sum((ref[z] - got[z]).values()) for z in ref}
    dup = {z: sum((got[z] - ref[z]).values()) for z in ref}
    texts_differ = sum((text_hashes(ref_home) - text_hashes(chaos_home)).values())
    return {"rows_lost": sum(lost.values()), "rows_duplicated": sum(dup.values()), "lost_by_zone": lost,
            "duplicated_by_zone": dup, "rows_compared": {z: sum(c.values()) for z, c in ref.items()},
            "deid_texts_differ": texts_differ}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=13, help="seed of the corpus and of every kill (default 13)")
    ap.add_argument("--kills", type=int, default=60, help="kills planned over the four stages (default 60)")
    ap.add_argument("--reports", type=int, default=300, help="synthetic reports (default 300; each is ingested "
                    "in three formats)")
    ap.add_argument("--home", type=Path, default=None, help="work folder (default: a temporary one, removed)")
    ap.add_argument("--chunk-rows", type=int, default=0, help="rows per raw partition (default reports/12)")
    ap.add_argument("--train-steps", type=int, default=12, help="training steps (default 12)")
    ap.add_argument("--checkpoint-every", type=int, default=2, help="checkpoint interval (default 2)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--no-train-reference", action="store_true",
                    help="skip the uninterrupted training run (expected steps = --train-steps; faster samples)")
    args = ap.parse_args(argv)

    t_start = time.time()
    rng = random.Random(args.seed)
    root = args.home or Path(tempfile.mkdtemp(prefix="radforge-chaos-"))
    if args.home and root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    chunk_rows = args.chunk_rows or max(5, args.reports // 12)
    ref = Site(root / "ref" / "home", root / "ref" / "work", chunk_rows)
    chaos = Site(root / "chaos" / "home", root / "chaos" / "work", chunk_rows)
    corpus = root / "corpus"
    try:
        # the same secret in both sites (copied before the chaos site's init), so keyed hashes compare
        for site in (ref, chaos):
            if site is chaos:
                dest = settings_for(chaos.home).secret_path
                dest.parent.mkdir(parents=True, mode=0o700)
                shutil.copyfile(settings_for(ref.home).secret_path, dest)
                os.chmod(dest, 0o600)
            res = site.run(cli("init"))
            if res["rc"] != 0:
                raise SystemExit(res["output"])
        res = ref.run(cli("synth", "--reports", str(args.reports), "--seed", str(args.seed), "--out", str(corpus)))
        if res["rc"] != 0:
            raise SystemExit(res["output"])
        import yaml

        train_cfg = root / "run.yaml"
        train_cfg.write_text(yaml.safe_dump({
            "name": "chaos", "base_model": str(tiny_llama()), "method": "lora",
            "lora": {"r": 8, "alpha": 16, "dropout": 0.0, "target_modules": "all-linear"},
            "max_seq_len": 256, "micro_batch_size": 1, "gradient_accumulation": 1, "lr": 5e-3, "warmup_ratio": 0.0,
            "max_steps": args.train_steps, "checkpoint_every": args.checkpoint_every, "logging_steps": 1,
            "dataset": {"snapshot": SNAPSHOT, "max_eval_examples": 4}}))
        say(f"chaos: {args.reports} reports x3 formats, chunk_rows={chunk_rows}, {args.kills} kills planned, "
            f"seed {args.seed}, work folder {root}")
        refs = reference_run(ref, corpus, train_cfg, train=not args.no_train_reference)
        targets = {s: max(1, round(args.kills * w)) for s, w in WEIGHTS.items()}
        stats = chaos_run(chaos, corpus, train_cfg, refs, targets, rng)

        try:
            return _check_and_report(args, ref, chaos, stats, t_start)
        except Exception as exc:  # noqa: BLE001 - a site too broken to check still ends with its JSON line
            kills = sum(stats["kills_by_stage"].values())
            say(f"PROBLEM checks failed: {type(exc).__name__}: {exc}")
            print(json.dumps({"kills": kills, "stages": sum(1 for s in STAGES if stats["kills_by_stage"][s] > 0),
                              "rows_lost": None, "rows_duplicated": None, "partial_files": None, "audit_ok": False,
                              "kills_by_stage": {s: stats["kills_by_stage"][s] for s in STAGES},
                              "seconds": round(time.time() - t_start, 1), "reports": args.reports, "seed": args.seed,
                              "resume_failures": len(stats["resume_failures"]), "aborted": stats.get("aborted"),
                              "error": type(exc).__name__, "ok": False}), flush=True)
            return 1
    finally:
        if not args.keep and not args.home:
            shutil.rmtree(root, ignore_errors=True)


def _check_and_report(args: argparse.Namespace, ref: Site, chaos: Site, stats: dict[str, Any], t_start: float) -> int:
    """Compare the chaos site with the reference site and print the JSON line."""
    cmp = compare(ref.home, chaos.home)
    from warehouse.reconcile import reconcile

    rec = reconcile(settings_for(chaos.home))
    vis = visible_problems(chaos.home, full=True, final=True)
    audit = audit_status(chaos.home)
    catalog = catalog_state(chaos.home)
    ref_views = catalog_state(ref.home)["view_rows"]
    if catalog["view_rows"] != ref_views:  # readers of the catalog views see the same rows in both sites
        catalog["ok"] = False
        catalog["problems"].append(f"view rows {catalog['view_rows']} != reference {ref_views}")
    t_ref = {"steps": args.train_steps} if args.no_train_reference else train_state(ref.home)
    t_got = train_state(chaos.home)
    steps_rec = step_record(t_got, t_ref["steps"], None if args.no_train_reference else t_ref)
    kills = sum(stats["kills_by_stage"].values())
    result = {
        "kills": kills, "stages": sum(1 for s in STAGES if stats["kills_by_stage"][s] > 0),
        "rows_lost": cmp["rows_lost"], "rows_duplicated": cmp["rows_duplicated"],
        "partial_files": vis["partial_files"] + stats["mid_run_partial"],
        "audit_ok": bool(audit["ok"] and stats["mid_run_audit_breaks"] == 0),
        "kills_by_stage": {s: stats["kills_by_stage"][s] for s in STAGES},
        "kill_points": dict(sorted(stats["kill_points"].items())),
        "seconds": round(time.time() - t_start, 1), "reports": args.reports, "seed": args.seed,
        "train_steps_expected": t_ref["steps"], "train_steps_reached": t_got["steps"],
        "train_checkpoint_step": t_got.get("checkpoint_step"), "train_adapter_ok": t_got.get("adapter_ok"),
        "train_step_record_ok": steps_rec["ok"], "train_steps_past_end": steps_rec["past_end"],
        "train_step_record_matches_reference": steps_rec["matches_reference"],
        "reconcile_ok": rec.ok, "catalog_ok": catalog["ok"], "audit_records": audit["records"],
        "missed_kills": stats["missed_kills"], "resume_failures": len(stats["resume_failures"]),
        "rows_compared": cmp["rows_compared"], "deid_texts_differ": cmp["deid_texts_differ"],
        "tmp_leftovers": vis["tmp_leftovers"], "view_rows": catalog["view_rows"],
    }
    result["ok"] = bool(kills >= 1 and result["rows_lost"] == 0 and result["rows_duplicated"] == 0
                        and result["partial_files"] == 0 and result["audit_ok"] and rec.ok and catalog["ok"]
                        and t_got["steps"] == t_ref["steps"] and t_got.get("adapter_ok") and steps_rec["ok"]
                        and not stats["resume_failures"])
    for name, problems in (("reconcile", rec.mismatches), ("partial", vis["problems"] + stats["mid_run_problems"]),
                           ("catalog", catalog["problems"]), ("step record", steps_rec["problems"]),
                           ("lost", [f"{z}={n}" for z, n in cmp["lost_by_zone"].items() if n]),
                           ("duplicated", [f"{z}={n}" for z, n in cmp["duplicated_by_zone"].items() if n])):
        if problems:
            say(f"PROBLEM {name}: {problems[:10]}")
    if not audit["ok"]:
        say(f"PROBLEM audit: {audit}")
    say(f"wall time {result['seconds']:.1f}s; {kills} kills over {result['stages']} stages; "
        f"{'all invariants hold' if result['ok'] else 'INVARIANTS BROKEN'}")
    print(json.dumps(result), flush=True)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

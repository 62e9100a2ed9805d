"""Every `from <our package> import name` in the repository names something that exists.

Why: most imports between our packages sit inside functions (start-up stays fast; torch loads only when a
model does), so a moved name breaks nothing until that one function runs. Issue #19's moves left
`bench/judge_endpoint_check.py` importing `smollm2_gguf` from `radforge.site` after it had moved to
`radforge.models`, and its only test skips when the optional llama.cpp server is not installed: the check
was broken and CI stayed green. This walks every file's syntax tree and resolves each such import.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CHECK = r'''
import ast, importlib, pathlib, sys
ours = ("radforge", "sources", "deid", "warehouse", "training", "evaluation")
skip = {".venv", "var", "node_modules"}
bad = []
for path in sorted(pathlib.Path(".").rglob("*.py")):
    if any(part in skip or part.startswith(".") for part in path.parts):
        continue
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] in ours:
            try:
                module = importlib.import_module(node.module)
            except Exception as exc:
                bad.append(f"{path}:{node.lineno}: {node.module}: {type(exc).__name__}")
                continue
            for alias in node.names:
                if alias.name == "*" or hasattr(module, alias.name):
                    continue
                try:
                    importlib.import_module(f"{node.module}.{alias.name}")
                except ImportError:
                    bad.append(f"{path}:{node.lineno}: {node.module} has no {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in ours:
                    try:
                        importlib.import_module(alias.name)
                    except Exception as exc:
                        bad.append(f"{path}:{node.lineno}: {alias.name}: {type(exc).__name__}")
print("\n".join(bad))
sys.exit(1 if bad else 0)
'''


def test_every_import_of_our_packages_resolves_even_inside_functions():
    proc = subprocess.run([sys.executable, "-c", CHECK], cwd=REPO, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 0, f"imports that do not resolve:\n{proc.stdout}{proc.stderr[-2000:]}"

"""Thread settings belong to the process: every entry point sets OMP_WAIT_POLICY and the OpenMP/BLAS/torch
thread counts before torch loads, the environment and then the site config win over the defaults, and
`radforge doctor` shows what a process got."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from radforge.process import THREAD_VARS, available_cpus, configure_threads
from radforge.settings import ProcessSection

REPO = Path(__file__).resolve().parents[2]
ALL_VARS = ("OMP_WAIT_POLICY", *THREAD_VARS)


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ALL_VARS and not k.startswith("RADFORGE_PROCESS__")}
    return {**env, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **extra}


def test_defaults_passive_and_the_cpus_available() -> None:
    env: dict[str, str] = {}
    setup = configure_threads(ProcessSection(), environ=env)
    cpus = available_cpus()
    assert env == {"OMP_WAIT_POLICY": "PASSIVE", **{v: str(cpus) for v in THREAD_VARS}}
    assert set(setup.sources.values()) == {"default"} and setup.threads == cpus
    assert 1 <= cpus <= (os.cpu_count() or 1)


def test_the_environment_wins_then_the_site_config_then_the_defaults() -> None:
    env = {"OMP_NUM_THREADS": "1"}  # e.g. torchrun's, one per rank
    setup = configure_threads(ProcessSection(omp_wait_policy="ACTIVE", threads=3), environ=env)
    assert env["OMP_NUM_THREADS"] == "1" and setup.sources["OMP_NUM_THREADS"] == "environment"
    assert env["OMP_WAIT_POLICY"] == "ACTIVE" and setup.sources["OMP_WAIT_POLICY"] == "site config"
    assert env["MKL_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == "3" and setup.threads == 1


def test_an_explicit_argument_wins_and_an_empty_policy_leaves_it_unset() -> None:
    env = {"OMP_NUM_THREADS": "8"}
    setup = configure_threads(ProcessSection(omp_wait_policy=""), threads=2, environ=env)
    assert "OMP_WAIT_POLICY" not in env and setup.sources["OMP_WAIT_POLICY"] == "unset"
    assert all(env[v] == "2" for v in THREAD_VARS) and setup.sources["OMP_NUM_THREADS"] == "argument"


def test_the_site_file_sets_the_section(tmp_path, monkeypatch) -> None:
    from radforge.settings import Settings

    site_file = tmp_path / "site.toml"
    site_file.write_text('[process]\nomp_wait_policy = "ACTIVE"\nthreads = 1\n')
    monkeypatch.setenv("RADFORGE_CONFIG", str(site_file))
    section = Settings().process
    assert section.omp_wait_policy == "ACTIVE" and section.threads == 1
    with pytest.raises(ValueError):
        ProcessSection(omp_wait_policy="SPIN")


def test_set_before_torch_loads_torch_takes_the_count() -> None:
    """The order every entry point keeps: configure first, import torch after."""
    code = ("import os, sys; from radforge.process import configure_threads; s = configure_threads(); "
            "assert 'torch' not in sys.modules; import torch; "
            "print(os.environ['OMP_WAIT_POLICY'], torch.get_num_threads(), s.late)")
    out = subprocess.run([sys.executable, "-c", code], env=_clean_env(RADFORGE_PROCESS__THREADS="1"),
                         capture_output=True, text=True, check=True, cwd=REPO).stdout.split()
    assert out == ["PASSIVE", "1", "False"]


def test_torch_loaded_first_is_resized_and_reported_late() -> None:
    code = ("import torch; from radforge.process import configure_threads; s = configure_threads(threads=1); "
            "print(torch.get_num_threads(), s.late, ','.join(s.loaded_before))")
    out = subprocess.run([sys.executable, "-c", code], env=_clean_env(OMP_WAIT_POLICY="PASSIVE"), capture_output=True,
                         text=True, check=True, cwd=REPO).stdout.split()
    assert out[0] == "1" and out[1] == "True" and "torch" in out[2]


def test_the_cli_sets_them_and_doctor_shows_them(tmp_path) -> None:
    """`radforge doctor` run without make (no OMP_* in the environment) still gets PASSIVE."""
    env = _clean_env(RADFORGE_HOME=str(tmp_path / "site"), RADFORGE_PROCESS__THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "radforge.cli", "doctor", "--json"], env=env, capture_output=True,
                          text=True, cwd=REPO)
    report = json.loads(proc.stdout)
    check = next(c for c in report["checks"] if c["name"] == "threads")
    assert check["ok"] and not check["fatal"], check
    assert "OMP_WAIT_POLICY=PASSIVE (default)" in check["detail"] and "torch 1 threads" in check["detail"]
    assert report["threads"]["env"]["OMP_NUM_THREADS"] == "1" and report["threads"]["late"] is False


def test_airflow_tasks_and_the_training_worker_start_through_it(site, monkeypatch) -> None:
    for var in ALL_VARS:  # recorded by setenv, so whatever the task sets is undone after the test
        monkeypatch.setenv(var, "")
        monkeypatch.delenv(var)
    from radforge.orchestration import task_settings

    assert task_settings().root == site.root
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE" and all(os.environ[v] for v in THREAD_VARS)
    worker = (REPO / "training" / "worker.py").read_text()
    assert worker.index("start(preflight=False)") < worker.index("from training.engine import execute")

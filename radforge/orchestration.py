"""What every Airflow task of radforge needs before it calls a package function.

Tasks run in fresh worker processes: each one must start with its thread settings, the egress guard
on and PHI-safe logging, exactly as the CLI does (`radforge.process.start`). Failure callbacks log ids,
counts and exception types only — an exception message from a third-party library could quote report text.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from typing import Any

from radforge.settings import Settings, get_settings

log = logging.getLogger("radforge.orchestration")


def task_settings() -> Settings:
    """Threads + egress guard + logging + the site preflight for this task process; returns the site settings.

    `radforge.process.start`, exactly as the CLI: OpenMP threads sleep while they wait (a worker shares its
    CPUs with other tasks) and the thread counts follow `[process]`. Tasks keep torch and numpy imports inside
    their bodies, after this call, so the variables take effect. The preflight refuses to run the task (a
    one-line `RadforgeError`) when the secret or a PHI zone is group/world accessible or the secret was swapped.
    """
    from radforge.process import start

    return start(settings=get_settings())


def worker_hostname() -> str:
    """`[core] hostname_callable` for Airflow: `RADFORGE_WORKER_NAME` when set, else the host's FQDN.

    Airflow records this name on every task instance it starts. Several Celery workers on one host (or in
    containers that share a name) would all read the same FQDN; naming each worker (the systemd unit's
    instance name) lets the UI, the API and `make deploy-check` tell which worker ran, or lost, a task.
    """
    return os.environ.get("RADFORGE_WORKER_NAME") or socket.getfqdn()


def on_failure(context: dict[str, Any]) -> None:
    """Airflow failure callback: ids and the exception type, never its text."""
    ti = context.get("task_instance") or context.get("ti")
    exc = context.get("exception")
    log.error(
        "task failed dag_id=%s task_id=%s run_id=%s map_index=%s try=%s error_type=%s",
        getattr(ti, "dag_id", "?"), getattr(ti, "task_id", "?"), getattr(ti, "run_id", "?"),
        getattr(ti, "map_index", "?"), getattr(ti, "try_number", "?"), type(exc).__name__ if exc else "?",
    )


def default_args() -> dict[str, Any]:
    """Every DAG's default_args. A site tunes retries with these variables; the demo and the tests shorten the delay.

    Read when a DAG file is parsed, not once per process: a process that imported this module before
    `airflow_local.prepare()` set the variables (any test or tool that touched orchestration first) kept two
    retries 300 s apart, and `dag.test()` then sat out ten minutes on a task meant to fail at once.
    """
    return {
        "owner": "radforge",
        "retries": int(os.environ.get("RADFORGE_TASK_RETRIES", "2")),
        "retry_delay": dt.timedelta(seconds=float(os.environ.get("RADFORGE_TASK_RETRY_DELAY_S", "300"))),
        "on_failure_callback": on_failure,
    }


def __getattr__(name: str) -> Any:
    """`from radforge.orchestration import DEFAULT_ARGS` in a DAG file: `default_args()` as of that parse."""
    if name == "DEFAULT_ARGS":
        return default_args()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Worker processes that cannot deadlock at start.

Forking a process that runs other threads (Airflow's, a database driver's, an OpenMP pool) copies
locks those threads held at that instant, and the child can wait on them forever. Fork (fast, shares
pages) only a single-threaded parent; spawn otherwise.
"""

from __future__ import annotations

import multiprocessing as mp
import os


def fork_is_safe() -> bool:
    """True when this process may fork workers: POSIX fork available and only one OS thread running."""
    if "fork" not in mp.get_all_start_methods() or os.name != "posix":
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def worker_context() -> mp.context.BaseContext:
    """The multiprocessing context for a worker pool: fork when safe, spawn otherwise."""
    return mp.get_context("fork" if fork_is_safe() else "spawn")

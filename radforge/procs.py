"""Worker processes that cannot deadlock at start.

Forking a process that runs other threads (Airflow's, a database driver's) copies locks those
threads held at that instant, and the child can wait on them forever. Fork (fast, shares the
parent's loaded modules and models) only when no such thread runs; spawn otherwise.

OpenBLAS's own worker threads are the exception: numpy and scipy each start one pool at import,
and OpenBLAS stops and restarts it around `fork()` with `pthread_atfork` handlers, so those
threads are safe to fork over. Counting them keeps fork available to every process that has
merely imported numpy, which is most of them (spawning instead costs each worker a fresh
import of spaCy and Presidio: seconds per worker, the whole gain of a second worker on a short job).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading


def _openblas_threads() -> int:
    """OS threads owned by loaded OpenBLAS pools (each pool runs num_threads - 1 helpers)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return 0
    return sum(max(0, int(info.get("num_threads", 1)) - 1) for info in threadpool_info()
               if info.get("internal_api") == "openblas")


def fork_is_safe() -> bool:
    """True when this process may fork workers: POSIX fork available, no thread but main and OpenBLAS pools."""
    if "fork" not in mp.get_all_start_methods() or os.name != "posix":
        return False
    if threading.active_count() > 1:
        return False
    try:
        os_threads = len(os.listdir("/proc/self/task"))
    except OSError:
        return False
    return os_threads == 1 or os_threads <= 1 + _openblas_threads()


def worker_context() -> mp.context.BaseContext:
    """The multiprocessing context for a worker pool: fork when safe, spawn otherwise."""
    return mp.get_context("fork" if fork_is_safe() else "spawn")

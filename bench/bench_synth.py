"""Synthetic corpus throughput: 1 worker vs 2 workers, same corpus, same process.

Writes every format (jsonl + gold, csv, hl7) to a temporary folder that is deleted afterwards.
The target from the foundation issue: 1M reports in under 2 minutes on 2 cores.
Last line: one JSON object.

    .venv/bin/python bench/bench_synth.py --reports 200000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
from pathlib import Path

from sources.synth import write_corpus


def _cpu() -> float:
    """CPU seconds of this process plus its reaped children (the pool's workers)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _max_rss_mb() -> dict[str, float]:
    """Peak resident memory of the driver and of the largest worker: flat whatever --reports."""
    return {"driver": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "worker": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}


def _run(reports: int, workers: int, seed: int, formats: tuple[str, ...]) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="bench-synth-"))
    cpu0 = _cpu()
    try:
        summary = write_corpus(folder / "out", reports=reports, seed=seed, workers=workers, formats=formats)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    summary["cpu_seconds"] = _cpu() - cpu0
    summary["reports_per_s"] = reports / summary["seconds"]
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="worker count compared with 1 worker")
    parser.add_argument("--formats", default="jsonl,csv,hl7")
    parser.add_argument("--skip-single", action="store_true", help="only run the multi-worker pass")
    args = parser.parse_args()
    formats = tuple(args.formats.split(","))
    load = os.getloadavg()[0]
    print(f"cpus={os.cpu_count()} load average {load:.2f} reports={args.reports} formats={','.join(formats)}")
    single = None
    if not args.skip_single:
        single = _run(args.reports, 1, args.seed, formats)
        print(f"1 worker : {single['seconds']:8.2f} s  {single['reports_per_s']:10,.0f} reports/s  "
              f"{sum(single['files'].values()) / 1e6:,.0f} MB written, "
              f"{single['cpu_seconds'] / args.reports * 1e6:.0f} CPU us/report")
    multi = _run(args.reports, args.workers, args.seed, formats)
    print(f"{args.workers} workers: {multi['seconds']:8.2f} s  {multi['reports_per_s']:10,.0f} reports/s")
    ratio = multi["reports_per_s"] / single["reports_per_s"] if single else None
    projected = 1_000_000 / multi["reports_per_s"]
    # On a shared machine the wall clock measures the neighbours too; CPU time does not.
    cpu_us = multi["cpu_seconds"] / args.reports * 1e6
    projected_cpu = cpu_us * 1_000_000 / 1e6 / min(args.workers, os.cpu_count() or 1)
    print(f"{args.workers} workers used {multi['cpu_seconds']:.1f} CPU s ({cpu_us:.0f} us/report): 1M reports on "
          f"{args.workers} idle cores = {projected_cpu:.1f} s")
    print(f"ratio {args.workers} workers / 1 worker: {ratio:.2f}x" if ratio else "ratio: n/a")
    print(f"projected 1M reports with {args.workers} workers: {projected:.1f} s (target < 120 s)")
    print(json.dumps({"bench": "synth", "reports": args.reports, "workers": args.workers,
                      "reports_per_s": round(multi["reports_per_s"], 1),
                      "reports_per_s_1_worker": round(single["reports_per_s"], 1) if single else None,
                      "ratio": round(ratio, 3) if ratio else None,
                      "projected_1m_seconds": round(projected, 1), "cpu_us_per_report": round(cpu_us, 1),
                      "cpu_us_per_report_1_worker":
                          round(single["cpu_seconds"] / args.reports * 1e6, 1) if single else None,
                      "projected_1m_seconds_idle_cores": round(projected_cpu, 1), "load_average": round(load, 2),
                      "max_rss_mb": _max_rss_mb(),
                      "formats": list(formats)}))


if __name__ == "__main__":
    main()

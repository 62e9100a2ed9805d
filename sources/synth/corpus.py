"""Block generator and the parallel, streaming driver behind `radforge synth`.

The corpus is cut into fixed blocks of BLOCK reports. Block b draws from its own RNG seeded by
(seed, b) and holds whole patients (all of a patient's exams stay in one block), so the output is
a pure function of (seed, reports): worker processes only change who computes a block, and the
driver writes blocks in order. Memory holds a few blocks at a time, whatever N.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Iterator
from datetime import datetime
from itertools import islice
from pathlib import Path
from random import Random

from radforge.errors import RadforgeError
from radforge.procs import worker_context
from sources.synth import vocab, writers
from sources.synth.exams import ALL_EXAMS, ExamType
from sources.synth.people import Patient, accession_for, age_on, make_patient, physician_pool
from sources.synth.rand import SynthRandom, Weighted
from sources.synth.report import Prior, Rendered, Staff, addendum, render

BLOCK = 500  # part of the output's definition: changing it changes every corpus
P_SECOND_VERSION = 0.035
P_THIRD_VERSION = 0.15  # of amended reports, a second addendum
P_CORRECTION = 0.35  # of two-version reports, when abnormal
_EXAM_PICKER = Weighted(ALL_EXAMS, [e.weight for e in ALL_EXAMS])
_HOUR_PICKER = Weighted(range(24), (2, 1, 1, 1, 1, 2, 3, 6, 10, 12, 12, 11, 9, 10, 11, 11, 10, 8, 6, 5, 4, 3, 3, 2))


class SynthError(RadforgeError):
    """The synthetic corpus cannot be written as asked (bad format name, unwritable folder)."""


def _record(rid: str, pt: Patient, r: Rendered, exam: ExamType, exam_dt: datetime, accession: str, fac: tuple,
            version: int, tags: list[str]) -> dict:
    return {
        "id": rid, "text": r.text, "mrn": pt.mrn, "accession": accession,
        "patient_name": f"{pt.last}, {pt.first}" + (f" {pt.middle}" if pt.middle else ""),
        "dob": pt.dob.isoformat(), "exam_datetime": exam_dt.isoformat(timespec="seconds"),
        "modality": exam.modality, "body_part": exam.body_part, "facility": fac[0], "version": version,
        "tags": tags, "spans": r.spans, "sections": r.sections, "first": pt.first, "last": pt.last, "sex": pt.sex,
    }


def _pick_exam(rng: Random, pt: Patient, priors: list[Prior], age: int) -> ExamType:
    """Follow-ups repeat an earlier exam of the patient; sex- and age-specific exams only where they fit."""
    if priors and rng.random() < 0.45:
        return priors[rng.randrange(len(priors))].exam
    while True:
        exam = _EXAM_PICKER.pick(rng)
        if (not exam.sex or exam.sex == pt.sex) and age >= exam.min_age:
            return exam


def generate_block(seed: int, block: int, n: int) -> tuple[list[dict], int]:
    """The records of block `block` (n reports) and its patient count."""
    rng = SynthRandom(f"radforge-synth:{seed}:{block}")
    rads, refs = physician_pool(seed)
    base = block * BLOCK
    records: list[dict] = []
    patients = 0
    while len(records) < n:
        pt = make_patient(rng, base + patients, seed, n - len(records))
        patients += 1
        own_ref = refs[rng.randrange(len(refs))]
        priors: list[Prior] = []
        for day in pt.exam_dates:
            line = len(records)
            if line >= n:
                break
            exam = _pick_exam(rng, pt, priors, age_on(pt.dob, day))
            title = rng.choice(exam.titles)
            exam_dt = datetime(day.year, day.month, day.day, _HOUR_PICKER.pick(rng),
                               rng.randrange(60), rng.randrange(60))
            fac = vocab.FACILITIES[pt.facility if rng.random() < 0.8 else rng.randrange(len(vocab.FACILITIES))]
            staff = Staff(own_ref if rng.random() < 0.7 else refs[rng.randrange(len(refs))],
                          rads[rng.randrange(len(rads))], refs[rng.randrange(len(refs))],
                          rads[rng.randrange(len(rads))])
            accession = accession_for(base + line, seed, day.year)
            versions = 1
            if line + 1 < n and rng.random() < P_SECOND_VERSION:
                versions = 3 if line + 2 < n and rng.random() < P_THIRD_VERSION else 2
            correction = versions == 2 and rng.random() < P_CORRECTION
            state = rng.getstate() if correction else None
            r = render(rng, pt, exam, title, exam_dt, accession, fac, staff, priors, force_error=correction)
            correction = correction and r.correctable
            if not r.text:
                versions = 1
            tags = r.tags + ["superseded"] if versions > 1 else r.tags
            rid = base + line
            records.append(_record(f"s{seed}-{rid:09d}", pt, r, exam, exam_dt, accession, fac, 1, tags))
            for version in range(2, versions + 1):
                if correction:
                    again = SynthRandom()
                    again.setstate(state)
                    r = render(again, pt, exam, title, exam_dt, accession, fac, staff, priors, corrected=True)
                    r.tags.append("correction")
                else:
                    r = addendum(rng, r, staff, exam_dt, version)
                    if version < versions:
                        r.tags.append("superseded")
                records.append(_record(f"s{seed}-{rid + version - 1:09d}", pt, r, exam, exam_dt, accession, fac,
                                       version, r.tags))
            priors.append(Prior(exam_dt, exam, title, fac[0]))
    return records, patients


def iter_reports(reports: int, seed: int) -> Iterator[dict]:
    """The corpus in memory, report by report (the same records `write_corpus` writes): for tests
    that want texts and gold spans without files. Keys: those of reports.jsonl, plus `spans`
    [(start, end, type)], `sections` {name: (start, end)}, `first`, `last`, `sex`."""
    for block in range(-(-reports // BLOCK)):
        yield from generate_block(seed, block, min(BLOCK, reports - block * BLOCK))[0]


def _block_job(args: tuple[int, int, int, tuple[str, ...]]) -> tuple[dict[str, bytes], dict]:
    seed, block, n, formats = args
    records, patients = generate_block(seed, block, n)
    out: dict[str, bytes] = {}
    if "jsonl" in formats:
        out["reports.jsonl"] = writers.jsonl(records)
        out["gold.jsonl"] = writers.gold(records)
        out["sections.jsonl"] = writers.sections(records)
    if "csv" in formats:
        out["reports.csv"] = writers.csv_rows(records)
    if "hl7" in formats:
        out["reports.hl7"] = writers.hl7(records)
    tags = Counter(t for r in records for t in r["tags"])
    years = [int(r["exam_datetime"][:4]) for r in records]
    stats = {"patients": patients, "tags": tags, "modalities": Counter(r["modality"] for r in records),
             "spans": Counter(s[2] for r in records for s in r["spans"]),
             "year_min": min(years), "year_max": max(years)}
    return out, stats


def _bounded(pool, jobs: list, window: int) -> Iterator[tuple[dict[str, bytes], dict]]:
    """Results in job order with at most `window` blocks in flight: memory stays flat even when
    the disk is slower than the workers (Pool.imap would queue every finished block)."""
    pending: deque = deque()
    todo = iter(jobs)
    for job in islice(todo, window):
        pending.append(pool.apply_async(_block_job, (job,)))
    while pending:
        result = pending.popleft().get()
        job = next(todo, None)
        if job is not None:
            pending.append(pool.apply_async(_block_job, (job,)))
        yield result


def write_corpus(out: Path, *, reports: int, seed: int, formats: tuple[str, ...] = ("jsonl", "csv", "hl7"),
                 workers: int = 1, progress: bool = False) -> dict:
    """Write the corpus files under `out` and return a summary (counts only, no PHI)."""
    unknown = sorted(set(formats) - set(writers.WRITERS))
    if unknown or not formats:
        raise SynthError(f"unknown or empty formats {unknown}; choose from jsonl, csv, hl7")
    if reports < 0:
        raise SynthError("reports must be >= 0")
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SynthError(f"cannot create output folder {out}: {exc.strerror}") from None
    started = time.perf_counter()
    names = [name for f in ("jsonl", "csv", "hl7") if f in formats for name in writers.FILES[f]]
    tmp = {name: out / f".{name}.tmp" for name in names}
    handles = {name: open(path, "wb") for name, path in tmp.items()}  # noqa: SIM115 - closed below
    if "reports.csv" in handles:
        handles["reports.csv"].write(writers.csv_header())
    nblocks = -(-reports // BLOCK)
    jobs = [(seed, b, min(BLOCK, reports - b * BLOCK), tuple(formats)) for b in range(nblocks)]
    workers = max(1, min(workers, nblocks or 1))
    totals: dict = {"patients": 0, "tags": Counter(), "modalities": Counter(), "spans": Counter(),
                    "year_min": None, "year_max": None}
    bar = None
    pool = None
    try:
        if workers > 1:
            pool = worker_context().Pool(workers)
            results = _bounded(pool, jobs, 3 * workers)
        else:
            results = map(_block_job, jobs)
        if progress:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            bar = Progress(TextColumn("synth"), BarColumn(), MofNCompleteColumn(), TextColumn("reports"),
                           TimeRemainingColumn(), transient=True)
            bar.start()
            task = bar.add_task("synth", total=reports)
        for (_, _, n, _), (chunks, stats) in zip(jobs, results, strict=True):
            for name, data in chunks.items():
                handles[name].write(data)
            totals["patients"] += stats["patients"]
            for key in ("tags", "modalities", "spans"):
                totals[key].update(stats[key])
            totals["year_min"] = min(filter(None, (totals["year_min"], stats["year_min"])))
            totals["year_max"] = max(filter(None, (totals["year_max"], stats["year_max"])))
            if bar is not None:
                bar.update(task, advance=n)
    finally:
        if bar is not None:
            bar.stop()
        if pool is not None:
            pool.terminate()
        for h in handles.values():
            h.close()
    for name, path in tmp.items():
        path.replace(out / name)
    return {
        "reports": reports, "patients": totals["patients"], "seed": seed, "workers": workers,
        "years": [totals["year_min"], totals["year_max"]],
        "tags": dict(sorted(totals["tags"].items())), "modalities": dict(sorted(totals["modalities"].items())),
        "gold_spans": dict(sorted(totals["spans"].items())),
        "files": {name: (out / name).stat().st_size for name in names},
        "seconds": round(time.perf_counter() - started, 3),
    }

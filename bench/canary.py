"""`make canary`: plant unique canary PHI in every field, run the whole pipeline, then look for it everywhere.

The synthetic corpus (sources.synth) already marks every PHI span of its reports; this script
rewrites each one into a canary: a realistic-looking but unique value (invented surnames such as
"Kesmarovick", unique phone numbers, e-mails, street addresses, facility names), the corpus's own
MRNs and accessions (unique by construction) and every date of birth / exam date in the common
formats. The export then goes through production's path — the Airflow DAGs via
radforge.airflow_local, as `make demo` does (ingest → de-id zone → pairs → snapshot → a few
training steps → evaluation with predictions, report and judge → audit month report) — or, with
--direct, through the same Python entry points the DAG tasks call.

Afterwards every file under the site home except the raw and quarantine zones is scanned: Parquet
decoded column by column AND as raw bytes, the DuckDB catalog (every table's columns as text),
audit trail, logs (the pipeline's own stderr at DEBUG), Airflow task logs and its SQLite database
(XComs), run folders, model cards, evaluation HTML/JSON/predictions. Then errors are forced in
each stage (corrupted input, bad config, missing model, tampered audit trail, hostile SQL) and
their messages and logs are scanned too. The raw zone is scanned as a control: the scanner must
find the canaries there, or its zero elsewhere means nothing.

Dates: a canary date is only counted when no patient's legitimately shifted date equals it (the
shift is keyed, so a shifted date of patient B can fall on patient A's birthday by chance);
those are reported as `dates_ambiguous`.

Last line: one JSON object (canaries, files_scanned, canaries_found, found, stages, forced_errors,
seconds, ...). Example: .venv/bin/python bench/canary.py --reports 300 --seed 13
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PY = sys.executable
RADFORGE = str(Path(PY).with_name("radforge"))
SKIP_ZONES = ("raw", "quarantine")

# --- canary values ----------------------------------------------------------------------------

_ONSET = ("Br", "Kes", "Dell", "Fenn", "Gorv", "Hal", "Jorr", "Lund", "Marv", "Norr", "Pell", "Quill", "Rosk",
          "Sev", "Thorv", "Vell", "Wynd", "Yarr", "Zell", "Ostr", "Ambr", "Cald", "Ebb", "Ingr")
_MID = ("a", "e", "i", "o", "ai", "ea", "io", "ou", "ar", "el", "an", "or")
_CODA = ("vick", "mont", "stead", "worth", "ick", "dane", "fold", "holm", "sley", "ton", "ska", "ova", "ard",
         "ett", "lin", "bury", "wick", "more", "ham", "quist")
_STREETS = ("Street", "Road", "Avenue", "Lane", "Court", "Drive", "Terrace")
_PHONE_AREAS = (617, 508, 781, 978, 413, 774, 339, 857)


def _rare_word(i: int, salt: int) -> str:
    """The i-th invented name-like word (bijective in i for i < 24*12*20*12): 'Kesaivick', 'Pelloumont'."""
    n = i * 7919 + salt
    onset = _ONSET[n % len(_ONSET)]
    n //= len(_ONSET)
    mid = _MID[n % len(_MID)]
    n //= len(_MID)
    coda = _CODA[n % len(_CODA)]
    n //= len(_CODA)
    extra = ("", "er", "in", "ov", "ey", "as", "om", "ur", "ik", "en", "ol", "ad")[n % 12]
    return onset + mid + extra + coda


class _Names:
    """Hands out unique invented words, none a substring of another nor of the original corpus."""

    def __init__(self, forbidden: str, salt: int) -> None:
        self.forbidden = forbidden.lower()
        self.used: set[str] = set()
        self.i = 0
        self.salt = salt

    def take(self) -> str:
        while True:
            self.i += 1
            w = _rare_word(self.i, self.salt)
            lw = w.lower()
            if lw in self.used or lw in self.forbidden or any(lw in u or u in lw for u in self.used):
                continue
            self.used.add(lw)
            return w


@dataclass
class Canary:
    kind: str  # patient_name, physician_name, mrn, accession, dob, exam_datetime, phone, email, address, facility
    value: str  # the planted text
    needles: tuple[str, ...]  # normalised forms the scanner looks for (lower-case)


@dataclass
class CanaryCorpus:
    records: list[dict]
    canaries: list[Canary]
    dates: dict[str, list[dt.date]] = field(default_factory=dict)  # mrn -> every full date of the patient


def _shape(original: str, first: str, last: str) -> str:
    """Write the canary name in the shape of the name it replaces (LAST, FIRST / First Last / Dr. ...)."""
    o = original.strip()
    upper = o.isupper()
    if "," in o:
        out = f"{last}, {first}"
    elif " " in o:
        out = f"{first} {last}"
    else:
        out = last
    return out.upper() if upper else out


_DATE_RE = (("%m/%d/%Y", re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b")), ("%Y-%m-%d", re.compile(r"\b\d{4}-\d{2}-\d{2}\b")),
            ("%B %d, %Y", re.compile(r"\b[A-Z][a-z]+ \d{1,2}, \d{4}\b")),
            ("%b %d, %Y", re.compile(r"\b[A-Z][a-z]{2} \d{1,2}, \d{4}\b")),
            ("%d-%b-%Y", re.compile(r"\b\d{2}-[A-Z]{3}-\d{4}\b")),
            ("%d %B %Y", re.compile(r"\b\d{1,2} [A-Z][a-z]+ \d{4}\b")))


def date_forms(d: dt.date) -> tuple[str, ...]:
    """A date the ways exports and radiologists write it (lower-case, as the scanner compares)."""
    months = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
              "november", "december")
    m = months[d.month - 1]
    return (f"{d.month:02d}/{d.day:02d}/{d.year}", f"{d.month}/{d.day}/{d.year}", d.isoformat(),
            f"{m} {d.day}, {d.year}", f"{m[:3]} {d.day}, {d.year}", f"{d.day:02d}-{m[:3]}-{d.year}",
            f"{d.day} {m} {d.year}", d.strftime("%Y%m%d"))


def _full_dates(text: str) -> list[dt.date]:
    out = []
    for fmt, rx in _DATE_RE:
        for m in rx.finditer(text):
            try:
                out.append(dt.datetime.strptime(m.group(0).title() if "%b" in fmt else m.group(0), fmt).date())
            except ValueError:
                continue
    return out


def build_corpus(reports: int, seed: int) -> CanaryCorpus:
    """The synthetic corpus with every PHI span and field rewritten to a recorded canary."""
    from sources.synth import iter_reports

    base = list(iter_reports(reports, seed))
    forbidden = "\n".join(r["text"] for r in base)
    # the de-id surrogate vocabulary must not contain a canary either (a surrogate is not a leak)
    import deid
    from sources.synth import vocab

    for path in Path(deid.__file__).parent.rglob("*"):
        if path.is_file() and path.suffix in (".txt", ".py", ".json"):
            forbidden += "\n" + path.read_text(errors="ignore")
    forbidden += "\n" + repr(vars(vocab))
    words = _Names(forbidden, seed)
    canaries: list[Canary] = []
    patients: dict[str, tuple[str, str]] = {}
    dates: dict[str, list[dt.date]] = defaultdict(list)
    phone_n = 0
    out = []
    for r in base:
        mrn = r["mrn"]
        if mrn not in patients:
            first, last = words.take(), words.take()
            patients[mrn] = (first, last)
            canaries.append(Canary("patient_name", f"{last}, {first}", (last.lower(), first.lower())))
            canaries.append(Canary("mrn", mrn, (mrn,)))
            dob = dt.date.fromisoformat(r["dob"])
            canaries.append(Canary("dob", r["dob"], date_forms(dob)))
        first, last = patients[mrn]
        facility = f"{words.take()} Valley Medical Center"
        canaries.append(Canary("facility", facility, (facility.split()[0].lower(),)))
        canaries.append(Canary("accession", r["accession"], (r["accession"],)))
        exam = dt.datetime.fromisoformat(r["exam_datetime"])
        canaries.append(Canary("exam_datetime", r["exam_datetime"],
                               (r["exam_datetime"].lower(), r["exam_datetime"].replace("T", " "),
                                exam.strftime("%Y%m%d%H%M%S"), *date_forms(exam.date()))))
        text = r["text"]
        parts = []
        prev = 0
        for s, e, kind in sorted(r["spans"]):
            orig = text[s:e]
            new = orig
            if kind == "PERSON":
                if last.lower() in orig.lower() or r["last"].lower() in orig.lower() or r["first"] in orig:
                    new = _shape(orig, first, last)
                else:
                    pf, pl_ = words.take(), words.take()
                    new = _shape(orig, pf, pl_)
                    canaries.append(Canary("physician_name", f"{pf} {pl_}", (pl_.lower(), pf.lower())))
            elif kind == "PHONE":
                phone_n += 1
                area = _PHONE_AREAS[phone_n % len(_PHONE_AREAS)]
                exch, line = 200 + (phone_n * 37) % 700, (phone_n * 7331 + seed) % 10000
                new = f"{area}-{exch}-{line:04d}"
                canaries.append(Canary("phone", new, (f"{exch}{line:04d}",)))
            elif kind == "EMAIL":
                local = f"{first.lower()}.{words.take().lower()}"
                new = f"{local}@{words.take().lower()}.org"
                canaries.append(Canary("email", new, (local,)))
            elif kind == "LOCATION" and re.match(r"^\d+ ", orig):
                street = words.take()
                new = f"{100 + len(canaries) % 9000} {street} {_STREETS[len(canaries) % len(_STREETS)]}"
                canaries.append(Canary("address", new, (street.lower(),)))
            elif kind == "ORGANIZATION" and orig == r["facility"]:
                new = facility
            parts.append(text[prev:s])
            parts.append(new)
            prev = e
        parts.append(text[prev:])
        new_text = "".join(parts)
        dates[mrn] += [dob_ for dob_ in [dt.date.fromisoformat(r["dob"]), exam.date()]] + _full_dates(text)
        out.append({**r, "text": new_text, "patient_name": f"{last}, {first}", "first": first, "last": last,
                    "facility": facility})
    return CanaryCorpus(out, canaries, dict(dates))


def write_export(corpus: CanaryCorpus, folder: Path) -> list[Path]:
    """The hospital's export in the three formats ingest reads (patients split between the files)."""
    from sources.synth import writers

    folder.mkdir(parents=True, exist_ok=True)
    groups: dict[int, list[dict]] = defaultdict(list)
    for r in corpus.records:
        groups[int(r["mrn"]) % 3].append(r)
    paths = []
    for n, (name, fn) in enumerate((("export.jsonl", writers.jsonl), ("export.csv", writers.csv_rows),
                                    ("export.hl7", writers.hl7))):
        data = fn(groups[n])
        if name.endswith(".csv"):
            data = writers.csv_header() + data
        (folder / name).write_bytes(data)
        paths.append(folder / name)
    return paths


# --- the scanner ------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z]+")
_DIGITS = re.compile(r"\d+")
_PHONE = re.compile(r"(?<!\d)(\d{3})[-. ]?(\d{4})(?!\d)")
_EMAILISH = re.compile(r"[a-z0-9._+-]+(?=@)")
_DATE_NEEDLES = tuple(re.compile(rf"(?<![\w/-]){rx}(?![\w/])") for rx in (
    r"\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}:\d{2}", r"\d{14}", r"\d{8}", r"\d{4}-\d{2}-\d{2}", r"\d{1,2}/\d{1,2}/\d{4}",
    r"[a-z]+ \d{1,2}, \d{4}", r"\d{2}-[a-z]{3}-\d{4}", r"\d{1,2} [a-z]+ \d{4}"))


class Scanner:
    """Finds any canary needle in a text: word, digit-run, phone and date needles, each by set look-up."""

    def __init__(self, canaries: list[Canary], ambiguous_dates: set[str], preexisting: set[str] = frozenset()) -> None:
        self.by_word: dict[str, str] = {}
        self.by_digits: dict[str, str] = {}
        self.by_phone: dict[str, str] = {}
        self.by_local: dict[str, str] = {}
        self.by_phrase: dict[str, str] = {}
        for c in canaries:
            for n in c.needles:
                if n in preexisting:
                    continue
                if c.kind in ("mrn", "accession"):
                    self.by_digits[n] = c.kind
                elif c.kind == "phone":
                    self.by_phone[n] = c.kind
                elif c.kind == "email":
                    self.by_local[n] = c.kind
                elif c.kind in ("dob", "exam_datetime"):
                    if n not in ambiguous_dates:
                        self.by_phrase[n] = c.kind
                else:
                    self.by_word[n] = c.kind
        lens = sorted({len(p) for p in self.by_phrase})
        self.phrase_lens = lens

    def find(self, text: str) -> dict[str, str]:
        """{needle: kind} of every canary in `text`."""
        low = text.lower()
        hits: dict[str, str] = {}
        for w in set(_WORD.findall(low)):
            if w in self.by_word:
                hits[w] = self.by_word[w]
        for d in set(_DIGITS.findall(low)):
            if d in self.by_digits:
                hits[d] = self.by_digits[d]
        for a, b in set(_PHONE.findall(low)):
            if a + b in self.by_phone:
                hits[a + b] = "phone"
        for local in set(_EMAILISH.findall(low)):
            if local in self.by_local:
                hits[local] = "email"
        for rx in _DATE_NEEDLES:
            for m in set(rx.findall(low)):
                if m in self.by_phrase:
                    hits[m] = self.by_phrase[m]
        return hits


def _parquet_text(path: Path) -> str:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    chunks = [json.dumps(table.schema.metadata and {k.decode(errors="ignore"): v.decode(errors="ignore")
                                                     for k, v in table.schema.metadata.items()})]
    for col in table.columns:
        chunks.append("\n".join("" if v is None else str(v) for v in col.to_pylist()))
    return "\n".join(chunks)


def _duckdb_text(path: Path) -> str:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        chunks = []
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
        for schema, table in tables:
            rows = con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()
            chunks.append("\n".join(" ".join("" if v is None else str(v) for v in row) for row in rows))
        views = con.execute("SELECT sql FROM duckdb_views() WHERE NOT internal").fetchall()
        chunks += [str(v[0]) for v in views]
        return "\n".join(chunks)
    finally:
        con.close()


def _sqlite_text(path: Path) -> str:
    import sqlite3

    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        chunks = []
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'"):
            for row in con.execute(f'SELECT * FROM "{table}"'):
                chunks.append(" ".join(v.decode("utf-8", "ignore") if isinstance(v, bytes) else str(v)
                                       for v in row if v is not None))
        return "\n".join(chunks)
    finally:
        con.close()


def scan_tree(root: Path, scanner: Scanner, skip: tuple[str, ...] = SKIP_ZONES) -> tuple[int, list[dict], Counter]:
    """(files scanned, [{file, canary_kind, how}], files by type) for every file under root outside `skip`."""
    found: list[dict] = []
    kinds: Counter = Counter()
    n = 0
    skip_dirs = {(root / s).resolve() for s in skip}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath).resolve()
        dirnames[:] = [d for d in dirnames if (here / d).resolve() not in skip_dirs]
        for name in filenames:
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            n += 1
            rel = str(path.relative_to(root))
            data = path.read_bytes()
            texts = [("bytes", data.decode("utf-8", "ignore")), ("latin1", data.decode("latin-1"))]
            suffix = path.suffix.lower()
            try:
                if suffix == ".parquet":
                    texts.append(("parquet", _parquet_text(path)))
                    kinds["parquet"] += 1
                elif suffix == ".duckdb":
                    texts.append(("duckdb", _duckdb_text(path)))
                    kinds["duckdb"] += 1
                elif suffix in (".db", ".sqlite", ".sqlite3") and data[:15] == b"SQLite format 3":
                    texts.append(("sqlite", _sqlite_text(path)))
                    kinds["sqlite"] += 1
                else:
                    kinds[suffix or "(none)"] += 1
            except Exception as exc:  # noqa: BLE001 - an unreadable file is reported, not skipped silently
                found.append({"file": rel, "canary_kind": "unscannable", "how": type(exc).__name__})
            seen = set()
            for how, text in texts:
                for needle, kind in scanner.find(text).items():
                    if (needle, kind) not in seen:
                        seen.add((needle, kind))
                        found.append({"file": rel, "canary_kind": kind, "how": how, "needle": needle})
    return n, found, kinds


def ambiguous_dates(corpus: CanaryCorpus, secret: bytes) -> set[str]:
    """Date strings a correct pipeline may legitimately write: any patient's date moved by its keyed shift."""
    from deid.pseudonyms import date_shift_days, patient_key

    out: set[str] = set()
    for mrn, days in corpus.dates.items():
        shift = dt.timedelta(days=date_shift_days(secret, patient_key(secret, mrn)))
        for d in days:
            try:
                out.update(date_forms(d + shift))
            except OverflowError:
                continue
    return out


# --- driving the pipeline ---------------------------------------------------------------------

def _env(home: Path, landing: Path, model: Path | None) -> dict[str, str]:
    env = {**os.environ, "RADFORGE_HOME": str(home), "RADFORGE_AIRFLOW__LANDING_DIR": str(landing),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "RADFORGE_LOG_LEVEL": "DEBUG",
           "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("RADFORGE_CONFIG", None)
    if model is not None:
        env["RADFORGE_MODELS__BASE_LLM"] = str(model)
    return env


def tiny_model(dest: Path) -> Path:
    """A tiny random Llama with SmolLM2's real tokenizer: the pipeline's code paths in seconds, not minutes."""
    from radforge.models import DEMO_LLM_DIRNAME, prepare_demo_llm, prepare_tiny_llama

    return prepare_tiny_llama(dest, tokenizer_from=prepare_demo_llm(REPO / ".venv" / ".test-cache" / DEMO_LLM_DIRNAME))


def pipeline_airflow(eval_limit: int, judge_limit: int) -> list[dict]:
    """Runs inside the child process: every DAG of the demo, in order, through dag.test()."""
    from radforge.airflow_local import prepare, run_dag
    from radforge.settings import get_settings

    settings = get_settings()
    prepare(settings.root / "airflow")
    stages = []

    def run(dag_id: str, conf: dict | None = None) -> dict:
        t0 = time.perf_counter()
        outcome = run_dag(dag_id, conf)
        stages.append({"stage": dag_id, "ok": outcome.ok, "seconds": round(time.perf_counter() - t0, 1)})
        if not outcome.ok:
            raise SystemExit(f"{dag_id} failed: {outcome.tasks}")
        return outcome.returns

    run("radforge_ingest")
    run("radforge_deid")
    run("radforge_pairs")
    retrain = run("radforge_retrain_yearly", {"eval_limit": eval_limit, "force": True})
    run_id = (retrain.get("promote") or {}).get("run_id") or (retrain.get("train") or {}).get("run_id", "")
    run("radforge_evaluate", {"run_id": run_id, "rubric": "mgh-0-10", "limit": judge_limit})
    run("radforge_audit_monthly", {"month": dt.datetime.now(dt.UTC).strftime("%Y-%m")})
    return stages


def pipeline_direct(train: bool, eval_limit: int) -> list[dict]:
    """Runs inside the child process: the entry points the DAG tasks call, without Airflow."""
    from radforge.orchestration import task_settings
    from warehouse.deid_zone import run_deid_zone
    from warehouse.ingest import ingest_paths, landing_files
    from warehouse.pairs import build_pairs
    from warehouse.reconcile import reconcile
    from warehouse.snapshot import create_snapshot

    settings = task_settings()
    stages = []

    def stage(name: str, fn) -> object:  # noqa: ANN001
        t0 = time.perf_counter()
        out = fn()
        stages.append({"stage": name, "ok": True, "seconds": round(time.perf_counter() - t0, 1)})
        return out

    stage("ingest", lambda: ingest_paths(landing_files(settings), settings))
    stage("deid_zone", lambda: run_deid_zone(settings, 1))
    stage("pairs", lambda: build_pairs(settings))
    stage("snapshot", lambda: create_snapshot("canary", settings))
    rec = stage("reconcile", lambda: reconcile(settings))
    if not rec.ok:
        raise SystemExit("reconciliation failed")
    if train:
        from evaluation.config import EvalConfig
        from evaluation.run import evaluate
        from training.run import train as train_run

        cfg = {"name": "canary", "base_model": "", "method": "lora", "max_steps": 2, "max_seq_len": 256,
               "micro_batch_size": 1, "precision": "fp32", "checkpoint_every": 1, "logging_steps": 1,
               "lora": {"r": 4, "alpha": 8, "target_modules": ["q_proj", "v_proj"]},
               "dataset": {"snapshot": "canary", "max_eval_examples": 4}}
        run_id = stage("train", lambda: train_run(cfg, settings, disable_tqdm=True))
        stage("evaluate", lambda: evaluate(EvalConfig(snapshot="canary", run_id=run_id, limit=eval_limit or None,
                                                      max_new_tokens=8), settings))
    from radforge.audit import AuditTrail, write_month_report

    stage("audit_report", lambda: write_month_report(AuditTrail.for_settings(settings),
                                                     dt.datetime.now(dt.UTC).strftime("%Y-%m"),
                                                     settings.zone("evals") / "audit"))
    return stages


def forced_airflow_failure() -> list[dict]:
    """Runs inside a child process: a fresh export lands, ingest runs, then the de-id DAG fails on a bad
    recognizer list — Airflow logs the task failure (traceback included) into this process's output."""
    from radforge.airflow_local import prepare, run_dag
    from radforge.settings import get_settings

    prepare(get_settings().root / "airflow")
    out = []
    for dag_id in ("radforge_ingest", "radforge_deid"):
        outcome = run_dag(dag_id)
        out.append({"stage": dag_id, "ok": outcome.ok, "tasks": outcome.tasks})
    return out


def _child(args: argparse.Namespace) -> int:
    from radforge.process import start

    start(preflight=False)  # as every radforge process: threads, PHI-safe logging, the egress guard
    if args.forced_airflow:
        print("FORCED " + json.dumps(forced_airflow_failure()))
        return 0
    stages = pipeline_direct(args.train, args.eval_limit) if args.direct else \
        pipeline_airflow(args.eval_limit, args.judge_limit)
    print("STAGES " + json.dumps(stages))
    return 0


# --- forced errors ----------------------------------------------------------------------------

def forced_errors(home: Path, landing: Path, corpus: CanaryCorpus, env: dict[str, str], work: Path,
                  quick: bool = False, airflow: bool = False) -> list[dict]:
    """Break each stage on purpose; return {stage, what, rc, text} with every message and log line produced.

    `quick` (the test's sample) leaves out the two slowest repeats: the unknown recognizer (loads the
    de-id engine once more) and the unknown snapshot (imports torch once more)."""
    out: list[dict] = []

    def cli(stage: str, what: str, args: list[str], extra_env: dict[str, str] | None = None) -> None:
        t0 = time.perf_counter()
        p = subprocess.run([RADFORGE, *args], env={**env, **(extra_env or {})}, capture_output=True, text=True,
                           timeout=600, cwd=str(work))
        out.append({"stage": stage, "what": what, "rc": p.returncode, "text": p.stdout + p.stderr,
                    "seconds": round(time.perf_counter() - t0, 1)})

    r0 = corpus.records[0]
    bad = work / "bad"
    bad.mkdir(exist_ok=True)
    # ingest: undecodable bytes, a broken date of birth, a truncated gzip, an unbalanced quote — all with canaries
    (bad / "undecodable.csv").write_bytes(
        b"AccessionNumber,MRN,PatientName,DOB,ExamDateTime,Modality,BodyPart,Facility,Version,ReportText\r\n"
        + f'{r0["accession"]}9,{r0["mrn"]},"{r0["patient_name"]}",{r0["dob"]},{r0["exam_datetime"]},CT,"CHEST",'
          f'"{r0["facility"]}",1,"'.encode() + r0["text"].encode("utf-16") + b'\xff\xfe"\r\n')
    bad_rows = [{**r0, "id": r0["id"] + "x", "accession": r0["accession"] + "7", "dob": r0["patient_name"]},
                {**r0, "id": r0["id"] + "y", "accession": r0["accession"] + "8", "exam_datetime": r0["text"][:40]},
                {**r0, "id": r0["id"] + "z", "accession": r0["accession"] + "6", "version": r0["patient_name"]}]
    (bad / "bad_fields.jsonl").write_text("\n".join(json.dumps(r) for r in bad_rows) + "\n")
    import gzip

    blob = gzip.compress(json.dumps(r0).encode() * 50)
    (bad / "truncated.jsonl.gz").write_bytes(blob[: len(blob) // 2])
    (bad / "quote.csv").write_text(
        "AccessionNumber,MRN,PatientName,DOB,ExamDateTime,Modality,BodyPart,Facility,Version,ReportText\r\n"
        f'{r0["accession"]}5,{r0["mrn"]},"{r0["patient_name"]},{r0["dob"]},x,CT,"CHEST",{r0["text"][:200]}\r\n')
    for f in sorted(bad.glob("*")):
        cli("ingest", f"corrupted input {f.name}", ["ingest", str(f), "--json"])
    # ingest: a bad site config (a column mapping naming a canary as the column)
    cli("ingest", "bad config", ["ingest", str(bad / "bad_fields.jsonl")],
        {"RADFORGE_WAREHOUSE__CHUNK_ROWS": r0["patient_name"]})
    # de-id: a new partition waits, then an unknown recognizer and a config that cannot be parsed
    fresh = [{**r, "id": r["id"] + "n", "accession": r["accession"] + "1"} for r in corpus.records[1:4]]
    (bad / "fresh.jsonl").write_text("\n".join(json.dumps({k: v for k, v in r.items() if k not in (
        "spans", "sections", "first", "last", "sex")}) for r in fresh) + "\n")
    cli("ingest", "a fresh valid file", ["ingest", str(bad / "fresh.jsonl"), "--json"])
    if not quick:
        cli("deid_zone", "unknown recognizer", ["deid-zone", "--json"], {"RADFORGE_DEID__RECOGNIZERS": '["NoSuch"]'})
    cli("deid_zone", "bad config value", ["deid-zone", "--json"], {"RADFORGE_DEID__WORKERS": r0["mrn"] + "x"})
    # pairs / snapshot: a corrupted de-identified partition (restored afterwards), a reused snapshot name
    parts = sorted((home / "deid").rglob("*.parquet"))
    if parts:
        victim = parts[0]
        saved = victim.read_bytes()
        os.chmod(victim, 0o600)
        victim.write_bytes(saved[: len(saved) // 3] + r0["patient_name"].encode())
        cli("pairs", "corrupted de-identified partition", ["pairs", "--force", "--json"])
        victim.write_bytes(saved)
    snaps = [p.name for p in (home / "snapshots").iterdir() if p.is_dir()] if (home / "snapshots").exists() else []
    if snaps:
        cli("snapshot", "name reused", ["dataset", "snapshot", "--name", snaps[0]])
    cli("snapshot", "bad years", ["dataset", "snapshot", "--name", "bad-years", "--years", "20x8-2023"])
    # training: a missing model, an unknown snapshot
    if snaps:
        cli("train", "missing model", ["train", "--preset", "demo-lora", "--snapshot", snaps[0]],
            {"RADFORGE_MODELS__BASE_LLM": str(work / "no-such-model")})
    if not quick:
        cli("train", "unknown snapshot", ["train", "--preset", "demo-lora", "--snapshot", "no-such-snapshot"])
    # evaluation: an unknown run, a judge endpoint outside the site
    cli("evaluate", "unknown run", ["eval", "--run", "no-such-run", "--snapshot", snaps[0] if snaps else "x"])
    cli("evaluate", "judge endpoint not allow-listed", ["eval", "judge-sanity", "--endpoint", "http://203.0.113.1/v1"])
    # sql: hostile queries naming the raw zone
    raw = sorted((home / "raw").rglob("*.parquet"))
    if raw:
        cli("sql", "read raw zone", ["sql", f"SELECT * FROM read_parquet('{raw[0]}')"])
    cli("sql", "syntax error quoting a canary", ["sql", f"SELEC '{r0['patient_name']}' FROM x"])
    # audit: a tampered trail carrying a canary (copy, so the site's own trail stays intact)
    trail_src = home / "audit"
    if (trail_src / "trail.jsonl").exists():
        from radforge.audit import AuditTrail, write_month_report
        from radforge.audit_keys import AuditKeyring
        from radforge.settings import get_settings

        keys = AuditKeyring.for_settings(get_settings(home=home))  # the copy is checked with the site's audit key
        t_dir = work / "tampered-audit"
        shutil.copytree(trail_src, t_dir, dirs_exist_ok=True)
        lines = (t_dir / "trail.jsonl").read_text().splitlines()
        rec = json.loads(lines[0])
        rec["note"] = r0["patient_name"] + " " + r0["mrn"]
        lines[0] = json.dumps(rec)
        (t_dir / "trail.jsonl").write_text("\n".join(lines) + "\n")
        result = AuditTrail(t_dir, keys).verify()
        report = write_month_report(AuditTrail(t_dir, keys), dt.datetime.now(dt.UTC).strftime("%Y-%m"),
                                    work / "tampered")
        out.append({"stage": "audit", "what": "tampered trail", "rc": 0 if not result.ok else 1,
                    "text": json.dumps(result.as_dict()) + Path(report["html"]).read_text()})
    # de-id engine: a record it cannot handle, with canaries everywhere
    code = (
        "import json,sys\nfrom radforge.process import start\nstart(preflight=False)\n"
        "from deid import Deidentifier, RawReport\nfrom radforge.settings import get_settings\n"
        "r=json.loads(sys.stdin.read())\n"
        "res=Deidentifier(settings=get_settings()).deidentify_batch([RawReport('c1', r['text'], mrn=int(r['mrn']), "
        "accession=r['accession'], patient_name=r['patient_name'], dob=r['dob'], version=1)])\n"
        "print(res[0].quarantined)\n")
    p = subprocess.run([PY, "-c", code], input=json.dumps(r0), env=env, capture_output=True, text=True, timeout=600,
                       cwd=str(work))
    out.append({"stage": "deid", "what": "engine error on a malformed record", "rc": p.returncode,
                "text": p.stdout + p.stderr})
    if airflow:  # a DAG task that fails: Airflow's own failure logging must hold no canary either
        fresh = [{k: v for k, v in r.items() if k not in ("spans", "sections", "first", "last", "sex")}
                 | {"id": r["id"] + "a", "accession": r["accession"] + "2"} for r in corpus.records[4:8]]
        (landing / "late.jsonl").write_text("\n".join(json.dumps(r) for r in fresh) + "\n")
        log = home / "logs" / "forced-airflow.log"
        with open(log, "w") as fh:
            p = subprocess.run([PY, __file__, "--_child", "--forced-airflow"], env={
                **env, "RADFORGE_DEID__RECOGNIZERS": '["NoSuchRecognizer"]'}, stdout=fh, stderr=subprocess.STDOUT,
                text=True, timeout=900, cwd=str(work))
        text = log.read_text()
        line = next((x for x in text.splitlines() if x.startswith("FORCED ")), "FORCED []")
        states = json.loads(line[7:])
        failed = any(not s["ok"] for s in states if s["stage"] == "radforge_deid")
        out.append({"stage": "airflow_task", "what": "de-id DAG task fails on a bad recognizer list",
                    "rc": 1 if failed else 0, "text": text})
    return out


# --- main -------------------------------------------------------------------------------------

def run(reports: int, seed: int, home: Path, direct: bool, train: bool, real_model: bool, eval_limit: int,
        judge_limit: int, forced: bool = True, quiet: bool = False, quick: bool = False) -> dict:
    started = time.perf_counter()
    say = (lambda *_: None) if quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))
    if home.exists() and any(home.iterdir()):
        raise SystemExit(f"--home {home} is not empty; give a new folder")
    home.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="canary-work-", dir=home.parent))
    landing = work / "landing"
    corpus = build_corpus(reports, seed)
    write_export(corpus, landing)
    say(f"canary corpus: {len(corpus.records)} reports, {len(corpus.canaries)} canaries "
        f"({dict(Counter(c.kind for c in corpus.canaries))})")
    model = None
    if train or not direct:
        if real_model:
            from radforge.models import DEMO_LLM_DIRNAME, prepare_demo_llm

            model = prepare_demo_llm(REPO / ".venv" / ".test-cache" / DEMO_LLM_DIRNAME)
        else:
            model = tiny_model(REPO / ".venv" / ".test-cache" / "tiny-llama")
    env = _env(home, landing, model)
    subprocess.run([RADFORGE, "init", "--json"], env=env, check=True, capture_output=True, cwd=str(work))
    (home / "logs").mkdir(exist_ok=True)
    log_path = home / "logs" / "pipeline.log"
    cmd = [PY, __file__, "--_child", "--eval-limit", str(eval_limit), "--judge-limit", str(judge_limit)]
    cmd += (["--direct"] if direct else []) + (["--train"] if train else [])
    say(f"pipeline ({'direct entry points' if direct else 'Airflow DAGs'}) → {log_path}")
    out_path = home / "logs" / "pipeline.stdout.log"  # Airflow prints task output here: scanned like the rest
    with open(log_path, "w") as log, open(out_path, "w") as out:
        p = subprocess.run(cmd, env=env, stdout=out, stderr=log, text=True, cwd=str(work))
    stages = []
    for line in out_path.read_text().splitlines():
        if line.startswith("STAGES "):
            stages = json.loads(line[7:])
    if p.returncode != 0:
        raise SystemExit(f"pipeline failed (rc {p.returncode}); see {log_path}")
    say("stages: " + ", ".join(f"{s['stage']} {s['seconds']}s" for s in stages))
    from radforge.secret import read_secret

    secret = read_secret(home / "secret" / "site.key")
    ambiguous = ambiguous_dates(corpus, secret)
    # a needle already in the base model's own files (a BPE token of the tokenizer) is not data: excluded
    preexisting: set[str] = set()
    if model is not None:
        preexisting = {h["needle"] for h in scan_tree(model, Scanner(corpus.canaries, ambiguous), skip=())[1]}
    scanner = Scanner(corpus.canaries, ambiguous, preexisting)
    date_needles = sum(len(c.needles) for c in corpus.canaries if c.kind in ("dob", "exam_datetime"))
    errors: list[dict] = []
    if forced:
        say("forcing errors in every stage")
        errors = forced_errors(home, landing, corpus, env, work, quick=quick, airflow=not direct)
    files, found, kinds = scan_tree(home, scanner)
    for e in errors:
        for kind in scanner.find(e["text"]).values():
            found.append({"file": f"(error: {e['stage']} / {e['what']})", "canary_kind": kind, "how": "message"})
    # control: the raw zone and the export must be full of canaries, else the scanner is blind
    control = Counter()
    for root in (home / "raw", landing):
        _, hits, _ = scan_tree(root, scanner, skip=())
        control.update(h["canary_kind"] for h in hits)
    shutil.rmtree(work, ignore_errors=True)
    result = {
        "canaries": len(corpus.canaries), "reports": len(corpus.records),
        "canary_kinds": dict(sorted(Counter(c.kind for c in corpus.canaries).items())),
        "files_scanned": files, "file_types": dict(sorted(kinds.items())),
        "canaries_found": len({(f["canary_kind"], f["file"]) for f in found}),
        "found": [{k: v for k, v in f.items() if k != "needle"} for f in found[:50]],
        "needles_in_base_model": len(preexisting),
        "stages": [s["stage"] for s in stages], "stage_seconds": {s["stage"]: s["seconds"] for s in stages},
        "forced_errors": len(errors), "forced_error_stages": sorted({e["stage"] for e in errors}),
        "forced_errors_nonzero_rc": sum(1 for e in errors if e["rc"] != 0),
        "control_hits_in_raw": dict(sorted(control.items())),
        "dates_ambiguous": len([n for n in ambiguous if n in {x for c in corpus.canaries for x in c.needles}]),
        "date_needles": date_needles, "mode": "direct" if direct else "airflow", "seed": seed,
        "seconds": round(time.perf_counter() - started, 1),
    }
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=13, help="Corpus seed (default 13).")
    ap.add_argument("--reports", type=int, default=240, help="Reports in the canary corpus (default 240).")
    ap.add_argument("--home", type=Path, default=None, help="Site home to create (default: a new temp folder).")
    ap.add_argument("--direct", action="store_true", help="Call the DAG tasks' entry points without Airflow.")
    ap.add_argument("--train", action="store_true", help="With --direct: also train and evaluate.")
    ap.add_argument("--real-model", action="store_true", help="Train SmolLM2-135M instead of a tiny random Llama.")
    ap.add_argument("--eval-limit", type=int, default=8, help="Test examples to generate (default 8).")
    ap.add_argument("--judge-limit", type=int, default=2, help="Predictions for the judge (default 2).")
    ap.add_argument("--keep", action="store_true", help="Keep the temporary site home.")
    ap.add_argument("--_child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--forced-airflow", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._child:
        return _child(args)
    tmp = None
    home = args.home
    if home is None:
        tmp = Path(tempfile.mkdtemp(prefix="radforge-canary-"))
        home = tmp / "site"
    try:
        result = run(args.reports, args.seed, home.resolve(), args.direct, args.train, args.real_model,
                     args.eval_limit, args.judge_limit)
    finally:
        if tmp is not None and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"canaries planted {result['canaries']} in {result['reports']} reports; files scanned "
          f"{result['files_scanned']}; forced errors {result['forced_errors']}; found {result['canaries_found']}")
    print(json.dumps(result))
    return 0 if result["canaries_found"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

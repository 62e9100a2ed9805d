"""Immutable dataset snapshots: the only thing training and evaluation ever read.

`snapshots/<name>/` holds `train|validation|test.parquet`, `manifest.json` (content hash =
sha256 over the three split files in that order, filter config, funnel, split sizes, source
partitions, code version) and `exports/{instruction,alpaca,chat}/<split>.jsonl`. With the retrieval
option (`retrieval={"k": 3, "index": "tfidf"}`) it also holds `retrieval/` — a lexical index fitted on
the train split only and every split's k nearest train pairs (warehouse.retrieval), sha256 in the
manifest's `retrieval.hash` — and the exports' inputs show those pairs, as training's prompts do. It is built in a
hidden temporary folder, made read-only, then renamed into place in one step; an existing name is
refused (`SnapshotExists`), so a snapshot that training pinned by name and hash never changes.
Both ways to make one — from the pairs zone (`create_snapshot`) and from another snapshot without its
cross-split duplicates (`deduplicate_snapshot`) — go through the same publish step; warehouse.leakage
only computes what to drop.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from radforge.catalog import reader, writer
from radforge.hashing import file_sha256
from radforge.log import get_logger
from radforge.settings import REPO_ROOT, Settings, get_settings
from warehouse import atomic
from warehouse.errors import SnapshotError, SnapshotExists
from warehouse.faults import crash_point
from warehouse.leakage import DEFAULT_THRESHOLD, deduplicate_for_snapshot
from warehouse.ledger import ensure_tables, rel
from warehouse.pairs import current_run
from warehouse.retrieval import RetrievalSpec, load_examples, snapshot_spec, write_index

# The reading side lives in snapshot_read (training and evaluation import it without the writer); the name
# `warehouse.snapshot.read_split` is the one the design gave it, so it answers here too.
from warehouse.snapshot_read import read_split as read_split
from warehouse.splits import SPLITS, patient_split, temporal_split
from warehouse.tasks import ALPACA_TEMPLATE, DEFAULT_TASK, TASKS, get_task

log = get_logger("warehouse.snapshot")

TASK = DEFAULT_TASK
COLUMNS = {"report_key": pl.String, "patient_key": pl.String, "exam_year": pl.Int32, "modality": pl.String,
           "body_part": pl.String, "findings": pl.String, "impression": pl.String}
EXTRA_COLUMNS = ("accession_key", "version", "n_tokens")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass
class SnapshotInfo:
    name: str
    hash: str
    path: str
    splits: dict[str, int]
    manifest: dict[str, object]

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def code_version() -> str:
    from radforge import __version__

    try:
        sha = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"{__version__}+{sha}" if sha else __version__


def split_hash(folder: Path) -> str:
    return file_sha256(*(folder / f"{split}.parquet" for split in SPLITS))


def verify_snapshot(folder: Path) -> bool:
    """True when the split files still hash to the manifest's `hash` (and the retrieval files to theirs)."""
    from warehouse.retrieval import verify_index

    manifest = json.loads((folder / "manifest.json").read_text())
    return split_hash(folder) == manifest["hash"] and verify_index(folder, manifest)


def template_hash(task: str, retrieval: RetrievalSpec | None = None) -> str:
    """sha256 of the task's instruction, columns and export template: a model trained on one never meets another."""
    t = get_task(task)
    parts: list[object] = [t.name, t.instruction, t.source, t.target_name, ALPACA_TEMPLATE]
    if retrieval is not None:  # only then: the hash of a snapshot without retrieval stays what it was
        parts += [retrieval.to_dict(), t.context_text("{source}", [("{source}", "{target}")])]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def write_retrieval(folder: Path, frames: dict[str, pl.DataFrame], task: str,
                    retrieval: RetrievalSpec | None) -> tuple[dict[str, object] | None, dict[str, dict]]:
    """The snapshot's retrieval index (train split only) and its neighbours; (manifest block, examples per split)."""
    if retrieval is None:
        return None, {}
    t = get_task(task)
    block = write_index(folder, frames, t.source, retrieval)
    examples = {s: load_examples(folder, s, retrieval.k, task) for s in frames}
    log.info("retrieval index %s k=%d on %d train rows", retrieval.index, retrieval.k, frames["train"].height)
    return block, examples


def _exports(folder: Path, frames: dict[str, pl.DataFrame], task: str = TASK,
             examples: dict[str, dict] | None = None) -> None:
    """The three export formats; with retrieval, each input is the task's context text (similar reports + source).

    The chat messages are training's `chat-template` messages (`Task.chat_messages`) and the answer.
    """
    t = get_task(task)
    examples = examples or {}
    for fmt in ("instruction", "alpaca", "chat"):
        (folder / "exports" / fmt).mkdir(parents=True)
    for split, df in frames.items():
        with contextlib.ExitStack() as stack:
            handles = {fmt: stack.enter_context(open(folder / "exports" / fmt / f"{split}.jsonl", "w",
                                                     encoding="utf-8"))
                       for fmt in ("instruction", "alpaca", "chat")}
            shown = examples.get(split) or {}
            for row in df.select(*dict.fromkeys(["report_key", t.source, *t.target])).iter_rows(named=True):
                source, near = t.source_text(row), shown.get(row["report_key"])
                rec = {"instruction": t.instruction, "input": t.context_text(source, near),
                       "output": t.target_text(row)}
                handles["instruction"].write(json.dumps(rec, ensure_ascii=False) + "\n")
                handles["alpaca"].write(json.dumps({**rec, "text": ALPACA_TEMPLATE.format(**rec)},
                                                   ensure_ascii=False) + "\n")
                chat = {"messages": [*t.chat_messages(source, near), {"role": "assistant", "content": rec["output"]}]}
                handles["chat"].write(json.dumps(chat, ensure_ascii=False) + "\n")


def _make_read_only(folder: Path) -> None:
    for dirpath, _dirs, files in os.walk(folder, topdown=False):
        for f in files:
            os.chmod(Path(dirpath) / f, 0o444)
        os.chmod(dirpath, 0o555)


def _fsync_tree(folder: Path) -> None:
    for dirpath, _dirs, files in os.walk(folder):
        for f in files:
            fd = os.open(Path(dirpath) / f, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def parse_years(years: str | None) -> tuple[int, int] | None:
    """'2008-2023' or '2015' -> (first, last)."""
    if not years:
        return None
    m = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?", years)
    if not m:
        raise SnapshotError(f"--years must look like 2008-2023 or 2015, got {years!r}")
    lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
    if lo > hi:
        raise SnapshotError(f"--years range is reversed ({lo} > {hi})")
    return lo, hi


@dataclass(frozen=True)
class SnapshotSpec:
    """What one `create_snapshot` call asks for, resolved and checked once, before anything is read."""

    name: str
    years: tuple[int, int] | None
    split: str
    test_year: int | None
    task: str
    dedup: bool
    retrieval: RetrievalSpec | None

    @classmethod
    def build(cls, name: str, settings: Settings, years: tuple[int, int] | str | None = None,
              split: str = "patient", test_year: int | None = None, task: str = TASK,
              dedup: bool | None = None, retrieval: RetrievalSpec | dict | None = None) -> SnapshotSpec:
        """The spec, or the `SnapshotError` a bad argument earns (`dedup` None: the site's setting)."""
        retrieval = RetrievalSpec.parse(retrieval)
        if task not in TASKS:
            raise SnapshotError(f"unknown task {task!r} (one of {', '.join(TASKS)})")
        _check_name(name)
        if split not in ("patient", "temporal"):
            raise SnapshotError(f"--split must be patient or temporal, got {split!r}")
        return cls(name, _year_range(years), split, test_year, task,
                   settings.warehouse.dedup_across_splits if dedup is None else dedup, retrieval)


def _year_range(years: tuple[int, int] | str | None) -> tuple[int, int] | None:
    """`years` as given to the API or the CLI ('2015-2019', (2015, 2019) or None) as one form."""
    return parse_years(years) if isinstance(years, str) or years is None else tuple(years)


def create_snapshot(name: str, settings: Settings | None = None, years: tuple[int, int] | str | None = None,
                    split: str = "patient", test_year: int | None = None, task: str = TASK,
                    dedup: bool | None = None, retrieval: RetrievalSpec | dict | None = None) -> SnapshotInfo:
    """Freeze the current pairs zone as snapshot `name` (refuses an existing name).

    `dedup` (default `[warehouse].dedup_across_splits`) removes from validation and test the rows whose
    findings occur, exactly or as a MinHash near-duplicate, in an earlier split: on templated corpora a
    quarter of the test set can be copies of training reports, and a model's score on them is recall,
    not summarisation. The removals are funnel rows and the manifest's `leakage` block.
    `retrieval` ({"k": 3, "index": "tfidf" | "bm25"}) stores the train-only index and every split's
    k nearest train pairs in the snapshot (after deduplication, so the index is the final train split).
    """
    settings = settings or get_settings()
    spec = SnapshotSpec.build(name, settings, years, split, test_year, task, dedup, retrieval)
    run = current_run(settings)
    adopted = _adopt_or_refuse_existing(settings, spec, run)
    if adopted is not None:
        return adopted
    funnel = [dict(f) for f in run["funnel"]]
    pairs = _keep_years(_read_pairs(settings), spec.years, funnel)
    frames, test_year = _assign_splits(pairs, spec, settings, funnel)
    frames, leakage, funnel = _deduplicate(frames, funnel, spec.dedup)
    manifest = _manifest(spec, settings, run, frames, funnel, leakage, test_year)
    return _publish(settings, frames, manifest, spec.task, spec.retrieval)


def _adopt_or_refuse_existing(settings: Settings, spec: SnapshotSpec, run: dict[str, object]) -> SnapshotInfo | None:
    """None when the name is free; the snapshot a killed run left uncatalogued when it is this one; else refuse."""
    target = atomic.ensure_dir(settings.zone("snapshots")) / spec.name
    known = _catalogued(settings, spec.name)
    if target.exists() and not known:
        adopted = _adopt(settings, target, run, spec.split, spec.task, spec.years)
        if adopted is not None:
            return adopted
    if target.exists() or known:
        raise SnapshotExists(f"snapshot {spec.name!r} already exists; snapshots are never rewritten "
                             "— choose a new name")
    return None


def _read_pairs(settings: Settings) -> pl.DataFrame:
    """The pairs zone as the last pairs run committed it: the one input a snapshot freezes."""
    return pl.read_parquet(settings.zone("pairs") / "pairs.parquet")


def _keep_years(pairs: pl.DataFrame, year_range: tuple[int, int] | None, funnel: list[dict]) -> pl.DataFrame:
    """The pairs inside the asked years (a funnel row when a range was asked); refuses an empty result."""
    if year_range is not None:
        kept = pairs.filter(pl.col("exam_year").is_between(year_range[0], year_range[1]))
        funnel.append({"step": len(funnel), "stage": "outside_years", "removed": pairs.height - kept.height,
                       "remaining": kept.height})
        pairs = kept
    if pairs.height == 0:
        raise SnapshotError("no pairs to snapshot (empty pairs zone or year range)")
    return pairs


def _assign_splits(pairs: pl.DataFrame, spec: SnapshotSpec, settings: Settings,
                   funnel: list[dict]) -> tuple[dict[str, pl.DataFrame], int | None]:
    """The split frames in the snapshot's column contract, and the test year (temporal split only).

    Keyed by the site secret, so a patient's split never moves between snapshots; the temporal split
    drops the years after the test year (a funnel row).
    """
    cfg = settings.warehouse
    test_year = None
    if spec.split == "temporal":
        test_year = spec.test_year or int(pairs["exam_year"].max())
        assigned = temporal_split(pairs, settings.secret(), test_year, cfg.validation_fraction)
        funnel.append({"step": len(funnel), "stage": "after_test_year", "removed": pairs.height - assigned.height,
                       "remaining": assigned.height})
    else:
        assigned = patient_split(pairs, settings.secret(), cfg.test_fraction, cfg.validation_fraction)
    keep = list(COLUMNS) + [c for c in EXTRA_COLUMNS if c in assigned.columns]
    assigned = assigned.with_columns(exam_year=pl.col("exam_year").cast(pl.Int32),
                                     modality=pl.col("modality").fill_null("UNKNOWN"),
                                     body_part=pl.col("body_part").fill_null("UNKNOWN"))
    return {s: assigned.filter(pl.col("split") == s).select(keep).sort("report_key") for s in SPLITS}, test_year


def _deduplicate(frames: dict[str, pl.DataFrame], funnel: list[dict], dedup: bool
                 ) -> tuple[dict[str, pl.DataFrame], dict[str, object] | None, list[dict]]:
    """Without the validation/test rows that copy an earlier split, when asked: (frames, leakage block, funnel)."""
    if not dedup:
        return frames, None, funnel
    return deduplicate_for_snapshot(frames, funnel)


def _manifest(spec: SnapshotSpec, settings: Settings, run: dict[str, object], frames: dict[str, pl.DataFrame],
              funnel: list[dict], leakage: dict[str, object] | None, test_year: int | None) -> dict[str, object]:
    """The manifest, less what `_publish` fills in once the files exist (`hash`, `retrieval`, `created_at`)."""
    cfg, t = settings.warehouse, get_task(spec.task)
    return {
        "name": spec.name, "hash": None, "task": spec.task, "splits": {s: df.height for s, df in frames.items()},
        "split": {"method": spec.split, "test_year": test_year,
                  "test_fraction": cfg.test_fraction, "validation_fraction": cfg.validation_fraction,
                  "key": "hmac-sha256(site secret, 'split', patient_key)"},
        "years": list(spec.years) if spec.years else None, "filters": run["filters"], "funnel": funnel,
        "pair_run_id": run["run_id"], "source_partitions": run["source_partitions"],
        "columns": list(frames["train"].columns), "leakage": leakage, "retrieval": None,
        "template_hash": template_hash(spec.task, spec.retrieval),
        "exports": {"instruction": t.instruction, "input": t.source, "output": t.target_name,
                    "alpaca_template": ALPACA_TEMPLATE},
        "code_version": code_version(), "created_at": None,
    }


def deduplicate_snapshot(source: str, name: str, settings: Settings | None = None,
                         threshold: float = DEFAULT_THRESHOLD, near: bool = True) -> dict[str, object]:
    """Write snapshot `name`: snapshot `source` with cross-split duplicates removed (warehouse.leakage).

    For a snapshot that already exists (a new one takes `create_snapshot(..., dedup=True)`): the new
    snapshot has the same layout, an updated hash, funnel and retrieval index (rebuilt on the smaller
    train split), and a `leakage` block that names its source.
    """
    settings = settings or get_settings()
    src = settings.zone("snapshots") / source
    if not (src / "manifest.json").exists():
        raise SnapshotError(f"snapshot {source!r} not found")
    _check_name(name)
    if (settings.zone("snapshots") / name).exists() or _catalogued(settings, name):
        raise SnapshotExists(f"snapshot {name!r} already exists; snapshots are never rewritten — choose a new name")
    manifest = json.loads((src / "manifest.json").read_text())
    frames = {s: pl.read_parquet(src / f"{s}.parquet") for s in SPLITS}
    frames, leakage, funnel = deduplicate_for_snapshot(frames, manifest.get("funnel", []), threshold, near)
    manifest.update(name=name, splits={s: df.height for s, df in frames.items()}, funnel=funnel,
                    leakage={"source": source, "source_hash": manifest["hash"], **leakage})
    info = _publish(settings, frames, manifest, manifest.get("task", DEFAULT_TASK), snapshot_spec(manifest))
    return {"name": info.name, "hash": info.hash, "path": info.path, "splits": info.splits,
            "removed": leakage["removed"]}


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise SnapshotError(f"invalid snapshot name {name!r} (letters, digits, . _ -; at most 64 characters)")


def _catalogued(settings: Settings, name: str) -> bool:
    """Whether the catalog has a row for snapshot `name` (the commit of a snapshot)."""
    with writer(settings) as con:
        ensure_tables(con)
        return con.execute("SELECT 1 FROM snapshots WHERE name = ?", [name]).fetchone() is not None


def _publish(settings: Settings, frames: dict[str, pl.DataFrame], manifest: dict[str, object], task: str,
             retrieval: RetrievalSpec | None) -> SnapshotInfo:
    """Write snapshot `manifest["name"]` from its final split frames, rename it into place, then commit it.

    The one way a snapshot comes into being. The caller's manifest gets its `hash`, `retrieval` and
    `created_at` here, once the files exist. Built two levels down (`.building/<name>.tmp-<pid>/`): no
    reader glob (`snapshots/*/*.parquet`, `*/manifest.json`) reaches it, so a build killed half-way is
    never visible; the rename is atomic and refuses a name a concurrent build took first.
    """
    root = atomic.ensure_dir(settings.zone("snapshots"))
    name = str(manifest["name"])
    target = root / name
    building = atomic.ensure_dir(root / BUILDING)
    _remove_stale_builds(building)
    tmp = building / f"{name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        for s, df in frames.items():
            df.write_parquet(tmp / f"{s}.parquet", compression="zstd", statistics=True)
            crash_point("snapshot:mid_write")
        digest = split_hash(tmp)
        retrieval_block, examples = write_retrieval(tmp, frames, task, retrieval)
        _exports(tmp, frames, task, examples)
        manifest.update(hash=digest, retrieval=retrieval_block,
                        created_at=datetime.now(UTC).isoformat(timespec="microseconds"))
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        _fsync_tree(tmp)
        _make_read_only(tmp)
        try:
            os.rename(tmp, target)  # atomic; fails if a concurrent snapshot took the name
        except OSError:
            raise SnapshotExists(f"snapshot {name!r} already exists; snapshots are never rewritten") from None
        atomic.fsync_dir(root)
        crash_point("snapshot:after_rename")
    finally:
        if tmp.exists():
            _rmtree_read_only(tmp)
    return _register(settings, target, manifest)


def _register(settings: Settings, target: Path, manifest: dict[str, object]) -> SnapshotInfo:
    """The views, then the catalog row (the commit) of a snapshot folder already renamed into place.

    The row comes last: a run killed before it is finished by the rerun (`_adopt`); after it, the
    snapshot is complete, views included, and the name is taken.
    """
    from warehouse.views import refresh_views

    name = str(manifest["name"])
    splits = manifest["splits"]
    refresh_views(settings)
    with writer(settings) as con:
        ensure_tables(con)
        con.execute("INSERT INTO snapshots (name, hash, path, split, train, validation, test, pair_run_id, manifest, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [name, manifest["hash"], rel(settings, target), (manifest.get("split") or {}).get("method"),
                     splits["train"], splits["validation"], splits["test"], manifest.get("pair_run_id"),
                     json.dumps(manifest), datetime.now(UTC).replace(tzinfo=None)])
        crash_point("snapshot:ledger_commit")
    log.info("snapshot %s hash=%s splits=%s", name, str(manifest["hash"])[:12], splits)
    return SnapshotInfo(name, str(manifest["hash"]), str(target), splits, manifest)


def _adopt(settings: Settings, target: Path, run: dict[str, object], split: str, task: str,
           years: tuple[int, int] | str | None) -> SnapshotInfo | None:
    """Finish a snapshot killed between its rename and its catalog row, when it is what we were asked for.

    The folder is complete (renamed only after every file was written and fsynced) and its split
    files still hash to its manifest; it was built from the current pairs run with the same split,
    task and years. Anything else is a different snapshot under that name: None (the caller refuses).
    """
    try:
        manifest = json.loads((target / "manifest.json").read_text())
        intact = verify_snapshot(target)
    except (OSError, ValueError, KeyError):
        return None
    year_range = parse_years(years) if isinstance(years, str) or years is None else tuple(years)
    same = (intact and manifest.get("pair_run_id") == run["run_id"] and manifest.get("task") == task
            and (manifest.get("split") or {}).get("method") == split
            and manifest.get("years") == (list(year_range) if year_range else None))
    if not same:
        return None
    log.warning("snapshot %s was renamed into place by a run that stopped before its catalog row: registering it",
                target.name)
    return _register(settings, target, manifest)


BUILDING = ".building"


def _rmtree_read_only(folder: Path) -> None:
    for dirpath, _d, _f in os.walk(folder):
        os.chmod(dirpath, 0o755)
    shutil.rmtree(folder, ignore_errors=True)


def _remove_stale_builds(building: Path) -> None:
    """Delete build folders of snapshot processes that no longer run (killed mid-build)."""
    for folder in building.glob("*.tmp-*"):
        pid = folder.name.rsplit(".tmp-", 1)[1]
        if pid.isdigit() and int(pid) != os.getpid():
            try:
                os.kill(int(pid), 0)
                continue  # alive: a concurrent build of another snapshot
            except ProcessLookupError:
                pass
            except PermissionError:
                continue
        _rmtree_read_only(folder)


def list_snapshots(settings: Settings | None = None) -> list[dict[str, object]]:
    """Snapshots on disk (manifest summary), newest first."""
    settings = settings or get_settings()
    out = []
    root = settings.zone("snapshots")
    for manifest_path in sorted(root.glob("*/manifest.json")) if root.exists() else []:
        m = json.loads(manifest_path.read_text())
        out.append({"name": m.get("name"), "hash": m.get("hash"), "splits": m.get("splits"),
                    "created_at": m.get("created_at"), "path": str(manifest_path.parent)})
    return sorted(out, key=lambda r: str(r.get("created_at") or ""), reverse=True)


def catalog_snapshots(settings: Settings) -> list[tuple]:
    with reader(settings) as con:
        return con.execute("SELECT name, hash FROM snapshots ORDER BY name").fetchall()


def _auto_name(settings: Settings, kind: str, task: str, retrieval: RetrievalSpec | None = None
               ) -> tuple[str, dict[str, object]]:
    run = current_run(settings)
    parts: list[object] = [run["source_partitions"], run["filters"], task, kind]
    if retrieval is not None:
        parts.append(retrieval.to_dict())
    digest = hashlib.sha256(json.dumps(parts).encode()).hexdigest()
    return f"auto-{get_task(task).short}-{kind}-{digest[:12]}", run


def _existing(settings: Settings, name: str) -> dict[str, object]:
    manifest = json.loads((settings.zone("snapshots") / name / "manifest.json").read_text())
    if not _catalogued(settings, name):  # killed between the rename and the catalog row: finish the commit
        _register(settings, settings.zone("snapshots") / name, manifest)
    return {"snapshot": name, "hash": manifest["hash"], "splits": manifest["splits"], "created": False,
            "path": str(settings.zone("snapshots") / name)}


def snapshot_if_changed(settings: Settings | None = None, split: str = "patient", task: str = TASK,
                        retrieval: RetrievalSpec | dict | None = None) -> dict[str, object]:
    """A snapshot named after the pairs run's content (partitions + filters): unchanged pairs, no new snapshot.

    Returns {"snapshot", "hash", "splits", "created", "path"} (what the pairs DAG passes on).
    """
    settings = settings or get_settings()
    retrieval = RetrievalSpec.parse(retrieval)
    name, _run = _auto_name(settings, split, task, retrieval)
    if (settings.zone("snapshots") / name / "manifest.json").exists():
        return _existing(settings, name)
    info = create_snapshot(name, settings, split=split, task=task, retrieval=retrieval)
    return {"snapshot": info.name, "hash": info.hash, "splits": info.splits, "created": True, "path": info.path}


def temporal_snapshot(settings: Settings | None = None, test_year: int | None = None, task: str = TASK,
                      years: tuple[int, int] | str | None = None, retrieval: RetrievalSpec | dict | None = None
                      ) -> dict[str, object]:
    """The temporal snapshot for `test_year` (train/validation on earlier years); reused when it exists.

    `retrieval`: the yearly retrain's preset asks for one (training.yearly.retrieval_of_preset).
    """
    settings = settings or get_settings()
    if not test_year:
        raise SnapshotError("temporal_snapshot needs a test year")
    retrieval = RetrievalSpec.parse(retrieval)
    name, _run = _auto_name(settings, f"temporal{int(test_year)}", task, retrieval)
    if (settings.zone("snapshots") / name / "manifest.json").exists():
        return _existing(settings, name)
    info = create_snapshot(name, settings, years=years, split="temporal", test_year=int(test_year), task=task,
                           retrieval=retrieval)
    return {"snapshot": info.name, "hash": info.hash, "splits": info.splits, "created": True, "path": info.path}

"""Reading a dataset snapshot: the one way training and evaluation open a snapshot and its splits.

Why one: a snapshot is the only data training and evaluation may see, so both read it through the same
two checks. The zone guard: the folder, and every file read from it (a split file may be a link), must
resolve inside the site's snapshots zone and never into a PHI zone (raw, quarantine); links are followed
before the check. The hash pin: a run config may pin the manifest hash it was planned on, and a snapshot
with another hash is refused (snapshots are immutable, so the pinned one was replaced).

A snapshot is named (`str`, a folder of the snapshots zone) or given as a folder (`Path`, training's
`dataset.path`). Errors are `SnapshotError` and `ZoneViolation` (evaluation turns the first into its own
`EvaluationError`); their messages name snapshots, splits, columns and zones, never report text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import polars as pl

from radforge.errors import ZoneViolation
from radforge.settings import PHI_ZONES, Settings, get_settings
from warehouse.errors import SnapshotError
from warehouse.retrieval import INDEX_DIR, NEIGHBOURS_FILE, load_examples

__all__ = ["REQUIRED_COLUMNS", "check_snapshot_path", "read_examples", "read_manifest", "read_split"]

REQUIRED_COLUMNS = ("report_key", "findings", "impression")
Reader = Literal["training", "evaluation"]
_VERB: dict[str, str] = {"training": "train", "evaluation": "evaluate"}  # for the fix in the guard's message


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def check_snapshot_path(path: str | Path, settings: Settings, reader: Reader = "training") -> Path:
    """The resolved path if `reader` may read it (inside the snapshots zone, no PHI zone); ZoneViolation otherwise.

    The message names the zone, never the data.
    """
    resolved = Path(path).expanduser().resolve()
    for zone in PHI_ZONES:
        if _inside(resolved, settings.zone(zone).resolve()):
            raise ZoneViolation(f"{reader} refuses to read the {zone} zone (PHI); {_VERB[reader]} on a dataset "
                                f"snapshot under {settings.zone('snapshots')}")
    if not _inside(resolved, settings.zone("snapshots").resolve()):
        raise ZoneViolation(f"{reader} reads dataset snapshots only; {resolved} is outside "
                            f"{settings.zone('snapshots')}")
    return resolved


def read_manifest(snapshot: str | Path, settings: Settings | None = None, *, pin: str | None = None,
                  reader: Reader = "training") -> tuple[Path, dict[str, Any]]:
    """(resolved folder, manifest) of a snapshot, through the zone guard and, with `pin`, the hash pin."""
    settings = settings or get_settings()
    folder = snapshot if isinstance(snapshot, Path) else settings.zone("snapshots") / snapshot
    folder = check_snapshot_path(folder, settings, reader)
    manifest_path = check_snapshot_path(folder / "manifest.json", settings, reader)
    if not manifest_path.exists():
        raise SnapshotError(f"snapshot {folder.name!r} not found (no manifest.json under {folder}); "
                            "list snapshots with `radforge dataset list`")
    manifest = json.loads(manifest_path.read_text())
    digest = manifest.get("hash", "")
    if pin and pin != digest:
        raise SnapshotError(f"snapshot {folder.name!r} has hash {digest[:12]}, config pins {pin[:12]}: "
                            "snapshots are immutable, so the pinned one was replaced; pin the new hash or restore it")
    return folder, manifest


def read_split(snapshot: str | Path, split: str, settings: Settings | None = None, *, pin: str | None = None,
               reader: Reader = "training") -> tuple[pl.DataFrame, dict[str, Any]]:
    """(frame, manifest): split `split` as stored (every column, file order), checked for the pair columns.

    What a reader does with the frame (a limit, an order, a task's view of the pair) is the reader's.
    """
    settings = settings or get_settings()
    folder, manifest = read_manifest(snapshot, settings, pin=pin, reader=reader)
    name = manifest.get("name") or folder.name
    path = check_snapshot_path(folder / f"{split}.parquet", settings, reader)  # a split file may be a link elsewhere
    if not path.exists():
        raise SnapshotError(f"snapshot {name!r} has no {split} split ({split}.parquet missing)")
    frame = pl.read_parquet(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise SnapshotError(f"snapshot {name!r} {split} split lacks columns {missing}")
    return frame, manifest


def read_examples(snapshot: str | Path, split: str, k: int, task: str, keys: Sequence[str] | None = None,
                  settings: Settings | None = None, *, reader: Reader = "training") -> dict[str, list[tuple[str, str]]]:
    """report_key -> its k nearest train pairs of `task` stored in a retrieval snapshot (warehouse.retrieval).

    The neighbours file and the train split it names are zone-guarded like the splits. Whether the
    snapshot's index suits the run (its kind, a depth of at least k) is `warehouse.retrieval.check_compatible`.
    """
    settings = settings or get_settings()
    folder, _manifest = read_manifest(snapshot, settings, reader=reader)
    for part in (Path(INDEX_DIR) / NEIGHBOURS_FILE, Path("train.parquet")):
        check_snapshot_path(folder / part, settings, reader)
    return load_examples(folder, split, k, task, keys)

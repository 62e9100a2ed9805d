"""Synthetic pairs and snapshot folders for tests (importable as `shared_data` from any test folder).

Kept out of conftest.py: several test folders have a conftest of their own, and `from conftest import`
would pick whichever was imported first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from radforge.settings import Settings


@contextmanager
def fresh_site(home: Path, **env: str) -> Iterator[Settings]:
    """A new site at `home`, current for the block: RADFORGE_HOME set, RADFORGE_CONFIG unset, the site initialised.

    For module-scoped fixtures, which the function-scoped `monkeypatch` cannot serve; `env` sets more variables
    (the settings read them) before the site is made.
    """
    import pytest

    from radforge.settings import get_settings
    from radforge.site import init_site

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RADFORGE_HOME", str(home))
        mp.delenv("RADFORGE_CONFIG", raising=False)
        for name, value in env.items():
            mp.setenv(name, value)
        settings = get_settings()
        init_site(settings)
        yield settings


def make_pairs(n: int, seed: int = 0) -> list[dict]:
    """Synthetic FINDINGS→IMPRESSION pairs in the snapshot schema (for tests before the warehouse)."""
    import random

    rng = random.Random(seed)
    organs = [("lungs", "clear"), ("heart", "normal in size"), ("liver", "normal in attenuation"),
              ("kidneys", "without hydronephrosis"), ("spleen", "normal in size")]
    abnormal = [("right lower lobe opacity", "Right lower lobe pneumonia."),
                ("small left pleural effusion", "Small left pleural effusion."),
                ("3 mm nonobstructing left renal stone", "Nonobstructing left nephrolithiasis."),
                ("cardiomegaly", "Cardiomegaly."), ("L4-L5 disc bulge", "Degenerative disc disease at L4-L5.")]
    rows = []
    for i in range(n):
        parts = [f"The {o} are {s}." if o.endswith("s") else f"The {o} is {s}." for o, s in rng.sample(organs, 3)]
        if rng.random() < 0.5:
            finding, impression = rng.choice(abnormal)
            parts.insert(rng.randrange(len(parts) + 1), f"There is {finding}.")
        else:
            impression = "No acute abnormality."
        rows.append({
            "report_key": f"r{seed}_{i:05d}", "patient_key": f"p{seed}_{i // 3:05d}",
            "exam_year": 2015 + i % 10, "modality": rng.choice(["CT", "XR", "MR", "US"]),
            "body_part": rng.choice(["CHEST", "ABDOMEN", "SPINE"]),
            "findings": " ".join(parts), "impression": impression,
        })
    return rows


def write_snapshot(root: Path, name: str, rows: list[dict], test_fraction: float = 0.2) -> Path:
    """Write a snapshot folder in the warehouse's contract format (see warehouse/README.md)."""
    import hashlib
    import json

    import polars as pl

    folder = root / name
    folder.mkdir(parents=True)
    n_test = max(1, int(len(rows) * test_fraction))
    splits = {"train": rows[: len(rows) - 2 * n_test], "validation": rows[len(rows) - 2 * n_test: len(rows) - n_test],
              "test": rows[len(rows) - n_test:]}
    digest = hashlib.sha256()
    for split, part in splits.items():
        path = folder / f"{split}.parquet"
        pl.DataFrame(part, schema={"report_key": pl.String, "patient_key": pl.String, "exam_year": pl.Int32,
                                   "modality": pl.String, "body_part": pl.String, "findings": pl.String,
                                   "impression": pl.String}).write_parquet(path)
        digest.update(path.read_bytes())
    manifest = {"name": name, "hash": digest.hexdigest(), "task": "findings-to-impression",
                "splits": {k: len(v) for k, v in splits.items()}, "filters": {}, "funnel": {},
                "source_partitions": [], "code_version": "test"}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return folder


def add_retrieval(folder: Path, k: int = 3, index: str = "tfidf", task: str = "findings-to-impression") -> dict:
    """Give a `write_snapshot` folder a retrieval index the way the warehouse does (warehouse.retrieval)."""
    import json

    import polars as pl

    from warehouse.retrieval import RetrievalSpec, write_index
    from warehouse.tasks import get_task

    frames = {s: pl.read_parquet(folder / f"{s}.parquet") for s in ("train", "validation", "test")}
    block = write_index(folder, frames, get_task(task).source, RetrievalSpec(k, index))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["retrieval"] = block
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return block

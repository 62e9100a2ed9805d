"""Put nltk's English POS tagger where the de-id bench finds it (philter-lite tags every token with it).

Usage: .venv/bin/python bench/nltk_tagger.py SOURCE [--dest var/nltk_data]

nltk cannot download its data on an offline site, so an operator brings a copy of the public `nltk_data`
repository (a checkout, a bare git directory, or a folder holding its `packages/taggers/*.zip`) and this
script copies the tagger out of it into DEST/taggers/averaged_perceptron_tagger_eng/ (DEST defaults to
`var/nltk_data`, which git ignores; the bench also honours $NLTK_DATA). Nothing here is committed.

Two layouts exist: newer copies ship `averaged_perceptron_tagger_eng.zip` (the three JSON files nltk >= 3.9
loads), older ones only `averaged_perceptron_tagger.zip` (one 2015 pickle of the same weights). The pickle
is converted to the JSON files with an unpickler that admits nothing but built-in sets, so a tampered
file cannot run code.
"""

from __future__ import annotations

import argparse
import io
import json
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "averaged_perceptron_tagger_eng"
FILES = tuple(f"{NAME}.{part}.json" for part in ("weights", "tagdict", "classes"))


def tagger_dir(data_root: Path) -> Path:
    return Path(data_root) / "taggers" / NAME


def is_installed(data_root: Path) -> bool:
    return all((tagger_dir(data_root) / f).is_file() for f in FILES)


class _SetsOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) in (("builtins", "set"), ("__builtin__", "set")):
            return set
        raise pickle.UnpicklingError(f"refusing {module}.{name} in the tagger pickle")


def _read(source: Path, rel: str) -> bytes | None:
    """One file of the nltk_data repository, from a work tree, a plain folder or a (bare) git directory."""
    for candidate in (source / rel, source / Path(rel).name):
        if candidate.is_file():
            return candidate.read_bytes()
    git_dir = source / ".git" if (source / ".git").exists() else source
    if (git_dir / "HEAD").is_file():
        out = subprocess.run(["git", "--git-dir", str(git_dir), "show", f"HEAD:{rel}"], capture_output=True)
        if out.returncode == 0:
            return out.stdout
    return None


def install(source: Path, dest: Path) -> Path:
    """Write the three JSON files under DEST; returns the tagger folder."""
    target = tagger_dir(dest)
    target.mkdir(parents=True, exist_ok=True)
    new = _read(source, f"packages/taggers/{NAME}.zip")
    if new is not None:
        with zipfile.ZipFile(io.BytesIO(new)) as zf:
            for f in FILES:
                (target / f).write_bytes(zf.read(f"{NAME}/{f}"))
        return target
    old = _read(source, "packages/taggers/averaged_perceptron_tagger.zip")
    if old is None:
        raise SystemExit(f"no averaged_perceptron_tagger(_eng).zip under {source}")
    with zipfile.ZipFile(io.BytesIO(old)) as zf:
        blob = zf.read("averaged_perceptron_tagger/averaged_perceptron_tagger.pickle")
    weights, tagdict, classes = _SetsOnly(io.BytesIO(blob), encoding="latin1").load()
    for f, obj in zip(FILES, (weights, tagdict, sorted(classes)), strict=True):
        with open(target / f, "w", encoding="utf-8") as fh:
            json.dump(obj, fh)
    return target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path, help="an nltk_data checkout, bare git directory or folder of its zips")
    ap.add_argument("--dest", type=Path, default=ROOT / "var" / "nltk_data")
    args = ap.parse_args()
    target = install(args.source, args.dest)
    print(f"tagger in {target} ({sum((target / f).stat().st_size for f in FILES) // 1024} KiB)")


if __name__ == "__main__":
    sys.exit(main())

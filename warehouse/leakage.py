"""Leakage between splits: test findings that also occur in train, word for word or nearly.

Radiology corpora are full of templated reports. On IU X-ray a quarter of the test findings of a
random split occur word for word in train, so a nearest-neighbour lookup "summarises" them
perfectly and any model's ROUGE is flattered. This module counts such test examples and computes
what to drop (from a split, or across all splits of a snapshot): pure functions over split frames.
Writing a deduplicated snapshot is warehouse.snapshot's job (`create_snapshot(..., dedup=True)`,
`deduplicate_snapshot`).

Two kinds of leak, each test row counted once (exact wins):
- `exact`: the normalised findings (lower case, every run of non-alphanumerics one space — the same
  normalisation as the warehouse's duplicate filter) equal those of some train row;
- `near`: word 3-gram Jaccard similarity to some train row >= `threshold`. Candidates come from
  MinHash LSH (`datasketch`); each candidate is then confirmed with the exact Jaccard of the
  shingle sets, so no false positive survives and the count does not depend on hashing luck
  beyond LSH's (small) miss rate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import polars as pl

SHINGLE_WORDS = 3
DEFAULT_THRESHOLD = 0.8
DEFAULT_NUM_PERM = 128
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def normalise_findings(text: str | None) -> str:
    """Lower case, every run of non-alphanumerics one space, trimmed."""
    return _NON_ALNUM.sub(" ", (text or "").lower()).strip()


def shingles(normalised: str, k: int = SHINGLE_WORDS) -> frozenset[str]:
    """Word k-grams of normalised text (the whole text as one shingle when shorter than k words)."""
    words = normalised.split()
    if len(words) < k:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i:i + k]) for i in range(len(words) - k + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


@dataclass
class LeakageReport:
    """What leaked from train into test. Holds row positions and counts only, never text."""

    n_train: int
    n_test: int
    exact: int = 0
    near: int = 0
    threshold: float = DEFAULT_THRESHOLD
    num_perm: int = DEFAULT_NUM_PERM
    near_checked: bool = True
    leaked_rows: list[int] = field(default_factory=list)  # test row positions, sorted
    kinds: dict[int, str] = field(default_factory=dict)  # test row position -> 'exact' | 'near'

    @property
    def leaked(self) -> int:
        return self.exact + self.near

    @property
    def fraction(self) -> float:
        return self.leaked / self.n_test if self.n_test else 0.0

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d.pop("kinds")
        d.pop("leaked_rows")
        d.update(leaked=self.leaked, fraction=round(self.fraction, 6))
        return d


def _minhashes(sets: Sequence[frozenset[str]], num_perm: int) -> list:
    from datasketch import MinHash

    encoded = [[s.encode("utf-8") for s in sorted(one)] for one in sets]
    return MinHash.bulk(encoded, num_perm=num_perm, seed=1)


def find_leakage(train: Sequence[str | None], test: Sequence[str | None], threshold: float = DEFAULT_THRESHOLD,
                 num_perm: int = DEFAULT_NUM_PERM, near: bool = True) -> LeakageReport:
    """Which test findings occur in train, exactly (after normalisation) or nearly (Jaccard >= threshold).

    Empty findings are never counted as leaks (there is nothing to leak).
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    train_norm = [normalise_findings(t) for t in train]
    test_norm = [normalise_findings(t) for t in test]
    report = LeakageReport(n_train=len(train_norm), n_test=len(test_norm), threshold=threshold, num_perm=num_perm,
                           near_checked=near)
    seen = {t for t in train_norm if t}
    for i, t in enumerate(test_norm):
        if t and t in seen:
            report.kinds[i] = "exact"
    report.exact = len(report.kinds)
    if near and seen:
        report.near = _near_duplicates(train_norm, test_norm, report.kinds, threshold, num_perm)
    report.leaked_rows = sorted(report.kinds)
    return report


def _near_duplicates(train_norm: list[str], test_norm: list[str], kinds: dict[int, str], threshold: float,
                     num_perm: int) -> int:
    from datasketch import MinHashLSH

    train_idx = [j for j, t in enumerate(train_norm) if t]
    train_sets = {j: shingles(train_norm[j]) for j in train_idx}
    probe_idx = [i for i, t in enumerate(test_norm) if t and i not in kinds]
    if not probe_idx:
        return 0
    probe_sets = {i: shingles(test_norm[i]) for i in probe_idx}
    # LSH banding at a slightly lower threshold than asked: fewer misses; the exact check decides.
    lsh = MinHashLSH(threshold=max(0.05, threshold - 0.1), num_perm=num_perm)
    for j, mh in zip(train_idx, _minhashes([train_sets[j] for j in train_idx], num_perm), strict=True):
        lsh.insert(j, mh)
    found = 0
    for i, mh in zip(probe_idx, _minhashes([probe_sets[i] for i in probe_idx], num_perm), strict=True):
        if any(jaccard(probe_sets[i], train_sets[j]) >= threshold for j in lsh.query(mh)):
            kinds[i] = "near"
            found += 1
    return found


def split_leakage(train: pl.DataFrame, test: pl.DataFrame, column: str = "findings",
                  threshold: float = DEFAULT_THRESHOLD, near: bool = True) -> LeakageReport:
    """`find_leakage` over two snapshot split frames (rows in the frames' order)."""
    return find_leakage(train.get_column(column).to_list(), test.get_column(column).to_list(), threshold=threshold,
                        near=near)


def leaked_mask(report: LeakageReport) -> list[bool]:
    """One flag per test row: True where the row leaked (for metrics 'with leaked rows removed')."""
    flags = [False] * report.n_test
    for i in report.leaked_rows:
        flags[i] = True
    return flags


def drop_leaked(test: pl.DataFrame, report: LeakageReport) -> pl.DataFrame:
    """The test frame without its leaked rows (the report must have been computed on this frame)."""
    if test.height != report.n_test:
        raise ValueError(f"leakage report covers {report.n_test} test rows, frame has {test.height}")
    return test.filter(~pl.Series(leaked_mask(report), dtype=pl.Boolean))


def deduplicate_across_splits(splits: Mapping[str, pl.DataFrame], column: str = "findings",
                              order: Sequence[str] = ("train", "validation", "test"),
                              threshold: float = DEFAULT_THRESHOLD, near: bool = True
                              ) -> tuple[dict[str, pl.DataFrame], dict[str, dict[str, int]]]:
    """Remove from each split the rows whose findings occur (exactly or nearly) in an earlier split.

    Train is kept whole (it comes first); validation loses what occurs in train; test loses what
    occurs in train or validation. Returns the new splits and, per split, {exact, near, kept}.
    """
    out: dict[str, pl.DataFrame] = {}
    stats: dict[str, dict[str, int]] = {}
    earlier: list[str | None] = []
    for name in order:
        if name not in splits:
            continue
        frame = splits[name]
        if earlier:
            report = find_leakage(earlier, frame.get_column(column).to_list(), threshold=threshold, near=near)
            frame = drop_leaked(frame, report)
            stats[name] = {"exact": report.exact, "near": report.near, "kept": frame.height}
        else:
            stats[name] = {"exact": 0, "near": 0, "kept": frame.height}
        out[name] = frame
        earlier.extend(frame.get_column(column).to_list())
    for name, frame in splits.items():  # splits not named in `order` pass through untouched
        out.setdefault(name, frame)
    return out, stats


def deduplicate_for_snapshot(frames: Mapping[str, pl.DataFrame], funnel: Sequence[Mapping[str, object]],
                             threshold: float = DEFAULT_THRESHOLD, near: bool = True
                             ) -> tuple[dict[str, pl.DataFrame], dict[str, object], list[dict[str, object]]]:
    """`deduplicate_across_splits` as a snapshot records it: the new splits, the manifest's `leakage` block,
    and the funnel with one row per split that lost rows (`leaked_into_validation`, `leaked_into_test`)."""
    deduped, stats = deduplicate_across_splits(frames, threshold=threshold, near=near)
    rows = [dict(f) for f in funnel]
    remaining = sum(df.height for df in frames.values())
    for split in ("validation", "test"):
        removed = stats[split]["exact"] + stats[split]["near"]
        remaining -= removed
        rows.append({"step": len(rows), "stage": f"leaked_into_{split}", "removed": removed, "remaining": remaining})
    leakage = {"threshold": threshold, "near_duplicates": near, "shingle_words": SHINGLE_WORDS, "removed": stats}
    return deduped, leakage, rows

"""The generator's random source: `random.Random` with cheaper `choice`/`randrange`.

The standard methods spend most of their time in Python-level rejection sampling
(`_randbelow`); one `random()` call scaled to the range is three times cheaper, and its bias
(below 2^-40 for our ranges) is irrelevant for synthetic text. Weighted draws use precomputed
cumulative weights (`Weighted`) instead of rebuilding them on every `choices()` call.
String seeds are hashed with SHA-512 by `random.seed`, so a seed gives the same stream on every
platform and Python run (PYTHONHASHSEED plays no part).
"""

from __future__ import annotations

from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate
from random import Random
from typing import Generic, TypeVar

T = TypeVar("T")


class SynthRandom(Random):
    def choice(self, seq: Sequence[T]) -> T:  # type: ignore[override]
        return seq[int(self.random() * len(seq))]

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:  # type: ignore[override]
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))


class Weighted(Generic[T]):
    """A fixed weighted choice: `Weighted(items, weights).pick(rng)`."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        if len(items) != len(weights):
            raise ValueError("items and weights differ in length")
        self.items = tuple(items)
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rng: Random) -> T:
        return self.items[bisect(self.cum, rng.random() * self.total)]

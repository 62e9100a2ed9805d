"""The shapes every evaluation corpus shares: gold documents, a corpus, and where test data lives.

A corpus is scored with `deid.quality.score(corpus, predictions)`. Gold spans carry radforge's
contract types; `ignore` spans mark text a source annotated but HIPAA Safe Harbor does not call an
identifier (job titles, nationalities, bare years, weekdays, countries, wards...): the scorer counts
their tokens neither as found PHI nor as false positives, and reports apart how many were redacted.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from radforge.errors import RadforgeError

CONTRACT_TYPES = ("PERSON", "DATE", "AGE", "ID", "PHONE", "EMAIL", "URL", "IP", "LOCATION", "ORGANIZATION")
# the repository's test data: corpora committed with their licence (found from a clone, never installed)
TEST_DATA = Path(__file__).resolve().parents[2] / "tests" / "data"

T = TypeVar("T")


class CorpusError(RadforgeError):
    """An evaluation corpus is unknown, absent or not in the expected format."""


@dataclass(frozen=True)
class GoldDoc:
    """One text with its gold PHI spans ({"start", "end", "type"}, offsets into `text`, sorted)."""

    id: str
    text: str
    spans: tuple[dict, ...]
    ignore: tuple[dict, ...] = ()  # annotated, but not HIPAA identifiers: neither recall nor false positive


@dataclass(frozen=True)
class Corpus:
    name: str
    docs: tuple[GoldDoc, ...]
    zero_phi: bool = False  # no PHI left in it (IU X-ray): every predicted entity is a false positive


def sample(items: Sequence[T], limit: int | None, seed: int) -> list[T]:
    """`limit` items drawn with `seed`, kept in their original order (all of them when limit is None)."""
    if limit is None or limit >= len(items):
        return list(items)
    if limit < 0:
        raise CorpusError(f"limit must be >= 0, got {limit}")
    keep = sorted(random.Random(seed).sample(range(len(items)), limit))
    return [items[i] for i in keep]


def check_doc(doc: GoldDoc) -> GoldDoc:
    """Refuse a document whose spans fall outside its text or carry a type the contract lacks."""
    for span in doc.spans:
        if not 0 <= span["start"] < span["end"] <= len(doc.text):
            raise CorpusError(f"doc {doc.id}: span [{span['start']}:{span['end']}] outside the text")
        if span["type"] not in CONTRACT_TYPES:
            raise CorpusError(f"doc {doc.id}: span type {span['type']} is not a contract type")
    for span in doc.ignore:
        if not 0 <= span["start"] < span["end"] <= len(doc.text):
            raise CorpusError(f"doc {doc.id}: ignore span [{span['start']}:{span['end']}] outside the text")
    return doc

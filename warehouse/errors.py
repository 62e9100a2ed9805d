"""Warehouse domain errors: one-line messages with ids, counts and paths — never report text."""

from __future__ import annotations

from radforge.errors import RadforgeError


class IngestError(RadforgeError):
    """A file cannot be ingested at all (unknown format, unreadable, unmappable columns)."""


class SnapshotExists(RadforgeError):
    """A snapshot of that name already exists; snapshots are never rewritten."""


class SnapshotError(RadforgeError):
    """A snapshot cannot be made (no pairs, empty split, bad arguments) or read (missing, a split or column
    missing, not the hash a run config pins)."""


class PairsNotBuilt(RadforgeError):
    """The pairs zone is empty: run `radforge pairs` first."""


class ReadOnlyQuery(RadforgeError):
    """`radforge sql` was given a statement that is not a read-only query."""

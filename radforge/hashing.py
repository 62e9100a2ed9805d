"""sha256 of files' bytes, read in chunks: the one way radforge names a file by its content.

Ingest identifies an export by it (the ledger's key), a snapshot's manifest pins its split files with it,
and a dataset card records the archive it came from. Reading 1 MiB at a time keeps memory flat on a
multi-GB export.
"""

from __future__ import annotations

import hashlib
import os
from contextlib import nullcontext
from typing import BinaryIO

__all__ = ["file_sha256"]

_CHUNK = 1 << 20


def file_sha256(*sources: str | os.PathLike[str] | BinaryIO) -> str:
    """Hex sha256 of the bytes of `sources`, one after the other (several files make one digest).

    A path is opened and closed here. An open binary file is read from where it stands to its end and
    left open: a caller that holds the descriptor (ingest hashes the very bytes it then parses, so a
    file swapped under its name cannot slip through) seeks back itself.
    """
    if not sources:
        raise TypeError("file_sha256() needs at least one path or open file")
    digest = hashlib.sha256()
    for source in sources:
        with open(source, "rb") if isinstance(source, str | os.PathLike) else nullcontext(source) as fh:
            while block := fh.read(_CHUNK):
                digest.update(block)
    return digest.hexdigest()

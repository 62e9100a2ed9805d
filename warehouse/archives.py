"""Compressed exports: `<name>.<csv|jsonl|ndjson|json|hl7>.gz` and `.zip` archives of exports.

Archives are read as streams, never unpacked to disk, so a member name like `../../x` cannot
write anywhere. Before a byte of an archive is ingested it is checked whole and refused with a
reason when it cannot be read to the end (`truncated_archive`, `corrupt_archive`), when it
expands past `MAX_RATIO` times its size or `MAX_BYTES` (`archive_bomb`), or, for a zip, when a
member has an unsafe name (`unsafe_member_name`), is encrypted or is not an export
(`unsupported_member`). A refused archive leaves nothing in the zones: half an export ingested
now and the whole one later would duplicate rows.
"""

from __future__ import annotations

import gzip
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from warehouse.errors import IngestError

MAX_RATIO = 200  # report exports compress 3-15x; a zip bomb 1000x and more
MAX_BYTES = 64 << 30  # decompressed, per archive
_SMALL = 64 << 20  # below this many decompressed bytes the ratio does not matter
_TEXT_FORMATS = ("csv", "jsonl", "hl7")


class ArchiveRefused(IngestError):
    """An archive that is refused whole (the reason code is `.reason`)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: archive refused ({reason})")
        self.reason = reason


def archive_format(path: Path, formats: dict[str, str]) -> str | None:
    """'csv+gzip' for reports.csv.gz, 'zip' for a zip file, None for anything else."""
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return "zip"
    if suffix == ".gz":
        inner = formats.get(Path(path.stem).suffix.lower())
        return f"{inner}+gzip" if inner in _TEXT_FORMATS else None
    return None


def _budget(compressed: int) -> int:
    return min(MAX_BYTES, max(_SMALL, MAX_RATIO * compressed))


def check_archive(fh: BinaryIO, fmt: str, size: int, name: str, formats: dict[str, str]) -> None:
    """Read the archive through once (nothing kept); raise ArchiveRefused with the reason if it is unsafe."""
    budget = _budget(size)
    if fmt.endswith("+gzip"):
        total = 0
        try:
            with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
                while block := gz.read(1 << 20):
                    total += len(block)
                    if total > budget:
                        raise ArchiveRefused(name, "archive_bomb")
        except EOFError:
            raise ArchiveRefused(name, "truncated_archive") from None
        except (OSError, zlib.error):
            raise ArchiveRefused(name, "corrupt_archive") from None
        return
    try:
        with zipfile.ZipFile(fh) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            for m in members:
                parts = PurePosixPath(m.filename.replace("\\", "/")).parts
                if m.filename.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
                    raise ArchiveRefused(name, "unsafe_member_name")
                if m.flag_bits & 0x1:
                    raise ArchiveRefused(name, "unsupported_member")
                if formats.get(PurePosixPath(m.filename).suffix.lower()) not in _TEXT_FORMATS:
                    raise ArchiveRefused(name, "unsupported_member")
            if sum(m.file_size for m in members) > budget:
                raise ArchiveRefused(name, "archive_bomb")
            total = 0
            for m in members:  # declared sizes can lie: count what really comes out (CRC checked at the end)
                with zf.open(m) as member:
                    while block := member.read(1 << 20):
                        total += len(block)
                        if total > budget:
                            raise ArchiveRefused(name, "archive_bomb")
    except ArchiveRefused:
        raise
    except EOFError:
        raise ArchiveRefused(name, "truncated_archive") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, zlib.error, NotImplementedError, ValueError):
        raise ArchiveRefused(name, "corrupt_archive") from None


def open_members(fh: BinaryIO, fmt: str, formats: dict[str, str]) -> Iterator[tuple[str, BinaryIO]]:
    """(format, binary stream) of each export inside a checked archive, in archive order."""
    if fmt.endswith("+gzip"):
        with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
            yield fmt.split("+", 1)[0], gz  # type: ignore[misc]
        return
    with zipfile.ZipFile(fh) as zf:
        for m in zf.infolist():
            if not m.is_dir():
                with zf.open(m) as member:
                    yield formats[PurePosixPath(m.filename).suffix.lower()], member  # type: ignore[misc]

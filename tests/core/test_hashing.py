"""radforge.hashing: one sha256 of a file's bytes, whether named by its path or held open."""

from __future__ import annotations

import hashlib

import pytest

from radforge.hashing import file_sha256


def test_a_path_an_open_file_and_several_files_hash_as_their_bytes(tmp_path) -> None:
    big, small = tmp_path / "big.bin", tmp_path / "small.bin"
    big.write_bytes(bytes(range(256)) * 9000)  # over 2 MiB: several chunks
    small.write_bytes(b"FINDINGS: clear.")
    whole = big.read_bytes()
    assert file_sha256(big) == file_sha256(str(big)) == hashlib.sha256(whole).hexdigest()
    with open(big, "rb") as fh:
        assert file_sha256(fh) == hashlib.sha256(whole).hexdigest()
        assert not fh.closed  # the caller's descriptor stays the caller's
        fh.seek(1000)  # read from where it stands
        assert file_sha256(fh) == hashlib.sha256(whole[1000:]).hexdigest()
    assert file_sha256(big, small) == hashlib.sha256(whole + small.read_bytes()).hexdigest()


def test_nothing_to_hash_is_an_error() -> None:
    with pytest.raises(TypeError):
        file_sha256()

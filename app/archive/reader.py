"""Read one archive object back: download → SHA-256 check → zstd decompress, streamed.

Decompression is bounded: text COPY of blank-padded columns compresses 100:1 and more, so
decompressing each downloaded chunk in one call could turn 128 KB into tens of MB. zstd's
read_to_iter produces at most `READ_BYTES` at a time instead.
"""

import hashlib
from collections.abc import Iterator
from typing import IO, cast

import zstandard

from app.storage.client import ObjectStore

# Compressed bytes read, and decompressed bytes produced, at a time.
READ_BYTES = 128 * 1024
# Decompressed bytes handed on at a time: large enough that per-block overheads vanish.
BLOCK_BYTES = 1024 * 1024


class ArchiveCorrupted(Exception):
    """An archive object's bytes do not match what the manifest says."""


class _HashingReader:
    """A file-like over an object's chunks, counting and hashing what it hands out."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._rest = b""
        self.size = 0
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        if not self._rest:
            self._rest = next(self._chunks, b"")
        if size < 0 or size >= len(self._rest):
            data, self._rest = self._rest, b""
        else:
            data, self._rest = self._rest[:size], self._rest[size:]
        self.size += len(data)
        self.digest.update(data)
        return data


def read_object(
    store: ObjectStore, key: str, *, sha256: str, stored_bytes: int, block_bytes: int = BLOCK_BYTES
) -> Iterator[bytes]:
    """Yield the decompressed bytes in blocks of about `block_bytes`.

    Raises ArchiveCorrupted when the object does not decompress, is truncated, or its size or
    SHA-256 differ from the manifest's — at the latest instead of ending, so a consumer that
    completes only when its source ends (COPY FROM in a transaction) never commits bad data.
    """
    source = _HashingReader(store.iter_chunks(key, READ_BYTES))
    pieces = zstandard.ZstdDecompressor().read_to_iter(
        cast(IO[bytes], source), read_size=READ_BYTES, write_size=READ_BYTES
    )
    block = bytearray()
    try:
        for piece in pieces:
            block += piece
            if len(block) >= block_bytes:
                ready, block = bytes(block), bytearray()
                yield ready
    except zstandard.ZstdError as error:
        raise ArchiveCorrupted(f"{key} does not decompress: {error}") from None
    # read_to_iter stops at the end of the zstd frame: bytes after it are never read.
    while source.read(READ_BYTES):
        pass
    if source.size != stored_bytes:
        raise ArchiveCorrupted(f"{key} holds {source.size} bytes; the manifest says {stored_bytes}")
    if source.digest.hexdigest() != sha256:
        raise ArchiveCorrupted(f"{key} fails its SHA-256 check: the archive is corrupted")
    if block:
        yield bytes(block)

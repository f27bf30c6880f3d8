"""Read one archive object back: download → SHA-256 check → [AES-GCM frames] → zstd, streamed.

Decompression is bounded: text COPY of blank-padded columns compresses 100:1 and more, so
decompressing each downloaded chunk in one call could turn 128 KB into tens of MB. zstd's
stream_reader decompresses into blocks of at most `block_bytes` instead, each one allocation
handed on as it is (gathering smaller pieces into blocks cost a third of the read's CPU). An
encrypted object (the archive's data key given) is decrypted frame by frame, each frame
authenticated before its bytes reach zstd.
"""

import hashlib
from collections.abc import Iterator
from typing import IO, cast

import zstandard

from app.crypto.datakey import DataKey
from app.crypto.stream import MAGIC, StreamTampered, decrypt_chunks
from app.storage.client import ObjectStore

# Compressed bytes read at a time.
READ_BYTES = 128 * 1024
# Decompressed bytes handed on at a time: large enough that per-block overheads vanish.
BLOCK_BYTES = 1024 * 1024


class ArchiveCorrupted(Exception):
    """An archive object's bytes do not match what the manifest says."""


class _Counted:
    """The object's chunks as downloaded, counted and hashed on the way through."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self.size = 0
        self.digest = hashlib.sha256()

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.size += len(chunk)
            self.digest.update(chunk)
            yield chunk


class _ChunkReader:
    """A file-like read() over an iterator of chunks, for zstd's read_to_iter."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._rest = b""

    def read(self, size: int = -1) -> bytes:
        if not self._rest:
            self._rest = next(self._chunks, b"")
        if size < 0 or size >= len(self._rest):
            data, self._rest = self._rest, b""
        else:
            data, self._rest = self._rest[:size], self._rest[size:]
        return data


def read_object(
    store: ObjectStore,
    key: str,
    *,
    sha256: str,
    stored_bytes: int,
    data_key: DataKey | None,
    block_bytes: int = BLOCK_BYTES,
) -> Iterator[bytes]:
    """Yield the decompressed bytes in blocks of `block_bytes` (the last one shorter).

    `data_key` is the archive's (Manifest.data_key once opened), None for a plain archive.
    Raises ArchiveCorrupted when the object does not decrypt or decompress, is truncated, or
    its size or SHA-256 differ from the manifest's — at the latest instead of ending, so a
    consumer that completes only when its source ends (COPY FROM in a transaction) never
    commits bad data.
    """
    chunks = store.iter_chunks(key, READ_BYTES)
    stored = _Counted(chunks)
    plain: Iterator[bytes] = (
        decrypt_chunks(stored, data_key, key) if data_key is not None else iter(stored)
    )
    source = _ChunkReader(plain)
    decompressed = zstandard.ZstdDecompressor().stream_reader(
        cast(IO[bytes], source), read_size=READ_BYTES, closefd=False
    )
    try:
        while block := decompressed.read(block_bytes):
            yield block
        # The reader stops at the end of the zstd frame: what follows is read (and for an
        # encrypted object, authenticated to its last frame) all the same.
        while source.read(READ_BYTES):
            pass
    except StreamTampered as error:
        raise ArchiveCorrupted(f"{key} fails decryption: {error}") from None
    except zstandard.ZstdError as error:
        if data_key is None and _looks_encrypted(store, key):
            raise ArchiveCorrupted(f"{key} is encrypted, but its archive says not") from None
        raise ArchiveCorrupted(f"{key} does not decompress: {error}") from None
    finally:
        # A damaged object stops the read midway: its download is closed now, not whenever
        # the garbage collector gets to it (its socket would stay open until then).
        chunks.close()  # type: ignore[attr-defined]
    if stored.size != stored_bytes:
        raise ArchiveCorrupted(f"{key} holds {stored.size} bytes; the manifest says {stored_bytes}")
    if stored.digest.hexdigest() != sha256:
        raise ArchiveCorrupted(f"{key} fails its SHA-256 check: the archive is corrupted")


def _looks_encrypted(store: ObjectStore, key: str) -> bool:
    chunks = store.iter_chunks(key, len(MAGIC))
    try:
        first = next(chunks, b"")
    except Exception:  # only to word the error better: the original one is raised anyway
        return False
    finally:
        chunks.close()  # type: ignore[attr-defined]
    return first[: len(MAGIC)] == MAGIC

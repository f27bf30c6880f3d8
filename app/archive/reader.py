"""Read one archive object back: download → SHA-256 check → zstd decompress, streamed."""

import hashlib
from collections.abc import Iterator

import zstandard

from app.storage.client import ObjectStore


class ArchiveCorrupted(Exception):
    """An archive object's bytes do not match what the manifest says."""


def read_object(
    store: ObjectStore, key: str, *, sha256: str, stored_bytes: int, chunk_size: int = 1 << 20
) -> Iterator[bytes]:
    """Yield the decompressed bytes; raise ArchiveCorrupted at the end if the checksum differs.

    The last chunk is yielded only after the checksum is verified, so a consumer that loads
    inside a transaction never commits data from a corrupted object.
    """
    digest = hashlib.sha256()
    size = 0
    decompressor = zstandard.ZstdDecompressor().decompressobj()
    pending = b""
    try:
        for chunk in store.iter_chunks(key, chunk_size):
            digest.update(chunk)
            size += len(chunk)
            out = decompressor.decompress(chunk)
            if pending:
                yield pending
            pending = out
    except zstandard.ZstdError as error:
        raise ArchiveCorrupted(f"{key} does not decompress: {error}") from None
    if size != stored_bytes:
        raise ArchiveCorrupted(f"{key} holds {size} bytes; the manifest says {stored_bytes}")
    if digest.hexdigest() != sha256:
        raise ArchiveCorrupted(f"{key} fails its SHA-256 check: the archive is corrupted")
    if not decompressor.eof:
        raise ArchiveCorrupted(f"{key} is truncated: its zstd stream does not end")
    if pending:
        yield pending

"""An archive object read back for a restore: verified, decompressed, in bounded blocks.

app/archive/reader.read_object decompresses each downloaded chunk in one call, so its output
is unbounded: text COPY of blank-padded columns compresses 100:1 and more, and one 128 KB read
became a 16 MB string (and as many again in asyncpg's and asyncio's write buffers, 700 MB of
worker memory on the benchmark). Here decompression is bounded by zstd's read_to_iter.
"""

import asyncio
import hashlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import IO, cast

import zstandard

from app.archive.manifest import TableEntry
from app.archive.reader import ArchiveCorrupted
from app.storage.client import ObjectStore

# Compressed bytes read, and decompressed bytes produced, at a time.
READ_BYTES = 128 * 1024
# Decompressed bytes handed on at a time: enough that thread hand-offs cost nothing.
BLOCK_BYTES = 1024 * 1024


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


def verified_blocks(
    archives: ObjectStore, key: str, *, sha256: str, stored_bytes: int
) -> Iterator[bytes]:
    """Yield the object's decompressed bytes in blocks of about BLOCK_BYTES.

    Raises ArchiveCorrupted when it does not decompress, or when its size or SHA-256 differ
    from the manifest's, at the latest instead of ending: COPY FROM, which completes only when
    its source ends, never completes with a corrupted object.
    """
    source = _HashingReader(archives.iter_chunks(key, READ_BYTES))
    pieces = zstandard.ZstdDecompressor().read_to_iter(
        cast(IO[bytes], source), read_size=READ_BYTES, write_size=READ_BYTES
    )
    block = bytearray()
    try:
        for piece in pieces:
            block += piece
            if len(block) >= BLOCK_BYTES:
                ready, block = bytes(block), bytearray()
                yield ready
    except zstandard.ZstdError as error:
        raise ArchiveCorrupted(f"{key} does not decompress: {error}") from None
    if source.size != stored_bytes:
        raise ArchiveCorrupted(f"{key} holds {source.size} bytes; the manifest says {stored_bytes}")
    if source.digest.hexdigest() != sha256:
        raise ArchiveCorrupted(f"{key} fails its SHA-256 check: the archive is corrupted")
    if block:
        yield bytes(block)


class ArchiveStream:
    """An async iterable of a table object's blocks for COPY FROM, one block read ahead.

    Download, checksum and decompression run in a thread of their own while COPY sends the
    previous block (one thread: the generator is never run by two at once). A few blocks are
    held at most, whatever the table's size.
    """

    def __init__(
        self, archives: ObjectStore, entry: TableEntry, on_bytes: Callable[[int], None]
    ) -> None:
        self._blocks = verified_blocks(
            archives, entry.object, sha256=entry.sha256, stored_bytes=entry.stored_bytes
        )
        self._on_bytes = on_bytes
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="restore-read")
        self._pending: asyncio.Future[bytes | None] | None = None

    def _fetch(self) -> "asyncio.Future[bytes | None]":
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(self._reader, next, self._blocks, None)

    def __aiter__(self) -> "ArchiveStream":
        return self

    async def __anext__(self) -> bytes:
        block = await (self._pending or self._fetch())
        if block is None:
            self._pending = None
            raise StopAsyncIteration
        self._pending = self._fetch()
        self._on_bytes(len(block))
        return block

    async def close(self) -> None:
        """Stop reading and release the download (after any read in flight, same thread)."""
        if self._pending is not None:
            await asyncio.gather(self._pending, return_exceptions=True)
            self._pending = None
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._reader, self._close)
        finally:
            self._reader.shutdown(wait=False)

    def _close(self) -> None:
        self._blocks.close()  # type: ignore[attr-defined]

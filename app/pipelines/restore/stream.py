"""An archive object read back for a restore as an async stream for COPY FROM."""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from app.archive.manifest import TableEntry
from app.archive.reader import read_object
from app.crypto.datakey import DataKey
from app.storage.client import ObjectStore


class ArchiveStream:
    """An async iterable of a table object's blocks for COPY FROM, one block read ahead.

    Download, checksum and decompression run in a thread of their own while COPY sends the
    previous block (one thread: the generator is never run by two at once). A few blocks are
    held at most, whatever the table's size.
    """

    def __init__(
        self,
        archives: ObjectStore,
        entry: TableEntry,
        data_key: DataKey | None,
        on_bytes: Callable[[int], None],
    ) -> None:
        self._blocks = read_object(
            archives,
            entry.object,
            sha256=entry.sha256,
            stored_bytes=entry.stored_bytes,
            data_key=data_key,
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

"""One table's archive loaded by several COPYs at once, each taking whole rows as it can.

In a new database the load's end is the largest table's COPY: on the benchmark, app_events
holds two thirds of the rows, and once the other tables are in, one connection sits idle
while the other still copies it (pg_restore -j has the same idle spell). So a table larger
than one connection's share is read once and its rows dealt out, block by block, to every
part that asks: a part starts when its connection is free and takes blocks until the archive
ends, so the parts finish together whenever each started (work stealing, nothing waits for a
part that has not started). COPY text ends every row with a newline (a newline inside a value
is written `\\n`), so cutting a block after its last newline hands out whole rows.

The parts share no transaction, so none may TRUNCATE (it would lock the others out until it
commits) and none loads FREEZE: these rows are written as pg_restore -j writes them.
"""

import asyncio
from collections.abc import AsyncGenerator, Callable

from app.pipelines.restore.stream import ArchiveStream


class SharedRows:
    """An archive stream several COPYs read from: each block handed out ends at a row's end.

    The first part to read opens the stream (`open_stream`); the last part to stop once the
    archive ended, or failed, closes it. A failure of the stream (a checksum, a download) is
    raised to every part that reads after it.
    """

    def __init__(self, open_stream: Callable[[], ArchiveStream]) -> None:
        self._open = open_stream
        self._stream: ArchiveStream | None = None
        self._lock = asyncio.Lock()
        self._carry = b""
        self._ended = False
        self._error: BaseException | None = None
        self._readers = 0

    async def rows(self) -> AsyncGenerator[bytes, None]:
        """One part's share: blocks of whole rows until the archive ends."""
        self._readers += 1
        try:
            while (block := await self._next()) is not None:
                yield block
        finally:
            self._readers -= 1
            if self._readers == 0 and (self._ended or self._error is not None):
                await self.close()

    async def close(self) -> None:
        """Release the download (also for a load given up before the archive ended); a part
        reading afterwards fails instead of opening the archive again."""
        if self._error is None:
            self._error = RuntimeError("the load of this table was given up")
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.close()

    async def _next(self) -> bytes | None:
        async with self._lock:
            if self._ended:
                return None
            if self._error is not None:
                raise self._error
            if self._stream is None:
                self._stream = self._open()
            try:
                return await self._cut(self._stream)
            except BaseException as error:
                self._error = error
                raise

    async def _cut(self, stream: ArchiveStream) -> bytes | None:
        while True:
            try:
                block = await anext(stream)
            except StopAsyncIteration:
                self._ended = True
                rest, self._carry = self._carry, b""
                return rest or None
            data = self._carry + block if self._carry else block
            end = data.rfind(b"\n") + 1
            if end == 0:  # a row longer than the block: keep reading
                self._carry = data
                continue
            self._carry = data[end:]
            return data[:end]

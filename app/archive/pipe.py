"""A bounded in-memory pipe between a producer thread and a consumer that reads a stream."""

import contextlib
import io
import queue

_EOF = b""


class PipeClosed(Exception):
    """The other side of the pipe gave up."""


class BoundedPipe(io.RawIOBase):
    """write() blocks once `max_chunks` are queued, so memory stays bounded whatever the input."""

    def __init__(self, max_chunks: int = 8) -> None:
        self._chunks: queue.Queue[bytes | BaseException] = queue.Queue(max_chunks)
        self._pending = memoryview(b"")
        self._done = False
        self._reader_gone = False

    def readable(self) -> bool:
        return True

    def put(self, data: bytes) -> None:
        """Queue bytes for the reader; raises PipeClosed once the reader has given up."""
        if not data:
            return
        chunk = bytes(data)
        while True:
            if self._reader_gone:
                raise PipeClosed("the reading side of the pipe stopped")
            try:
                # A timeout, not a plain put: a reader that died would leave it blocked forever.
                self._chunks.put(chunk, timeout=0.2)
                return
            except queue.Full:
                continue

    def reader_gone(self) -> None:
        """The reader stopped for good: writers get PipeClosed instead of blocking."""
        self._reader_gone = True

    def finish(self) -> None:
        self._chunks.put(_EOF)

    def fail(self, error: BaseException) -> None:
        """Make the reader raise `error` (unblocks it even when the queue is full)."""
        while True:
            try:
                self._chunks.put_nowait(error)
                return
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self._chunks.get_nowait()

    def readinto(self, buffer: "memoryview | bytearray") -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        while not self._pending:
            if self._done:
                return 0
            item = self._chunks.get()
            if isinstance(item, BaseException):
                raise PipeClosed(str(item)) from item
            if item == _EOF:
                self._done = True
                return 0
            self._pending = memoryview(item)
        count = min(len(view), len(self._pending))
        view[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

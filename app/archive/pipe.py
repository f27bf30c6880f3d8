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

    def _fill(self) -> bool:
        """Make pending bytes available; False at the end of the stream."""
        while not self._pending:
            if self._done:
                return False
            item = self._chunks.get()
            if isinstance(item, BaseException):
                raise PipeClosed(str(item)) from item
            if item == _EOF:
                self._done = True
                return False
            self._pending = memoryview(item)
        return True

    def readinto(self, buffer: "memoryview | bytearray") -> int:  # type: ignore[override]
        if not self._fill():
            return 0
        view = memoryview(buffer).cast("B")
        count = min(len(view), len(self._pending))
        view[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

    def read(self, size: int = -1) -> bytes:
        """`size` bytes (fewer only at the end), in one allocation.

        The S3 client reads a whole part (16 MB) per call and appends what it gets to a bytes
        object; returning it in one piece spares a quadratic series of copies.
        """
        parts: list[memoryview] = []
        wanted = size
        while (size < 0 or wanted > 0) and self._fill():
            take = self._pending if size < 0 else self._pending[:wanted]
            parts.append(take)
            self._pending = self._pending[len(take) :]
            wanted -= len(take)
        return b"".join(parts)

"""Write one archive object: bytes in → zstd → SHA-256 → multipart upload, in constant memory."""

import hashlib
import threading
from dataclasses import dataclass

import zstandard

from app.archive.pipe import BoundedPipe, PipeClosed
from app.storage.client import ObjectStore


@dataclass(frozen=True)
class WrittenObject:
    key: str
    raw_bytes: int
    stored_bytes: int
    sha256: str


class ArchiveObjectWriter:
    """A file-like sink; the upload runs in its own thread while the caller keeps writing."""

    def __init__(self, store: ObjectStore, key: str, *, part_size: int, level: int) -> None:
        self.key = key
        self._compressor = zstandard.ZstdCompressor(level=level, write_checksum=True).compressobj()
        self._hash = hashlib.sha256()
        self._raw = 0
        self._stored = 0
        self._pipe = BoundedPipe()
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._upload, args=(store, part_size), name=f"upload {key}", daemon=True
        )
        self._thread.start()

    def _upload(self, store: ObjectStore, part_size: int) -> None:
        try:
            store.put_stream(self.key, self._pipe, part_size)
        except BaseException as error:
            self._error = error
            self._pipe.reader_gone()

    def _emit(self, compressed: bytes) -> None:
        if compressed:
            if self._error is not None:
                raise self._error
            self._hash.update(compressed)
            self._stored += len(compressed)
            try:
                self._pipe.put(compressed)
            except PipeClosed:
                # The upload failed meanwhile: report its error, not the pipe's.
                raise self._error or PipeClosed("the upload stopped") from None

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._raw += len(data)
        self._emit(self._compressor.compress(data))
        return len(data)

    def close(self) -> WrittenObject:
        """Flush, wait for the upload to finish and describe what was stored."""
        self._emit(self._compressor.flush())
        self._pipe.finish()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return WrittenObject(self.key, self._raw, self._stored, self._hash.hexdigest())

    def abort(self) -> None:
        """Stop the upload; the incomplete multipart upload is never completed."""
        self._pipe.fail(RuntimeError("export aborted"))
        self._thread.join()

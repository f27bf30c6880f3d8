"""Write one archive object: bytes in → zstd → SHA-256 → multipart upload, in constant memory.

Two digests: `sha256` of the stored (compressed) bytes, which a reader checks before trusting
them, and `raw_sha256` of the bytes written, which a restore drill compares with what it reads
back from a restored database (SHA-NI makes the second one cost ~0.5 s a GB here).
"""

import hashlib
import threading
from dataclasses import dataclass

import zstandard

from app.archive.multipart import PartUploader
from app.storage.client import ObjectStore


@dataclass(frozen=True)
class WrittenObject:
    key: str
    raw_bytes: int
    stored_bytes: int
    sha256: str
    raw_sha256: str


class WriterAborted(Exception):
    """The writer was aborted; nothing more can be written."""


class ArchiveObjectWriter:
    """A file-like sink: compresses in the caller's thread, uploads parts in its own thread.

    Thread-safe, so that abort() from one thread is safe while another is inside write().
    """

    def __init__(self, store: ObjectStore, key: str, *, part_size: int, level: int) -> None:
        self.key = key
        self._compressor = zstandard.ZstdCompressor(level=level, write_checksum=True).compressobj()
        self._hash = hashlib.sha256()
        self._raw_hash = hashlib.sha256()
        self._raw = 0
        self._stored = 0
        self._uploader = PartUploader(store, key, part_size)
        self._lock = threading.Lock()
        self._aborted = False

    def _emit(self, compressed: bytes) -> None:
        if compressed:
            self._hash.update(compressed)
            self._stored += len(compressed)
            self._uploader.write(compressed)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        with self._lock:
            if self._aborted:
                raise WriterAborted(f"{self.key} was aborted")
            self._raw += len(data)
            self._raw_hash.update(data)
            self._emit(self._compressor.compress(data))
        return len(data)

    def close(self) -> WrittenObject:
        """Flush, wait for the upload to finish and describe what was stored."""
        with self._lock:
            if self._aborted:
                raise WriterAborted(f"{self.key} was aborted")
            self._emit(self._compressor.flush())
            self._uploader.close()
            return WrittenObject(
                self.key,
                self._raw,
                self._stored,
                self._hash.hexdigest(),
                self._raw_hash.hexdigest(),
            )

    def abort(self) -> None:
        """Stop the upload; an incomplete multipart upload is discarded, never completed."""
        with self._lock:
            if not self._aborted:
                self._aborted = True
                self._uploader.abort()

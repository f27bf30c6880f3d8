"""Write one archive object: bytes in → zstd → [AES-GCM frames] → SHA-256 → multipart upload.

Constant memory. Two digests: `sha256` of the stored bytes, which a reader checks before
trusting them, and `raw_sha256` of the bytes written, which a restore drill compares with what
it reads back from a restored database (SHA-NI makes it cost ~0.5 s a GB here). With a data
key the stored bytes are the framed stream of app/crypto/stream.py (encryption after
compression: ciphertext does not compress) and `raw_sha256` is an HMAC under the data key, so
the manifest that records it says nothing about the plaintext to whoever lacks the key.
"""

import hashlib
import threading
from dataclasses import dataclass

import zstandard

from app.archive.multipart import PartUploader
from app.crypto.datakey import DataKey
from app.crypto.sealing import plaintext_digest
from app.crypto.stream import EncryptingSink
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

    def __init__(
        self,
        store: ObjectStore,
        key: str,
        *,
        part_size: int,
        level: int,
        data_key: DataKey | None = None,
    ) -> None:
        self.key = key
        self._compressor = zstandard.ZstdCompressor(level=level, write_checksum=True).compressobj()
        self._raw_hash = plaintext_digest(data_key)
        self._raw = 0
        self._stored = _StoredStream(PartUploader(store, key, part_size))
        self._lock = threading.Lock()
        self._aborted = False
        # The encryptor emits into the stored stream, never into a method of this writer: a
        # writer → encryptor → writer cycle outlived every backup until the cyclic garbage
        # collector ran, keeping two part buffers (32 MB) per large table resident.
        self._encryptor = EncryptingSink(data_key, key, self._stored.write) if data_key else None

    def _emit(self, compressed: bytes) -> None:
        if self._encryptor is not None:
            self._encryptor.write(compressed)
        else:
            self._stored.write(compressed)

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
            if self._encryptor is not None:
                self._encryptor.close()
            self._stored.uploader.close()
            return WrittenObject(
                self.key,
                self._raw,
                self._stored.size,
                self._stored.hash.hexdigest(),
                self._raw_hash.hexdigest(),
            )

    def abort(self) -> None:
        """Stop the upload; an incomplete multipart upload is discarded, never completed."""
        with self._lock:
            if not self._aborted:
                self._aborted = True
                self._stored.uploader.abort()


class _StoredStream:
    """The bytes as stored (compressed, encrypted if so): counted, hashed, uploaded."""

    def __init__(self, uploader: PartUploader) -> None:
        self.uploader = uploader
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, stored: bytes) -> None:
        if stored:
            self.hash.update(stored)
            self.size += len(stored)
            self.uploader.write(stored)

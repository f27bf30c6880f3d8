"""User uploads in an archive: every object of the uploads bucket in one tar stream (zstd).

PAX tar, so keys of any length and any UTF-8 survive; each member's PAX header also keeps the
object's content type. Objects are streamed one at a time (never held whole), and each
member's size is the one the GET answered, so an object rewritten after the listing is still
archived whole. Object storage has no snapshots: the archive holds the objects listed when the
uploads step began, as they were when each was read.
"""

import io
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, cast

from app.archive.manifest import UploadsEntry
from app.archive.reader import read_object
from app.archive.writer import ArchiveObjectWriter
from app.crypto.datakey import DataKey
from app.storage.client import ObjectStore

CONTENT_TYPE = "LIFEBOAT.content_type"
_COPY_BUFFER = 1 << 20


@dataclass(frozen=True)
class UploadsWritten:
    files: int
    raw_bytes: int  # the objects' bytes (tar framing excluded)


def write_uploads(source: ObjectStore, writer: ArchiveObjectWriter) -> UploadsWritten:
    """Stream every object of `source` into `writer` as a tar archive (blocking call)."""
    files = 0
    raw = 0
    sink = cast(IO[bytes], writer)
    # 1 MiB blocks rather than tar's 10 KiB records: fewer, larger compress calls.
    with tarfile.open(
        fileobj=sink,
        mode="w|",
        format=tarfile.PAX_FORMAT,
        bufsize=_COPY_BUFFER,
    ) as tar:
        for listed in source.list(""):
            response = source.client.get_object(source.bucket, listed.key)
            try:
                info = tarfile.TarInfo(listed.key)
                info.size = int(response.headers.get("Content-Length", listed.size))
                info.mtime = 0
                info.pax_headers = {
                    CONTENT_TYPE: response.headers.get("Content-Type", "application/octet-stream")
                }
                tar.addfile(info, cast(IO[bytes], response))
            finally:
                response.close()
                response.release_conn()
            files += 1
            raw += info.size
    return UploadsWritten(files, raw)


@dataclass(frozen=True)
class UploadedFile:
    key: str
    size: int
    content_type: str
    stream: IO[bytes]  # readable only until the next file is taken from the iterator


def iter_uploads(
    archives: ObjectStore, entry: UploadsEntry, data_key: DataKey | None
) -> Iterator[UploadedFile]:
    """The archived uploads, streamed in order; the archive's checksum is verified at its end.

    ArchiveCorrupted is raised when the last bytes are read, after earlier files were yielded:
    a caller that must not act on a corrupted archive checks it first (or stages the files).
    """
    chunks = read_object(
        archives,
        entry.object,
        sha256=entry.sha256,
        stored_bytes=entry.stored_bytes,
        data_key=data_key,
    )
    stream = io.BufferedReader(_ChunkStream(chunks), buffer_size=_COPY_BUFFER)
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for member in tar:
            if not member.isfile():
                continue
            extracted = tar.extractfile(member)
            if extracted is None:
                continue
            content_type = member.pax_headers.get(CONTENT_TYPE, "application/octet-stream")
            yield UploadedFile(member.name, member.size, content_type, extracted)
    # Drain: the checksum is only checked once every byte went through.
    for _ in chunks:
        pass


class _ChunkStream(io.RawIOBase):
    """A readable raw stream over an iterator of bytes chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: "memoryview | bytearray") -> int:  # type: ignore[override]
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        view = memoryview(buffer).cast("B")
        count = min(len(view), len(self._pending))
        view[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

"""Uploads step: the uploads archive read through to its end, so its checksums are checked."""

from dataclasses import dataclass

from app.archive.manifest import UploadsEntry
from app.archive.uploads import iter_uploads
from app.crypto.datakey import DataKey
from app.storage.client import ObjectStore

_READ = 1 << 20


@dataclass(frozen=True)
class UploadsReadBack:
    files: int
    raw_bytes: int

    def problem(self, entry: UploadsEntry) -> str | None:
        if (self.files, self.raw_bytes) != (entry.files, entry.raw_bytes):
            return (
                f"the uploads archive holds {self.files} files of {self.raw_bytes} bytes; the "
                f"backup wrote {entry.files} files of {entry.raw_bytes} bytes"
            )
        return None


def read_uploads(
    archives: ObjectStore, entry: UploadsEntry, data_key: DataKey | None
) -> UploadsReadBack:
    """Read every archived file (blocking call); ArchiveCorrupted when a checksum fails."""
    files = size = 0
    for upload in iter_uploads(archives, entry, data_key):
        while chunk := upload.stream.read(_READ):
            size += len(chunk)
        files += 1
    return UploadsReadBack(files, size)

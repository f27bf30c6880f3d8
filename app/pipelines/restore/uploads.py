"""Uploads step of a full restore: the bucket ends holding exactly the archived objects.

The archive is verified end to end before the database commits (in parallel with the load),
since objects cannot be rolled back; after the commit every archived object is put back and
every object added since the backup removed (the pre-restore snapshot holds them).
"""

from dataclasses import dataclass
from typing import BinaryIO, cast

from minio.deleteobjects import DeleteObject

from app.archive.manifest import UploadsEntry
from app.archive.reader import read_object
from app.archive.uploads import iter_uploads
from app.crypto.datakey import DataKey
from app.storage.client import ObjectStore


@dataclass(frozen=True)
class UploadsRestored:
    put_back: int
    removed: int


def verify_uploads(archives: ObjectStore, entry: UploadsEntry, data_key: DataKey | None) -> None:
    """Read the whole uploads archive; raises ArchiveCorrupted if it fails its checks."""
    blocks = read_object(
        archives,
        entry.object,
        sha256=entry.sha256,
        stored_bytes=entry.stored_bytes,
        data_key=data_key,
    )
    for _ in blocks:
        pass


def put_back_uploads(
    archives: ObjectStore, entry: UploadsEntry, data_key: DataKey | None, bucket: ObjectStore
) -> UploadsRestored:
    """Write every archived upload into `bucket`, then delete what the archive does not hold."""
    kept: set[str] = set()
    for upload in iter_uploads(archives, entry, data_key):
        bucket.client.put_object(
            bucket.bucket,
            upload.key,
            cast(BinaryIO, upload.stream),
            upload.size,
            content_type=upload.content_type,
        )
        kept.add(upload.key)
    extra = [obj.key for obj in bucket.list("") if obj.key not in kept]
    errors = list(bucket.client.remove_objects(bucket.bucket, (DeleteObject(key) for key in extra)))
    if errors:
        raise RuntimeError(f"could not delete {len(errors)} object(s) added since the backup")
    return UploadsRestored(put_back=len(kept), removed=len(extra))

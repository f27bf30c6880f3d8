"""Object storage through the minio SDK, plain S3 calls only (MinIO, AWS S3, SeaweedFS)."""

import builtins
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, cast

import urllib3
from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import S3Error

from app.settings import Settings


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: datetime | None = None


def create_client(settings: Settings) -> Minio:
    # Short connect timeout and few retries: a missing server should fail fast and clearly.
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=5, read=300),
        maxsize=8,
        retries=urllib3.Retry(total=3, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
    )
    return Minio(
        settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key.get_secret_value(),
        secure=settings.s3_secure,
        region=settings.s3_region,
        http_client=http,
    )


class ObjectStore:
    """The few storage operations Lifeboat needs, on one bucket."""

    def __init__(self, client: Minio, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def ensure_bucket(self) -> None:
        if not self.client.bucket_exists(self.bucket):
            try:
                self.client.make_bucket(self.bucket)
            except S3Error as error:  # created by someone else meanwhile
                if error.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise

    def put_bytes(self, key: str, data: bytes, content_type: str = "application/json") -> None:
        self.client.put_object(
            self.bucket, key, io.BytesIO(data), len(data), content_type=content_type
        )

    def put_stream(self, key: str, stream: io.RawIOBase, part_size: int) -> None:
        """Multipart upload of a stream of unknown length, reading one part at a time."""
        self.client.put_object(
            self.bucket, key, cast(BinaryIO, stream), length=-1, part_size=part_size
        )

    def get_bytes(self, key: str) -> bytes:
        response = self.client.get_object(self.bucket, key)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def iter_chunks(self, key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        """Stream an object's bytes without holding it whole."""
        response = self.client.get_object(self.bucket, key)
        try:
            yield from response.stream(chunk_size)
        finally:
            response.close()
            response.release_conn()

    def exists(self, key: str) -> bool:
        try:
            self.client.stat_object(self.bucket, key)
        except S3Error as error:
            if error.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return False
            raise
        return True

    def list(self, prefix: str) -> list[StoredObject]:
        return [
            StoredObject(obj.object_name or "", obj.size or 0, obj.last_modified)
            for obj in self.client.list_objects(self.bucket, prefix=prefix, recursive=True)
        ]

    def close(self) -> None:
        """Close the client's pooled connections (at shutdown; the client is unusable after)."""
        self.client._http.clear()

    def list_folders(self, prefix: str) -> "builtins.list[str]":
        """The "folders" right under a prefix: each distinct key part up to the next "/"."""
        listing = self.client.list_objects(self.bucket, prefix=prefix, recursive=False)
        return [obj.object_name or "" for obj in listing if obj.is_dir]

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under a prefix; returns how many were deleted."""
        keys = [obj.key for obj in self.list(prefix)]
        errors = list(self.client.remove_objects(self.bucket, (DeleteObject(key) for key in keys)))
        if errors:
            raise RuntimeError(f"could not delete {len(errors)} object(s) under {prefix}")
        return len(keys)

"""S3 multipart upload of a stream of unknown length, from two part buffers reused throughout.

minio's put_object(length=-1) copies every part three to four times (a join, a one-byte
look-ahead concatenation, a slice) and keeps the previous part alive while reading the next:
about 64 MB in flight per stream at 16 MB parts, which alone broke the 200 MB budget of a
worker. Here one buffer fills while the other uploads, so a stream costs two parts of memory
and compression never waits for the network unless both are busy.

It calls minio's multipart primitives (_create_multipart_upload, _upload_part,
_complete_multipart_upload, _abort_multipart_upload): plain S3 calls that put_object itself
uses, unchanged since minio 7.0. An object smaller than one part is a single PUT.
"""

import io
from concurrent.futures import Future, ThreadPoolExecutor
from typing import cast

from minio.datatypes import Part
from minio.helpers import DictType

from app.storage.client import ObjectStore

CONTENT_TYPE = "application/octet-stream"


class PartUploader:
    """A write-only sink: write() in any sizes, close() to complete, abort() to discard."""

    def __init__(self, store: ObjectStore, key: str, part_size: int) -> None:
        self._client = store.client
        self._bucket = store.bucket
        self.key = key
        self._part_size = part_size
        self._buffers: list[bytearray] = []
        self._current = 0  # index of the buffer being filled
        self._filled = 0
        self._upload_id: str | None = None
        self._parts: list[Part] = []
        self._in_flight: Future[None] | None = None
        self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"upload {key}")

    def write(self, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data).cast("B")
        while view:
            buffer = self._buffer()
            count = min(len(view), self._part_size - self._filled)
            buffer[self._filled : self._filled + count] = view[:count]
            self._filled += count
            view = view[count:]
            if self._filled == self._part_size:
                self._send_part()

    def close(self) -> None:
        """Upload what is left and complete the object."""
        if self._upload_id is None:
            # Never filled a part: one plain PUT, no multipart bookkeeping.
            data = memoryview(self._buffer())[: self._filled]
            self._client.put_object(
                self._bucket, self.key, io.BytesIO(data), len(data), content_type=CONTENT_TYPE
            )
        else:
            if self._filled:
                self._send_part()
            self._wait()
            self._client._complete_multipart_upload(
                self._bucket, self.key, self._upload_id, self._parts
            )
        self._sender.shutdown()
        self._release()

    def abort(self) -> None:
        """Drop the upload: the object never appears, its parts are discarded."""
        try:
            self._wait()
        except Exception:  # the upload failing is what we are cleaning up after
            pass
        finally:
            self._sender.shutdown()
            self._release()
        if self._upload_id is not None:
            self._client._abort_multipart_upload(self._bucket, self.key, self._upload_id)
            self._upload_id = None

    def _release(self) -> None:
        # The part buffers go as soon as the object is complete (or dropped), not whenever the
        # uploader itself is freed: a caller may keep it referenced for a while.
        self._buffers = []
        self._filled = 0

    def _buffer(self) -> bytearray:
        # Buffers start empty and grow as written (slice assignment past the end appends), so
        # a small table never costs a part-sized allocation; a full one is reused in place.
        while len(self._buffers) <= self._current:
            self._buffers.append(bytearray())
        return self._buffers[self._current]

    def _send_part(self) -> None:
        self._wait()  # the other buffer's upload must be done before it is refilled
        if self._upload_id is None:
            headers: DictType = {"Content-Type": CONTENT_TYPE}
            self._upload_id = self._client._create_multipart_upload(self._bucket, self.key, headers)
        number = len(self._parts) + 1
        body = memoryview(self._buffers[self._current])[: self._filled]
        self._in_flight = self._sender.submit(self._upload, self._upload_id, number, body)
        self._current = 1 - self._current
        self._filled = 0

    def _upload(self, upload_id: str, number: int, body: memoryview) -> None:
        # A memoryview, not bytes: minio hashes it and urllib3 sends it as is, no copy.
        try:
            data = cast(bytes, body)
            etag = self._client._upload_part(self._bucket, self.key, data, None, upload_id, number)
        finally:
            body.release()
        self._parts.append(Part(number, etag))

    def _wait(self) -> None:
        if self._in_flight is not None:
            in_flight, self._in_flight = self._in_flight, None
            in_flight.result()


def abort_incomplete_uploads(store: ObjectStore, prefix: str) -> int:
    """Abort multipart uploads a dead writer left under `prefix` (they hold storage, unlisted)."""
    aborted = 0
    while True:
        listing = store.client._list_multipart_uploads(store.bucket, prefix=prefix)
        for upload in listing.uploads:
            if upload.object_name and upload.upload_id:
                store.client._abort_multipart_upload(
                    store.bucket, upload.object_name, upload.upload_id
                )
                aborted += 1
        # Aborted uploads drop out of the listing, so asking again pages through the rest.
        if not listing.is_truncated or not listing.uploads:
            return aborted

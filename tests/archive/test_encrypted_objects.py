"""Encrypted archive objects through the real writer, storage and reader: what the reader
refuses even when the manifest's size and SHA-256 were made to match the damage."""

import hashlib
import os

import pytest

from app.archive.reader import ArchiveCorrupted, read_object
from app.archive.writer import ArchiveObjectWriter
from app.crypto.datakey import DataKey
from app.crypto.stream import FRAME_BYTES, HEADER_BYTES, TAG_BYTES
from app.storage.client import ObjectStore

PART = 5 * 1024 * 1024


def stored(archives: ObjectStore, key: str, data: bytes, data_key: DataKey) -> bytes:
    writer = ArchiveObjectWriter(archives, key, part_size=PART, level=1, data_key=data_key)
    writer.write(data)
    writer.close()
    return archives.get_bytes(key)


def read(archives: ObjectStore, key: str, data_key: DataKey | None) -> bytes:
    body = archives.get_bytes(key)
    return b"".join(
        read_object(
            archives,
            key,
            sha256=hashlib.sha256(body).hexdigest(),  # as if the manifest vouched for it
            stored_bytes=len(body),
            data_key=data_key,
        )
    )


def test_an_object_cut_at_a_frame_boundary_fails_at_its_end(archives: ObjectStore) -> None:
    key = DataKey.generate("bk_cut")
    data = os.urandom(3 * FRAME_BYTES)  # incompressible: three full frames and then some
    body = stored(archives, "tests/cut.copy.zst", data, key)
    assert read(archives, "tests/cut.copy.zst", key) == data

    first_frame = body[: HEADER_BYTES + FRAME_BYTES + TAG_BYTES]
    archives.put_bytes("tests/cut.copy.zst", first_frame, "application/octet-stream")

    with pytest.raises(ArchiveCorrupted, match="fails decryption"):
        read(archives, "tests/cut.copy.zst", key)


def test_an_encrypted_object_read_as_plain_says_so(archives: ObjectStore) -> None:
    stored(archives, "tests/sealed.copy.zst", b"1\tone\n", DataKey.generate("bk_sealed"))

    with pytest.raises(ArchiveCorrupted, match="is encrypted, but its archive says not"):
        read(archives, "tests/sealed.copy.zst", None)

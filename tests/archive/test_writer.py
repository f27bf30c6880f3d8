"""Archive objects written in parts and read back, and aborted writes that leave nothing."""

import hashlib
import os

import pytest

from app.archive.reader import ArchiveCorrupted, read_object
from app.archive.writer import ArchiveObjectWriter, WriterAborted
from app.storage.client import ObjectStore

PART = 5 * 1024 * 1024  # the smallest part S3 accepts


def incompressible(size: int) -> bytes:
    return os.urandom(size)


def test_object_larger_than_a_part_is_uploaded_in_parts_and_reads_back(
    archives: ObjectStore,
) -> None:
    data = incompressible(2 * PART + 12345)
    writer = ArchiveObjectWriter(archives, "tests/multipart.zst", part_size=PART, level=1)
    for offset in range(0, len(data), 300_000):
        writer.write(data[offset : offset + 300_000])
    written = writer.close()

    assert written.raw_bytes == len(data)
    assert written.raw_sha256 == hashlib.sha256(data).hexdigest()
    stored = archives.list("tests/multipart.zst")[0]
    assert stored.size == written.stored_bytes > 2 * PART
    assert written.sha256 == hashlib.sha256(archives.get_bytes(written.key)).hexdigest()
    chunks = read_object(
        archives,
        written.key,
        sha256=written.sha256,
        stored_bytes=written.stored_bytes,
        data_key=None,
    )
    assert b"".join(chunks) == data


def test_small_object_is_one_put_and_reads_back(archives: ObjectStore) -> None:
    writer = ArchiveObjectWriter(archives, "tests/small.zst", part_size=PART, level=3)
    writer.write(b"1\tone\n2\ttwo\n")
    written = writer.close()
    chunks = read_object(
        archives,
        written.key,
        sha256=written.sha256,
        stored_bytes=written.stored_bytes,
        data_key=None,
    )
    assert b"".join(chunks) == b"1\tone\n2\ttwo\n"


def test_aborted_writer_leaves_no_object_and_refuses_more(archives: ObjectStore) -> None:
    writer = ArchiveObjectWriter(archives, "tests/aborted.zst", part_size=PART, level=1)
    writer.write(incompressible(PART + 1000))  # one part already uploaded
    writer.abort()

    assert not archives.exists("tests/aborted.zst")
    with pytest.raises(WriterAborted):
        writer.write(b"more")


def test_reader_refuses_an_object_whose_checksum_differs(archives: ObjectStore) -> None:
    writer = ArchiveObjectWriter(archives, "tests/tampered.zst", part_size=PART, level=1)
    writer.write(b"rows" * 1000)
    written = writer.close()

    with pytest.raises(ArchiveCorrupted):
        b"".join(
            read_object(
                archives,
                written.key,
                sha256="0" * 64,
                stored_bytes=written.stored_bytes,
                data_key=None,
            )
        )

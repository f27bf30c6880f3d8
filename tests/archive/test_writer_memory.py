"""A finished archive writer lets go of its memory at once, not when the cycle collector runs.

A worker's RSS crept from backup to backup (bench: 96 → 156, 146 → 196, 187 → 204 MB over four
full backups in one worker) because every encrypted writer sat in a reference cycle (writer →
encryptor → a method of the writer) and kept its two part buffers until a full collection.
"""

import gc
import os
import tracemalloc
import weakref
from collections.abc import Iterator

import pytest

from app.archive.writer import ArchiveObjectWriter
from app.crypto.datakey import DataKey
from app.storage.client import ObjectStore

PART = 5 * 1024 * 1024  # the smallest part S3 accepts


@pytest.fixture
def no_cycle_collector() -> Iterator[None]:
    """Only reference counting frees anything meanwhile, as between a worker's collections."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.parametrize("encrypted", [True, False], ids=["encrypted", "plain"])
@pytest.mark.parametrize("finish", ["close", "abort"])
def test_a_dropped_writer_is_freed_by_reference_counting(
    archives: ObjectStore, no_cycle_collector: None, encrypted: bool, finish: str
) -> None:
    data_key = DataKey.generate("bk_memory") if encrypted else None
    key = f"tests/memory-{finish}-{encrypted}.zst"
    writer = ArchiveObjectWriter(archives, key, part_size=PART, level=1, data_key=data_key)
    writer.write(os.urandom(PART + 1000))  # one part uploaded, the other buffer in use
    getattr(writer, finish)()
    freed = weakref.ref(writer)

    del writer

    assert freed() is None


def test_a_closed_writer_holds_no_part_buffer(archives: ObjectStore) -> None:
    # The pipeline keeps a table's writer referenced until its manifest entry is built, and
    # a caller may hold one longer: the part buffers must not live as long as that.
    data = os.urandom(2 * PART + 1000)
    writer = ArchiveObjectWriter(
        archives, "tests/memory-held.zst", part_size=PART, level=1, data_key=None
    )
    tracemalloc.start()
    try:
        writer.write(data)
        writer.close()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert held < PART // 4

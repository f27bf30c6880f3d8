"""The framed stream cipher: round trips at every boundary, and every tampering caught."""

import os
from collections.abc import Iterator

import pytest

from app.crypto.datakey import DataKey
from app.crypto.stream import (
    HEADER_BYTES,
    MIN_FRAME_BYTES,
    TAG_BYTES,
    EncryptingSink,
    StreamTampered,
    decrypt_chunks,
)

FRAME = MIN_FRAME_BYTES  # small frames: many of them in little data
SEALED = FRAME + TAG_BYTES


def encrypt(data: bytes, key: DataKey, object_key: str = "tables/00000", write: int = 333) -> bytes:
    out: list[bytes] = []
    sink = EncryptingSink(key, object_key, out.append, frame_bytes=FRAME)
    for start in range(0, len(data), write):
        sink.write(data[start : start + write])
    sink.close()
    return b"".join(out)


def chunked(data: bytes, size: int = 500) -> Iterator[bytes]:
    return (data[i : i + size] for i in range(0, len(data), size))


def decrypt(data: bytes, key: DataKey, object_key: str = "tables/00000") -> bytes:
    return b"".join(decrypt_chunks(chunked(data), key, object_key))


@pytest.fixture
def key() -> DataKey:
    return DataKey.generate("backup-a")


@pytest.mark.parametrize("size", [0, 1, FRAME - 1, FRAME, FRAME + 1, 3 * FRAME, 5 * FRAME + 7])
def test_round_trip_at_frame_boundaries(key: DataKey, size: int) -> None:
    data = os.urandom(size)
    sealed = encrypt(data, key)
    frames = max(1, -(-size // FRAME))
    assert len(sealed) == HEADER_BYTES + size + frames * TAG_BYTES
    assert decrypt(sealed, key) == data


def test_plaintext_does_not_appear_in_the_ciphertext(key: DataKey) -> None:
    marker = b"lifeboat-marker-4c1d" * 100
    assert b"lifeboat-marker" not in encrypt(marker, key)


def test_same_plaintext_encrypts_differently_each_time(key: DataKey) -> None:
    data = os.urandom(3 * FRAME)
    assert encrypt(data, key)[HEADER_BYTES:] != encrypt(data, key)[HEADER_BYTES:]


def test_a_flipped_byte_fails(key: DataKey) -> None:
    sealed = bytearray(encrypt(os.urandom(4 * FRAME), key))
    for position in (HEADER_BYTES + 10, HEADER_BYTES + 2 * SEALED + 5, len(sealed) - 1, 6, 12):
        damaged = bytearray(sealed)
        damaged[position] ^= 0x01
        with pytest.raises(StreamTampered):
            decrypt(bytes(damaged), key)


@pytest.mark.parametrize("frames_kept", [0, 1, 2, 3])
def test_a_stream_cut_at_a_frame_boundary_fails(key: DataKey, frames_kept: int) -> None:
    sealed = encrypt(os.urandom(4 * FRAME + 10), key)
    with pytest.raises(StreamTampered):
        decrypt(sealed[: HEADER_BYTES + frames_kept * SEALED], key)


@pytest.mark.parametrize("cut", [1, TAG_BYTES, 100, HEADER_BYTES + 3])
def test_a_stream_cut_anywhere_fails(key: DataKey, cut: int) -> None:
    sealed = encrypt(os.urandom(3 * FRAME), key)
    with pytest.raises(StreamTampered):
        decrypt(sealed[:-cut], key)


def test_bytes_appended_after_the_last_frame_fail(key: DataKey) -> None:
    sealed = encrypt(os.urandom(2 * FRAME + 3), key)
    with pytest.raises(StreamTampered):
        decrypt(sealed + b"\x00" * 20, key)


def test_swapped_frames_fail(key: DataKey) -> None:
    sealed = encrypt(os.urandom(4 * FRAME), key)
    body = sealed[HEADER_BYTES:]
    frames = [body[i : i + SEALED] for i in range(0, len(body), SEALED)]
    frames[0], frames[1] = frames[1], frames[0]
    with pytest.raises(StreamTampered):
        decrypt(sealed[:HEADER_BYTES] + b"".join(frames), key)


def test_a_frame_from_another_object_fails(key: DataKey) -> None:
    one = encrypt(os.urandom(3 * FRAME), key, "tables/00000")
    other = encrypt(os.urandom(3 * FRAME), key, "tables/00001")
    spliced = one[: HEADER_BYTES + SEALED] + other[HEADER_BYTES + SEALED :]
    with pytest.raises(StreamTampered):
        decrypt(spliced, key, "tables/00000")


def test_an_object_moved_to_another_key_fails(key: DataKey) -> None:
    sealed = encrypt(b"rows of table one", key, "tables/00000")
    with pytest.raises(StreamTampered):
        decrypt(sealed, key, "tables/00001")


def test_an_object_moved_to_another_backup_fails(key: DataKey) -> None:
    sealed = encrypt(b"rows", key)
    same_key_other_backup = DataKey("backup-b", key.key)
    with pytest.raises(StreamTampered):
        decrypt(sealed, same_key_other_backup)


def test_another_data_key_fails(key: DataKey) -> None:
    with pytest.raises(StreamTampered):
        decrypt(encrypt(b"rows", key), DataKey.generate("backup-a"))


def test_a_plain_object_is_refused(key: DataKey) -> None:
    with pytest.raises(StreamTampered, match="not a Lifeboat encrypted stream"):
        decrypt(os.urandom(200), key)


def test_a_forged_frame_size_is_refused_before_buffering(key: DataKey) -> None:
    sealed = bytearray(encrypt(b"rows", key))
    sealed[4:8] = (1 << 30).to_bytes(4, "big")
    with pytest.raises(StreamTampered, match="impossible frame size"):
        decrypt(bytes(sealed), key)


def test_frames_are_handed_on_only_after_they_authenticate(key: DataKey) -> None:
    data = os.urandom(4 * FRAME)
    sealed = bytearray(encrypt(data, key))
    sealed[HEADER_BYTES + 2 * SEALED + 1] ^= 0xFF  # third frame damaged
    received = []
    with pytest.raises(StreamTampered):
        for piece in decrypt_chunks(chunked(bytes(sealed)), key, "tables/00000"):
            received.append(piece)
    assert b"".join(received) == data[: 2 * FRAME]

"""The STREAM construction (as in Tink's streaming AEAD and age): an object as framed AES-GCM.

Layout of an encrypted object: a 31-byte header, then frames. Each frame is `frame_bytes` of
plaintext (the last one fewer, possibly none) sealed with AES-256-GCM, so it grows by a 16-byte
tag. The header holds a magic, the frame size, a random salt and a random nonce prefix.

- The frame key is derived from the backup's data key, the header's salt, the backup id and the
  object's key: an object copied to another key or into another backup does not open there.
- Frame i's nonce is prefix ‖ i ‖ last-flag, and its associated data repeats the header, the
  backup id, the object key, i and the flag: frames cannot be reordered, dropped, or moved
  between objects, and a stream cut at a frame boundary is caught because its new last frame
  was not sealed as last.
- Plaintext is handed on only frame by frame, after its tag checked: nothing unauthenticated
  ever reaches a consumer.
Memory is one frame (plus what the caller hands in at once), whatever the object's size.
"""

import os
from collections.abc import Callable, Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.crypto.datakey import DataKey, encode_parts

MAGIC = b"LBS\x01"
SALT_BYTES = 16
PREFIX_BYTES = 7
HEADER_BYTES = len(MAGIC) + 4 + SALT_BYTES + PREFIX_BYTES
TAG_BYTES = 16
# Plaintext per frame. bench/README.md has the measurement behind it.
FRAME_BYTES = 256 * 1024
# What a reader accepts from a header: a forged size must not make it buffer gigabytes.
MAX_FRAME_BYTES = 16 * 1024 * 1024
MIN_FRAME_BYTES = 1024
_MAX_FRAMES = 2**32  # the index has four bytes in the nonce
_SUBKEY_LABEL = "object stream v1"


class StreamTampered(Exception):
    """An encrypted object failed authentication: damaged, truncated, reordered or moved."""


class _Framing:
    """What a writer and a reader of one object share: its key, nonces and associated data."""

    def __init__(self, data_key: DataKey, object_key: str, header: bytes) -> None:
        salt = header[8 : 8 + SALT_BYTES]
        self._aead = AESGCM(data_key.subkey(_SUBKEY_LABEL, object_key, salt=salt))
        self._prefix = header[8 + SALT_BYTES :]
        self._context = header + encode_parts(data_key.backup_id, object_key)
        self.index = 0

    def _nonce_and_aad(self, last: bool) -> tuple[bytes, bytes]:
        if self.index >= _MAX_FRAMES:
            raise StreamTampered("the object has more frames than a stream may hold")
        tail = self.index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")
        return self._prefix + tail, self._context + tail

    def seal(self, plaintext: memoryview, last: bool) -> bytes:
        nonce, aad = self._nonce_and_aad(last)
        self.index += 1
        return self._aead.encrypt(nonce, plaintext, aad)

    def open(self, sealed: memoryview, last: bool) -> bytes:
        nonce, aad = self._nonce_and_aad(last)
        try:
            plaintext = self._aead.decrypt(nonce, sealed, aad)
        except InvalidTag:
            where = "its last frame" if last else f"frame {self.index}"
            raise StreamTampered(
                f"{where} fails authentication: the object was damaged, truncated, reordered "
                "or does not belong here"
            ) from None
        self.index += 1
        return plaintext


def _new_header(frame_bytes: int) -> bytes:
    return (
        MAGIC + frame_bytes.to_bytes(4, "big") + os.urandom(SALT_BYTES) + os.urandom(PREFIX_BYTES)
    )


class EncryptingSink:
    """Encrypts what is written into frames and hands the ciphertext to `emit`, in order.

    A full frame is sealed only once a byte beyond it arrives, so the last frame is always
    known at close(). Not thread-safe: the caller serialises writes (ArchiveObjectWriter does).
    """

    def __init__(
        self,
        data_key: DataKey,
        object_key: str,
        emit: Callable[[bytes], None],
        frame_bytes: int = FRAME_BYTES,
    ) -> None:
        if not MIN_FRAME_BYTES <= frame_bytes <= MAX_FRAME_BYTES:
            raise ValueError(f"frame size must be {MIN_FRAME_BYTES}..{MAX_FRAME_BYTES} bytes")
        header = _new_header(frame_bytes)
        self._framing = _Framing(data_key, object_key, header)
        self._frame_bytes = frame_bytes
        self._pending = bytearray()
        self._emit = emit
        self._closed = False
        emit(header)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._closed:
            raise ValueError("write to a closed EncryptingSink")
        self._pending += data
        size = self._frame_bytes
        if len(self._pending) > size:
            view = memoryview(self._pending)
            start = 0
            try:
                while len(self._pending) - start > size:
                    self._emit(self._framing.seal(view[start : start + size], last=False))
                    start += size
            finally:
                view.release()
            del self._pending[:start]
        return len(data)

    def close(self) -> None:
        """Seal what is left as the last frame (an empty one if nothing is)."""
        if not self._closed:
            self._closed = True
            with memoryview(self._pending) as view:
                self._emit(self._framing.seal(view, last=True))
            self._pending = bytearray()


def decrypt_chunks(chunks: Iterable[bytes], data_key: DataKey, object_key: str) -> Iterator[bytes]:
    """The plaintext of an encrypted object, one frame at a time, each authenticated.

    Raises StreamTampered at the first frame that does not authenticate, or at the end when
    the object stops short of a frame sealed as last: a consumer that only commits when its
    source ends never sees the end of a truncated object.
    """
    pending = bytearray()
    source = iter(chunks)
    while len(pending) < HEADER_BYTES:
        chunk = next(source, None)
        if chunk is None:
            raise StreamTampered("the object ends inside its header")
        pending += chunk
    header = bytes(pending[:HEADER_BYTES])
    del pending[:HEADER_BYTES]
    if header[:4] != MAGIC:
        raise StreamTampered("the object is not a Lifeboat encrypted stream")
    frame_bytes = int.from_bytes(header[4:8], "big")
    if not MIN_FRAME_BYTES <= frame_bytes <= MAX_FRAME_BYTES:
        raise StreamTampered(f"the object's header names an impossible frame size {frame_bytes}")
    framing = _Framing(data_key, object_key, header)
    sealed_frame = frame_bytes + TAG_BYTES
    for chunk in source:
        pending += chunk
        if len(pending) > sealed_frame:
            ready, start = [], 0
            with memoryview(pending) as view:
                while len(pending) - start > sealed_frame:
                    ready.append(framing.open(view[start : start + sealed_frame], last=False))
                    start += sealed_frame
            del pending[:start]
            yield from ready
    if len(pending) < TAG_BYTES:
        raise StreamTampered("the object ends inside a frame: it was truncated")
    with memoryview(pending) as view:
        last = framing.open(view, last=True)
    yield last

"""A backup's data key: random per backup, wrapped by a key-encryption key, never stored bare.

Wrapping is AES-256-GCM under the key-encryption key with the backup id as associated data, so
a wrapped key copied into another backup's manifest does not open. Everything the backup needs
(one key per object stream, the manifest's MAC key, the keyed digests) is derived from the data
key with HKDF-SHA256 under a distinct label, so no two uses ever share a key.
"""

import base64
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.crypto.errors import DecryptionFailed

DATA_KEY_BYTES = 32
NONCE_BYTES = 12
_WRAP_LABEL = b"lifeboat data key v1\x00"


def encode_parts(*parts: str | bytes) -> bytes:
    """Length-prefixed concatenation: no two different part lists encode the same."""
    out = bytearray()
    for part in parts:
        raw = part.encode() if isinstance(part, str) else part
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


def derive(key: bytes, label: str, *context: str | bytes, salt: bytes | None = None) -> bytes:
    """A 32-byte subkey of `key` for one purpose (`label`) and context."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=encode_parts(label, *context))
    return hkdf.derive(key)


@dataclass(frozen=True)
class DataKey:
    """One backup's data key, with the backup id it is bound to."""

    backup_id: str
    key: bytes

    @classmethod
    def generate(cls, backup_id: str) -> "DataKey":
        return cls(backup_id, AESGCM.generate_key(bit_length=256))

    def wrap(self, kek: bytes) -> str:
        """The data key sealed under `kek`, as text for the manifest."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(kek).encrypt(nonce, self.key, _wrap_context(self.backup_id))
        return base64.b64encode(nonce + sealed).decode()

    @classmethod
    def unwrap(cls, backup_id: str, wrapped: str, kek: bytes) -> "DataKey":
        """Open a wrapped key; DecryptionFailed if it was not sealed for this backup and key."""
        try:
            raw = base64.b64decode(wrapped, validate=True)
            key = AESGCM(kek).decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], _wrap_context(backup_id)
            )
        except (InvalidTag, ValueError):
            raise DecryptionFailed(
                f"the data key of backup {backup_id} does not open: its manifest is damaged "
                "or was altered"
            ) from None
        if len(key) != DATA_KEY_BYTES:
            raise DecryptionFailed(f"the data key of backup {backup_id} has the wrong length")
        return cls(backup_id, key)

    def subkey(self, label: str, *context: str | bytes, salt: bytes | None = None) -> bytes:
        return derive(self.key, label, self.backup_id, *context, salt=salt)


def _wrap_context(backup_id: str) -> bytes:
    return _WRAP_LABEL + encode_parts(backup_id)

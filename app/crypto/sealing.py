"""What an encrypted archive's manifest records, and how it is authenticated and read.

The manifest stays plain JSON, so backups can be listed and `catalog rebuild` works without a
key; it holds no table data, only names, counts and digests. Its `encryption` entry says how
to open the archive: the algorithm, the key-encryption key's id and the wrapped data key. Two
things in it are keyed by the data key:
- digests of plaintext (a table's COPY stream) are HMAC-SHA256, not SHA-256, so nobody without
  the key can confirm a guess of a table's contents;
- the whole manifest carries an HMAC over its canonical JSON (every field but the MAC itself),
  checked before a restore or a drill trusts a word of it.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, Protocol

from app.crypto.datakey import DataKey
from app.crypto.errors import DecryptionFailed
from app.crypto.keyring import KeyRing

ALGORITHM = "AES-256-GCM-STREAM-HKDF-SHA256"
_MAC_LABEL = "manifest mac v1"
_DIGEST_LABEL = "plaintext digest v1"


class Digest(Protocol):
    """What hashlib's and hmac's objects share."""

    def update(self, data: bytes | bytearray | memoryview, /) -> None: ...

    def hexdigest(self) -> str: ...


@dataclass(frozen=True)
class Sealed:
    """The encryption entry of a manifest, as new archives write it."""

    algorithm: str
    key_id: str
    wrapped_key: str


def seal_data_key(keyring: KeyRing, data_key: DataKey) -> Sealed:
    """Wrap a new backup's data key under the current key-encryption key."""
    if keyring.current is None:
        raise ValueError("encryption is off: no current key to seal with")
    return Sealed(ALGORITHM, keyring.current_id or "", data_key.wrap(keyring.current))


def open_data_key(keyring: KeyRing, backup_id: str, sealed: Sealed) -> DataKey:
    """Unwrap a backup's data key; KeyNotConfigured or DecryptionFailed, naming the backup."""
    if sealed.algorithm != ALGORITHM:
        raise DecryptionFailed(
            f"backup {backup_id} is encrypted with {sealed.algorithm!r}, which this Lifeboat "
            "does not know"
        )
    kek = keyring.key(sealed.key_id, f"backup {backup_id}")
    return DataKey.unwrap(backup_id, sealed.wrapped_key, kek)


def rewrap(keyring: KeyRing, backup_id: str, sealed: Sealed) -> Sealed | None:
    """The same data key wrapped under the current key, or None if it already is."""
    if keyring.current is None or sealed.key_id == keyring.current_id:
        return None
    return seal_data_key(keyring, open_data_key(keyring, backup_id, sealed))


def plaintext_digest(data_key: DataKey | None) -> Digest:
    """SHA-256 for a plain archive; HMAC-SHA256 under the data key for an encrypted one."""
    if data_key is None:
        return hashlib.sha256()
    return hmac.new(data_key.subkey(_DIGEST_LABEL), digestmod=hashlib.sha256)


def canonical_json(document: dict[str, Any]) -> bytes:
    """One byte string per document, whatever its key order or whitespace."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode()


def manifest_mac(data_key: DataKey, document: dict[str, Any]) -> str:
    """HMAC-SHA256 of the manifest's canonical JSON, under a key derived from the data key."""
    key = data_key.subkey(_MAC_LABEL)
    return hmac.new(key, canonical_json(document), hashlib.sha256).hexdigest()


def verify_manifest_mac(data_key: DataKey, document: dict[str, Any], mac: str) -> None:
    """DecryptionFailed unless `mac` authenticates `document` (compared in constant time)."""
    if not hmac.compare_digest(manifest_mac(data_key, document), mac):
        raise DecryptionFailed(
            f"the manifest of backup {data_key.backup_id} fails authentication: it was altered "
            "after the backup was written"
        )

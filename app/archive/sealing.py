"""Encrypted archives: a data key per backup, and the manifest that carries it, authenticated.

An export asks `new_data_key` for its backup's key (None with encryption off), writes every
object through it, and `seal`s the manifest: the data key wrapped under the current key, and
an HMAC over the manifest's canonical JSON. `open_manifest` is how anything that acts on an
archive reads its manifest: it unwraps the data key with whichever configured key wrapped it
(PreconditionFailed naming the key id when none did) and checks the MAC before a word of the
manifest is trusted. Listing (`Manifest.from_json`) needs no key.
"""

import json
from typing import Any

from app.archive.manifest import EncryptionEntry, Manifest
from app.crypto.datakey import DataKey
from app.crypto.errors import DecryptionFailed
from app.crypto.keyring import KeyRing
from app.crypto.sealing import (
    Sealed,
    manifest_mac,
    open_data_key,
    rewrap,
    seal_data_key,
    verify_manifest_mac,
)


def new_data_key(keyring: KeyRing, backup_id: str) -> DataKey | None:
    """A fresh data key for a new backup, or None when new backups are not encrypted."""
    return DataKey.generate(backup_id) if keyring.enabled else None


def seal(manifest: Manifest, keyring: KeyRing, data_key: DataKey | None) -> bytes:
    """The manifest's stored bytes: with its encryption entry and MAC when it has a data key."""
    if data_key is None:
        manifest.encryption = None
        return manifest.to_json()
    sealed = seal_data_key(keyring, data_key)
    manifest.encryption = EncryptionEntry(sealed.algorithm, sealed.key_id, sealed.wrapped_key)
    manifest.data_key = data_key  # as open_manifest would leave it
    _sign(manifest, data_key)
    return manifest.to_json()


def _sign(manifest: Manifest, data_key: DataKey) -> None:
    assert manifest.encryption is not None
    manifest.encryption.mac = ""
    manifest.encryption.mac = manifest_mac(data_key, _unsigned(manifest.document()))


def _unsigned(document: dict) -> dict:
    """The document as its MAC covers it: everything but the MAC itself."""
    encryption = document.get("encryption")
    if not isinstance(encryption, dict):
        return document
    return {**document, "encryption": {k: v for k, v in encryption.items() if k != "mac"}}


def open_manifest(data: bytes, keyring: KeyRing) -> Manifest:
    """The manifest, authenticated, with its data key opened (plain archives as they are)."""
    manifest = Manifest.from_json(data)
    entry = manifest.encryption
    if entry is None:
        return manifest
    sealed = Sealed(entry.algorithm, entry.key_id, entry.wrapped_key)
    data_key = open_data_key(keyring, manifest.backup_id, sealed)
    # Over the bytes as stored, parsed: a field this version does not know is covered too.
    verify_manifest_mac(data_key, _unsigned(json.loads(data)), entry.mac)
    manifest.data_key = data_key
    return manifest


def rewrap_manifest(manifest: Manifest, keyring: KeyRing) -> bytes | None:
    """An opened manifest with its data key wrapped under the current key; None if it is
    already (or is not encrypted).

    Takes what open_manifest returned: a rewrap never signs what it did not verify.
    """
    if manifest.encryption is None or manifest.data_key is None:
        return None
    entry = manifest.encryption
    fresh = rewrap(
        keyring, manifest.backup_id, Sealed(entry.algorithm, entry.key_id, entry.wrapped_key)
    )
    if fresh is None:
        return None
    manifest.encryption = EncryptionEntry(fresh.algorithm, fresh.key_id, fresh.wrapped_key)
    _sign(manifest, manifest.data_key)
    return manifest.to_json()


def recorded_encryption(manifest: Manifest) -> dict[str, str] | None:
    """What Lifeboat's own record of the backup keeps (metadata.encryption), or None."""
    if manifest.encryption is None:
        return None
    return {"algorithm": manifest.encryption.algorithm, "keyId": manifest.encryption.key_id}


def recorded_key_id(metadata: dict[str, Any] | None) -> str | None:
    """The key id a backup's record (its metadata) says it was encrypted under, if any."""
    encryption = (metadata or {}).get("encryption")
    return str(encryption.get("keyId")) if isinstance(encryption, dict) else None


def require_encrypted(manifest: Manifest, recorded: str | None) -> None:
    """DecryptionFailed if Lifeboat's record says the backup was encrypted and it is not.

    A plain manifest authenticates nothing: one put in place of an encrypted backup's (with
    plain objects of someone's choosing) would otherwise be believed.
    """
    if recorded and manifest.encryption is None:
        raise DecryptionFailed(
            f"backup {manifest.backup_id} was written encrypted (key {recorded}) but its "
            "manifest is not: it was replaced or altered. Nothing was changed"
        )

"""Small secrets Lifeboat stores in its own database (webhook secrets), encrypted at rest.

Sealed with AES-256-GCM under a subkey of the current key-encryption key; the associated data
names what the secret is for and whose it is (a webhook's id), so a sealed value copied to
another row does not open. A row records the id of the key that sealed it, or none when it
was stored while encryption was off (then the value is the secret itself).
"""

import base64
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.crypto.datakey import NONCE_BYTES, derive, encode_parts
from app.crypto.errors import DecryptionFailed
from app.crypto.keyring import KeyRing

_LABEL = "stored secret v1"


@dataclass(frozen=True)
class StoredSecret:
    value: str  # base64 of nonce ‖ ciphertext, or the secret itself when key_id is None
    key_id: str | None


def seal_secret(keyring: KeyRing, purpose: str, owner: str, secret: str) -> StoredSecret:
    """The secret as it should be stored: sealed under the current key when there is one."""
    if keyring.current is None:
        return StoredSecret(secret, None)
    nonce = os.urandom(NONCE_BYTES)
    aead = AESGCM(derive(keyring.current, _LABEL))
    sealed = aead.encrypt(nonce, secret.encode(), encode_parts(purpose, owner))
    return StoredSecret(base64.b64encode(nonce + sealed).decode(), keyring.current_id)


def open_secret(keyring: KeyRing, purpose: str, owner: str, stored: StoredSecret) -> str:
    """The secret; KeyNotConfigured if its key is missing, DecryptionFailed if it was altered."""
    if stored.key_id is None:
        return stored.value
    kek = keyring.key(stored.key_id, f"the {purpose} of {owner}")
    try:
        raw = base64.b64decode(stored.value, validate=True)
        plain = AESGCM(derive(kek, _LABEL)).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], encode_parts(purpose, owner)
        )
    except (InvalidTag, ValueError):
        raise DecryptionFailed(f"the stored {purpose} of {owner} does not open") from None
    return plain.decode()


def reseal_secret(
    keyring: KeyRing, purpose: str, owner: str, stored: StoredSecret
) -> StoredSecret | None:
    """The secret sealed under the current key, or None if it already is (or cannot be)."""
    if keyring.current is None or stored.key_id == keyring.current_id:
        return None
    return seal_secret(keyring, purpose, owner, open_secret(keyring, purpose, owner, stored))

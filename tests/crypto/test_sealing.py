"""Sealing a data key for a manifest, rewrapping it, keyed digests and the manifest's MAC."""

import hashlib

import pytest

from app.crypto.datakey import DataKey
from app.crypto.errors import DecryptionFailed, KeyNotConfigured
from app.crypto.keyring import KeyRing, generate_key
from app.crypto.sealing import (
    ALGORITHM,
    Sealed,
    manifest_mac,
    open_data_key,
    plaintext_digest,
    rewrap,
    seal_data_key,
    verify_manifest_mac,
)


def test_a_data_key_sealed_under_one_key_rewraps_under_the_next() -> None:
    key_a, key_b = generate_key(), generate_key()
    ring_a = KeyRing.from_text(key_a)
    data_key = DataKey.generate("b1")
    sealed = seal_data_key(ring_a, data_key)
    assert sealed.algorithm == ALGORITHM and sealed.key_id == ring_a.current_id

    rotated = KeyRing.from_text(key_b, key_a)
    assert open_data_key(rotated, "b1", sealed) == data_key
    rewrapped = rewrap(rotated, "b1", sealed)
    assert rewrapped is not None and rewrapped.key_id == rotated.current_id
    assert rewrap(rotated, "b1", rewrapped) is None  # already under the current key

    only_b = KeyRing.from_text(key_b)
    assert open_data_key(only_b, "b1", rewrapped) == data_key
    with pytest.raises(KeyNotConfigured, match=sealed.key_id):
        open_data_key(only_b, "b1", sealed)


def test_an_unknown_algorithm_is_refused() -> None:
    ring = KeyRing.from_text(generate_key())
    sealed = seal_data_key(ring, DataKey.generate("b1"))
    with pytest.raises(DecryptionFailed, match="does not know"):
        open_data_key(ring, "b1", Sealed("ROT13", sealed.key_id, sealed.wrapped_key))


def test_digests_are_keyed_only_for_encrypted_archives() -> None:
    plain = plaintext_digest(None)
    plain.update(b"rows")
    assert plain.hexdigest() == hashlib.sha256(b"rows").hexdigest()
    keyed = plaintext_digest(DataKey.generate("b1"))
    keyed.update(b"rows")
    assert keyed.hexdigest() != plain.hexdigest()


def test_the_manifest_mac_ignores_key_order_and_catches_any_change() -> None:
    data_key = DataKey.generate("b1")
    document = {"backupId": "b1", "tables": [{"name": "public.users", "rows": 3}]}
    mac = manifest_mac(data_key, document)
    verify_manifest_mac(data_key, {"tables": document["tables"], "backupId": "b1"}, mac)
    changed = {"backupId": "b1", "tables": [{"name": "public.users", "rows": 4}]}
    with pytest.raises(DecryptionFailed, match="altered"):
        verify_manifest_mac(data_key, changed, mac)
    with pytest.raises(DecryptionFailed):
        verify_manifest_mac(DataKey.generate("b1"), document, mac)

"""Stored secrets: sealed under the current key, bound to their owner, resealed on rotation."""

import pytest

from app.crypto.errors import DecryptionFailed, KeyNotConfigured
from app.crypto.keyring import KeyRing, generate_key
from app.crypto.secrets import StoredSecret, open_secret, reseal_secret, seal_secret


def test_a_secret_is_sealed_under_the_current_key_and_bound_to_its_owner() -> None:
    ring = KeyRing.from_text(generate_key())
    stored = seal_secret(ring, "webhook secret", "hook-1", "s3cr3t-value-123456")
    assert stored.key_id == ring.current_id and "s3cr3t" not in stored.value
    assert open_secret(ring, "webhook secret", "hook-1", stored) == "s3cr3t-value-123456"
    with pytest.raises(DecryptionFailed):
        open_secret(ring, "webhook secret", "hook-2", stored)


def test_without_a_key_a_secret_is_stored_as_it_is() -> None:
    ring = KeyRing.from_text("")
    stored = seal_secret(ring, "webhook secret", "hook-1", "plain-secret-value")
    assert stored == StoredSecret("plain-secret-value", None)
    assert open_secret(ring, "webhook secret", "hook-1", stored) == "plain-secret-value"


def test_rotation_reseals_old_and_plain_secrets_under_the_new_key() -> None:
    key_a, key_b = generate_key(), generate_key()
    under_a = seal_secret(KeyRing.from_text(key_a), "webhook secret", "h", "value-aaaaaaaaaaaa")
    plain = StoredSecret("value-pppppppppppp", None)
    rotated = KeyRing.from_text(key_b, key_a)
    resealed = [reseal_secret(rotated, "webhook secret", "h", s) for s in (under_a, plain)]
    only_b = KeyRing.from_text(key_b)
    assert [open_secret(only_b, "webhook secret", "h", s) for s in resealed if s] == [
        "value-aaaaaaaaaaaa",
        "value-pppppppppppp",
    ]
    with pytest.raises(KeyNotConfigured):
        open_secret(only_b, "webhook secret", "h", under_a)

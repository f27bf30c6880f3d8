"""Key-encryption keys, key ids and data-key wrapping."""

import base64

import pytest

from app.crypto.datakey import DataKey
from app.crypto.errors import DecryptionFailed, InvalidKey, KeyNotConfigured
from app.crypto.keyring import KeyRing, generate_key, key_id, parse_key


def test_generated_keys_are_base64_of_32_random_bytes() -> None:
    first, second = generate_key(), generate_key()
    assert len(base64.b64decode(first)) == 32
    assert first != second


@pytest.mark.parametrize("text", ["", "not base64!", base64.b64encode(b"short").decode()])
def test_a_malformed_key_is_refused_without_echoing_it(text: str) -> None:
    with pytest.raises(InvalidKey) as caught:
        parse_key(text)
    assert text not in str(caught.value) or not text


def test_a_key_id_names_the_key_without_revealing_it() -> None:
    key = parse_key(generate_key())
    kid = key_id(key)
    assert kid == key_id(key)
    assert kid != key_id(parse_key(generate_key()))
    assert kid not in key.hex() and kid not in base64.b64encode(key).decode()
    assert len(kid) == 16


def test_the_keyring_opens_with_old_keys_and_seals_with_the_current() -> None:
    old, new = generate_key(), generate_key()
    ring = KeyRing.from_text(new, f" {old} ,")
    assert ring.enabled and ring.current == parse_key(new)
    assert ring.key(key_id(parse_key(old)), "x") == parse_key(old)
    with pytest.raises(KeyNotConfigured, match="abcd"):
        ring.key("abcd", "backup b1")


def test_encryption_off_keeps_every_key_to_open_but_seals_nothing() -> None:
    current, old = generate_key(), generate_key()
    ring = KeyRing.from_text(current, old, enabled=False)
    assert not ring.enabled and ring.current_id is None
    assert set(ring.ids) == {key_id(parse_key(current)), key_id(parse_key(old))}


def test_a_wrapped_data_key_opens_only_for_its_backup_and_key() -> None:
    kek, other_kek = parse_key(generate_key()), parse_key(generate_key())
    data_key = DataKey.generate("b1")
    wrapped = data_key.wrap(kek)
    assert data_key.key.hex() not in base64.b64decode(wrapped).hex()
    assert DataKey.unwrap("b1", wrapped, kek) == data_key
    with pytest.raises(DecryptionFailed):
        DataKey.unwrap("b2", wrapped, kek)
    with pytest.raises(DecryptionFailed):
        DataKey.unwrap("b1", wrapped, other_kek)
    with pytest.raises(DecryptionFailed):
        DataKey.unwrap("b1", "A" + wrapped[1:], kek)


def test_subkeys_differ_by_purpose_and_context() -> None:
    data_key = DataKey.generate("b1")
    keys = {
        data_key.subkey("a"),
        data_key.subkey("b"),
        data_key.subkey("a", "x"),
        DataKey("b2", data_key.key).subkey("a"),
    }
    assert len(keys) == 4

"""Encryption settings: production refuses to start without a key unless told `off`, and a
malformed key stops start-up without being printed."""

import pytest
from pydantic import ValidationError

from app.crypto.keyring import generate_key
from app.settings import Settings

PRODUCTION = {"env": "production", "secret_key": "a-real-secret-for-this-test"}


def test_production_refuses_to_start_without_a_key() -> None:
    with pytest.raises(ValidationError, match="LIFEBOAT_ENCRYPTION_KEY must be set"):
        Settings(**PRODUCTION, encryption_key="")


def test_production_runs_without_encryption_only_when_told_off() -> None:
    settings = Settings(**PRODUCTION, encryption_key="", encryption="off")
    assert not settings.keyring.enabled


def test_off_keeps_configured_keys_for_reading() -> None:
    key = generate_key()
    settings = Settings(**PRODUCTION, encryption_key=key, encryption="off")
    assert not settings.keyring.enabled and len(settings.keyring.ids) == 1


def test_a_key_turns_encryption_on() -> None:
    settings = Settings(**PRODUCTION, encryption_key=generate_key())
    assert settings.keyring.enabled


def test_on_without_a_key_is_refused_anywhere() -> None:
    with pytest.raises(ValidationError, match="needs LIFEBOAT_ENCRYPTION_KEY"):
        Settings(encryption_key="", encryption="on")


def test_a_malformed_key_is_refused_and_never_printed() -> None:
    almost = generate_key()[:-8] + "AAAA"
    with pytest.raises(ValidationError) as caught:
        Settings(encryption_key=generate_key(), encryption_old_keys=f"{almost}")
    assert almost not in str(caught.value)

"""What can go wrong opening encrypted things; each is a PreconditionFailed for API clients."""

from app.errors import PreconditionFailed


class KeyNotConfigured(PreconditionFailed):
    """The key-encryption key a backup or secret was sealed with is not configured."""

    def __init__(self, key_id: str, what: str) -> None:
        super().__init__(
            f"{what} is encrypted under key {key_id}, which is not configured: set it as "
            "LIFEBOAT_ENCRYPTION_KEY or add it to LIFEBOAT_ENCRYPTION_OLD_KEYS"
        )
        self.key_id = key_id


class DecryptionFailed(PreconditionFailed):
    """Ciphertext or a sealed manifest failed authentication: damaged or tampered with."""


class InvalidKey(ValueError):
    """A configured key is not base64 of 32 bytes."""

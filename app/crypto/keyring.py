"""Key-encryption keys: the current one (wraps new data keys) and old ones (read-only).

A key is base64 of 32 random bytes. Its id is derived from it one way (HMAC-SHA256 of a fixed
label, truncated), so manifests and errors can name the key a backup needs without revealing
anything about the key itself.
"""

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from app.crypto.errors import InvalidKey, KeyNotConfigured

KEY_BYTES = 32
_KEY_ID_LABEL = b"lifeboat key id v1"
_KEY_ID_HEX = 16  # 64 bits: enough to tell keys apart, far too few to say anything about one


def generate_key() -> str:
    """A new key-encryption key, as LIFEBOAT_ENCRYPTION_KEY takes it."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def parse_key(text: str) -> bytes:
    """The 32 bytes of a base64 key; InvalidKey (never echoing the key) otherwise."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidKey(
            "an encryption key must be base64 (as `lifeboat keys generate` prints)"
        ) from None
    if len(key) != KEY_BYTES:
        raise InvalidKey(f"an encryption key must be {KEY_BYTES} bytes, base64-encoded")
    return key


def key_id(key: bytes) -> str:
    """The public name of a key: a truncated HMAC of a fixed label under it."""
    return hmac.new(key, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:_KEY_ID_HEX]


@dataclass(frozen=True)
class KeyRing:
    """The configured keys: `current` seals new things; every key, old ones too, opens."""

    current: bytes | None
    old: tuple[bytes, ...] = ()
    _by_id: dict[str, bytes] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys = ([self.current] if self.current else []) + list(self.old)
        object.__setattr__(self, "_by_id", {key_id(key): key for key in keys})

    @property
    def enabled(self) -> bool:
        """Whether new backups and secrets are encrypted."""
        return self.current is not None

    @property
    def current_id(self) -> str | None:
        return key_id(self.current) if self.current else None

    @property
    def ids(self) -> list[str]:
        return list(self._by_id)

    def has(self, kid: str) -> bool:
        return kid in self._by_id

    def key(self, kid: str, what: str) -> bytes:
        """The key named `kid`; KeyNotConfigured naming `what` needs it otherwise."""
        try:
            return self._by_id[kid]
        except KeyError:
            raise KeyNotConfigured(kid, what) from None

    @classmethod
    def from_text(cls, current: str, old: str = "", *, enabled: bool = True) -> "KeyRing":
        """From LIFEBOAT_ENCRYPTION_KEY and the comma-separated LIFEBOAT_ENCRYPTION_OLD_KEYS.

        `enabled=False` (LIFEBOAT_ENCRYPTION=off) seals nothing new, yet keeps every key to
        open what was sealed before.
        """
        current_key = parse_key(current) if current.strip() else None
        old_keys = tuple(parse_key(part) for part in old.split(",") if part.strip())
        if not enabled:
            return cls(None, tuple(k for k in (current_key, *old_keys) if k is not None))
        return cls(current_key, old_keys)

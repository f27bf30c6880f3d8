"""API tokens: random, shown once, stored only as a SHA-256 digest."""

import hashlib
import secrets

TOKEN_PREFIX = "lb_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    # Tokens carry 256 bits of randomness, so a plain SHA-256 is enough (no slow KDF needed).
    return hashlib.sha256(token.encode()).hexdigest()

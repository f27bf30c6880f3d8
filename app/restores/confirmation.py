"""Confirmation codes: what an admin types back to prove they mean this very backup."""

import base64
import hashlib
import hmac

CODE_LENGTH = 8


def confirmation_code(secret_key: str, backup_id: str) -> str:
    """An 8-character code like `K7QM-2XWA`, derived from the backup id with HMAC-SHA256."""
    mac = hmac.new(secret_key.encode(), f"restore:{backup_id}".encode(), hashlib.sha256).digest()
    letters = base64.b32encode(mac).decode()[:CODE_LENGTH]
    return f"{letters[:4]}-{letters[4:]}"


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_matches(secret_key: str, backup_id: str, typed: str) -> bool:
    """Constant-time comparison, forgiving case, spaces and dashes."""
    expected = _normalise(confirmation_code(secret_key, backup_id))
    return hmac.compare_digest(expected.encode(), _normalise(typed).encode())

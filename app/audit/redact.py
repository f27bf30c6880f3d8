"""Arguments as the audit trail keeps them: secrets replaced before they reach the table."""

import enum
import re
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from app.auth.tokens import TOKEN_PREFIX

REDACTED = "[redacted]"
# Argument names (any case, any place in a nested input) whose values are secrets:
# confirmation codes, webhook secrets, tokens, passwords, keys.
_SECRET_NAME = re.compile(r"code|secret|token|password|passphrase|key$", re.IGNORECASE)
# ...except identifiers, such as the id of a token to revoke.
_IDENTIFIER = re.compile(r"(_id|Id|ID)$")
# Credentials in a URL (https://user:password@host/…).
_URL_PASSWORD = re.compile(r"(?<=://)([^/@:\s]*):[^/@\s]*@")


def redact(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-ready copy of `arguments` with every secret replaced by "[redacted]"."""
    return {name: _value(name, value) for name, value in arguments.items()}


def _value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if _SECRET_NAME.search(name) and not _IDENTIFIER.search(name):
        return REDACTED
    if isinstance(value, Mapping):
        return redact(value)
    if isinstance(value, list | tuple):
        return [_value(name, item) for item in value]
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return _string(str(value))


def _string(value: str) -> str:
    # A token pasted into a field that is not named like one is still a token.
    if value.startswith(TOKEN_PREFIX) and len(value) > 20:
        return REDACTED
    return _URL_PASSWORD.sub(r"\1:" + REDACTED + "@", value)

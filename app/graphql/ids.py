"""Parsing ID arguments: a malformed id is the caller's mistake (BAD_USER_INPUT)."""

import uuid

from app.errors import BadUserInput


def parse_uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as error:
        raise BadUserInput(f"{value!r} is not a valid {what} id") from error

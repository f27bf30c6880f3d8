"""Cursors for lists paged newest first: an item's creation time and id, opaque to clients.

The id breaks ties, so a page boundary never skips or repeats rows that share a creation time
(a schedule's burst, an import). Time and id together are also what the lists' indexes hold.
"""

import base64
import binascii
import uuid
from datetime import datetime
from typing import NamedTuple

from app.errors import BadUserInput


class Cursor(NamedTuple):
    at: datetime
    id: uuid.UUID


def encode_cursor(at: datetime, row_id: uuid.UUID) -> str:
    raw = f"{at.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> Cursor:
    """The cursor `encode_cursor` wrote; BAD_USER_INPUT for anything else."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        at, _, row_id = raw.partition("|")
        cursor = Cursor(datetime.fromisoformat(at), uuid.UUID(row_id))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadUserInput(f"{text!r} is not a cursor from this list") from None
    if cursor.at.tzinfo is None:
        raise BadUserInput(f"{text!r} is not a cursor from this list")
    return cursor

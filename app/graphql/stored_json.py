"""JSON columns served as fields: decoded only when a query selects them.

A listing reads a backup's jsonb columns (tables, metadata, progress) as text and wraps them in
StoredJson; the field resolvers decode them on demand. Most lists never select them, and
decoding them was about a third of the CPU of a `backups(limit: 50)` request.
"""

import json
from typing import Any


class StoredJson(str):
    """JSON text as PostgreSQL sent it, not decoded yet."""


def decoded(value: Any) -> Any:
    """The value itself, or the decoded JSON when it is StoredJson."""
    return json.loads(value) if isinstance(value, StoredJson) else value


def stored(text: str | None) -> StoredJson | None:
    return None if text is None else StoredJson(text)

"""Reading the audit trail in tests, straight from the table."""

import json
from typing import Any

import asyncpg

from app.settings import get_settings


async def audit_rows(where: str = "true", *args: Any) -> list[dict[str, Any]]:
    """Rows of lifeboat.audit_events matching `where` (SQL, $1… for args), oldest first."""
    conn = await asyncpg.connect(get_settings().database_url)
    try:
        rows = await conn.fetch(
            f"SELECT * FROM lifeboat.audit_events WHERE {where} ORDER BY id", *args
        )
    finally:
        await conn.close()
    return [
        {**row, "arguments": json.loads(row["arguments"]) if row["arguments"] else None}
        for row in rows
    ]


async def rows_containing(text: str) -> int:
    """How many audit rows hold `text` anywhere (any column, arguments included)."""
    conn = await asyncpg.connect(get_settings().database_url)
    try:
        found: int = await conn.fetchval(
            "SELECT count(*) FROM lifeboat.audit_events e WHERE strpos(e::text, $1) > 0", text
        )
    finally:
        await conn.close()
    return found

"""Sequences step: each sequence of the backup reads back at the value the backup recorded."""

import asyncpg

from app.archive.manifest import SequenceEntry
from app.tables.names import QualifiedName, quoted_table


async def sequence_problems(conn: asyncpg.Connection, sequences: list[SequenceEntry]) -> list[str]:
    """One line per sequence that is missing or not where the backup left it."""
    problems = []
    for entry in sequences:
        name = quoted_table(QualifiedName(entry.schema, entry.sequence))
        if await conn.fetchval("SELECT to_regclass($1) IS NULL", name):
            problems.append(f"sequence {entry.name} is missing after the restore")
            continue
        row = await conn.fetchrow(f"SELECT last_value, is_called FROM {name}")
        if (row["last_value"], row["is_called"]) != (entry.last_value, entry.is_called):
            problems.append(
                f"sequence {entry.name} reads back at {row['last_value']} (is_called "
                f"{row['is_called']}), the backup recorded {entry.last_value} (is_called "
                f"{entry.is_called})"
            )
    return problems

"""Advisory locks on the target database, keyed on what conflicts.

A restore holds the target lock exclusively for its whole run; every export holds it shared,
so a backup requested during a restore waits for it, and two exports never block each other.
Session-level locks are released by PostgreSQL when a worker's connection dies.
"""

import hashlib

import asyncpg


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a lock name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


TARGET_LOCK = lock_key("lifeboat:target")


async def lock_target_shared(conn: asyncpg.Connection) -> None:
    await conn.execute("SELECT pg_advisory_lock_shared($1)", TARGET_LOCK)


async def unlock_target_shared(conn: asyncpg.Connection) -> None:
    await conn.execute("SELECT pg_advisory_unlock_shared($1)", TARGET_LOCK)


async def lock_target_exclusive(conn: asyncpg.Connection) -> None:
    await conn.execute("SELECT pg_advisory_lock($1)", TARGET_LOCK)


async def unlock_target_exclusive(conn: asyncpg.Connection) -> None:
    await conn.execute("SELECT pg_advisory_unlock($1)", TARGET_LOCK)


async def try_lock(conn: asyncpg.Connection, name: str) -> bool:
    """Session lock on a name (e.g. one backup id), without waiting."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", lock_key(name)))


async def unlock(conn: asyncpg.Connection, name: str) -> None:
    await conn.execute("SELECT pg_advisory_unlock($1)", lock_key(name))

"""Scheduler leadership: a PostgreSQL session advisory lock on Lifeboat's own database.

The leader holds the lock on a connection of its own for as long as it lives; PostgreSQL
releases it when that connection ends, however the process died, and another scheduler takes
over at its next try. Leadership only avoids duplicate work: firing is idempotent on its own.
"""

import logging

import asyncpg

from app.db.locks import lock_key
from app.db.urls import asyncpg_dsn

logger = logging.getLogger("lifeboat.scheduler")

SCHEDULER_LOCK = lock_key("lifeboat:scheduler")


class Leadership:
    def __init__(self, database_url: str) -> None:
        self.dsn = asyncpg_dsn(database_url)
        self.conn: asyncpg.Connection | None = None
        self.held = False

    async def acquire(self) -> bool:
        """True if this process leads now (checking that a lock it held is still held)."""
        try:
            if self.conn is None or self.conn.is_closed():
                self.held = False
                self.conn = await asyncpg.connect(
                    self.dsn, timeout=10, server_settings={"application_name": "lifeboat-scheduler"}
                )
            if self.held:
                await self.conn.fetchval("SELECT 1")  # the lock lives as long as this session
            else:
                self.held = bool(
                    await self.conn.fetchval("SELECT pg_try_advisory_lock($1)", SCHEDULER_LOCK)
                )
                if self.held:
                    logger.info("this scheduler is now the leader")
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            if self.held:
                logger.warning("lost scheduler leadership: %s", error)
            await self.release()
        return self.held

    async def release(self) -> None:
        """Give leadership up (closing the session releases the lock)."""
        self.held = False
        conn, self.conn = self.conn, None
        if conn is not None and not conn.is_closed():
            try:
                await conn.close(timeout=5)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
                conn.terminate()

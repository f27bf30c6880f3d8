"""The restore's connections to the server it writes, and the lock that proves it is alive."""

import uuid

import asyncpg

from app.db.urls import asyncpg_dsn

_SESSION = {
    "application_name": "lifeboat-restore",
    # The transaction sits idle while the pre-restore snapshot is exported.
    "idle_in_transaction_session_timeout": "0",
    "statement_timeout": "0",
    # A killed worker's backend notices within a second, even mid-COPY, and rolls back, which
    # frees the restore's locks for the retry or the reaper.
    "client_connection_check_interval": "1000",
}


def restore_lock(restore_id: uuid.UUID) -> str:
    """Held by the worker running the restore, on a connection to the configured target."""
    return f"lifeboat:restore:{restore_id}"


async def connect(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(asyncpg_dsn(url), server_settings=_SESSION)

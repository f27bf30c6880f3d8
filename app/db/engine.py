"""Engine and session factory for Lifeboat's own tables."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.db.urls import sqlalchemy_url


def create_engine(database_url: str, pool_size: int = 5) -> AsyncEngine:
    engine = create_async_engine(
        sqlalchemy_url(database_url),
        pool_size=pool_size,
        connect_args={"server_settings": {"application_name": "lifeboat"}},
    )
    # Instead of pool_pre_ping, which costs three round trips per checkout with asyncpg
    # (BEGIN, a ping, ROLLBACK: more than a small query itself), a pooled connection is
    # replaced when the server has closed it (a restart, pg_terminate_backend), which asyncpg
    # learns without asking.
    event.listen(engine.sync_engine.pool, "checkout", _replace_if_closed)
    return engine


def _replace_if_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    if dbapi_connection.driver_connection.is_closed():
        raise exc.DisconnectionError("the server closed this pooled connection")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session whose work commits when the block ends and rolls back on error."""
    async with factory() as session, session.begin():
        yield session


@asynccontextmanager
async def reading(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session whose statements each run on their own, outside a transaction.

    For a request that reads once (or writes one statement, atomic by itself): no BEGIN and no
    ROLLBACK, two round trips fewer. On a busy API the round trips are most of a small query's
    cost.
    """
    async with factory() as session:
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        yield session

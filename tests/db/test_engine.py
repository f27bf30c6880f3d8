"""The engine's pool: a connection the server closed is replaced, not handed to a request."""

import asyncio

import asyncpg
from sqlalchemy import text

from app.db.engine import create_engine, session_factory
from app.settings import Settings
from tests.support.worker import wait_for


async def test_a_pooled_connection_the_server_closed_is_replaced(
    settings: Settings, databases: None
) -> None:
    engine = create_engine(settings.database_url, pool_size=1)
    sessions = session_factory(engine)
    try:
        async with sessions() as session:
            pid = await session.scalar(text("SELECT pg_backend_pid()"))
        admin = await asyncpg.connect(settings.database_url)
        try:
            await admin.execute("SELECT pg_terminate_backend($1)", pid)

            async def gone() -> bool:
                query = "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $1"
                return bool(await admin.fetchval(query, pid))

            await wait_for(gone, message="the backend to end")
        finally:
            await admin.close()
        await asyncio.sleep(0.1)  # the pooled connection hears the server's goodbye

        async with sessions() as session:
            assert await session.scalar(text("SELECT pg_backend_pid()")) != pid
    finally:
        await engine.dispose()

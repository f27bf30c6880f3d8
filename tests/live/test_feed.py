"""The feed behind subscriptions: the trigger's notifications, and a lost LISTEN connection."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from app.db.engine import create_engine, session_factory
from app.live.feed import JobFeed
from app.live.jobs import backup_key, job_reader
from app.live.listener import APPLICATION_NAME, CHANNEL
from app.pipelines.context import PipelineContext
from app.settings import Settings
from tests.support.pipeline import create_backup_row
from tests.support.worker import wait_for


@pytest.fixture
async def own_db(settings: Settings, databases: None) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(settings.database_url)
    yield conn
    await conn.close()


@pytest.fixture
async def feed(settings: Settings, databases: None) -> AsyncIterator[JobFeed]:
    engine = create_engine(settings.database_url, pool_size=1)
    live = JobFeed(settings.database_url, job_reader(session_factory(engine)))
    live.start()
    await asyncio.wait_for(live.listener.connected.wait(), 20)
    yield live
    await live.close()
    await engine.dispose()


async def _progress(conn: asyncpg.Connection, backup_id: str, step: str) -> None:
    await conn.execute(
        "UPDATE lifeboat.system_backups SET progress = $2::jsonb WHERE backup_id = $1",
        backup_id,
        json.dumps({"step": step}),
    )


async def test_a_change_notifies_its_key_and_a_heartbeat_alone_does_not(
    own_db: asyncpg.Connection, pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    backup_id = await create_backup_row(pipeline_context, target, "full")
    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(pipeline_context.settings.database_url)
    await listener.add_listener(CHANNEL, lambda *args: heard.put_nowait(args[-1]))
    try:
        await own_db.execute(
            "UPDATE lifeboat.system_backups SET heartbeat_at = now() WHERE backup_id = $1",
            backup_id,
        )
        await _progress(own_db, backup_id, "export")
        assert await asyncio.wait_for(heard.get(), 10) == backup_key(backup_id)
        assert heard.empty()  # the heartbeat made no noise
    finally:
        await listener.close()


async def test_changes_made_while_the_listen_connection_was_lost_still_arrive(
    feed: JobFeed,
    own_db: asyncpg.Connection,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
) -> None:
    backup_id = await create_backup_row(pipeline_context, target, "full")
    async with feed.watch(backup_key(backup_id)) as watch:
        states = aiter(watch)
        first: Any = await asyncio.wait_for(anext(states), 10)
        assert first.progress == {"step": "queued"}

        # Every listening connection of this database goes (the API's own included, as in a
        # failover); the change is made before the feed can be listening again.
        await own_db.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = $1 AND datname = current_database()",
            APPLICATION_NAME,
        )
        await _progress(own_db, backup_id, "export")

        second: Any = await asyncio.wait_for(anext(states), 30)
        assert second.progress == {"step": "export"}
        await wait_for(feed.listener.connected.is_set, message="the listener to reconnect")
        await _progress(own_db, backup_id, "manifest")
        third: Any = await asyncio.wait_for(anext(states), 10)
        assert third.progress == {"step": "manifest"}

"""Resources a worker process shares between its actors, opened once and closed at shutdown."""

import asyncio
from dataclasses import dataclass
from typing import Any

import dramatiq
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.db.engine import create_engine, session_factory
from app.settings import Settings, get_settings
from app.storage.client import ObjectStore, create_client


@dataclass
class WorkerResources:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    archives: ObjectStore
    uploads: ObjectStore


_resources: WorkerResources | None = None


def get_resources() -> WorkerResources:
    """Built on first use inside the worker's event loop (never at import time)."""
    global _resources
    if _resources is None:
        settings = get_settings()
        engine = create_engine(settings.database_url, pool_size=2)
        client = create_client(settings)
        _resources = WorkerResources(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            archives=ObjectStore(client, settings.s3_bucket),
            uploads=ObjectStore(client, settings.uploads_bucket),
        )
    return _resources


async def close_resources() -> None:
    global _resources
    if _resources is not None:
        await _resources.engine.dispose()
        _resources = None


class WorkerResourcesMiddleware(dramatiq.Middleware):
    """Dispose the worker's engine on the event loop it was created on, at shutdown."""

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        from dramatiq.asyncio import get_event_loop_thread

        loop_thread = get_event_loop_thread()
        if loop_thread is not None and _resources is not None:
            asyncio.run_coroutine_threadsafe(close_resources(), loop_thread.loop).result(10)

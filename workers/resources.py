"""Resources a worker process shares between its actors, opened once and closed at shutdown."""

import asyncio
from typing import Any

import dramatiq
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engine import create_engine, session_factory
from app.pipelines.context import PipelineContext
from app.settings import get_settings
from app.storage.client import ObjectStore, create_client

_engine: AsyncEngine | None = None
_context: PipelineContext | None = None


def get_context() -> PipelineContext:
    """Built on first use inside the worker's event loop (never at import time)."""
    global _engine, _context
    if _context is None:
        settings = get_settings()
        _engine = create_engine(settings.database_url, pool_size=2)
        client = create_client(settings)
        _context = PipelineContext(
            settings=settings,
            sessions=session_factory(_engine),
            archives=ObjectStore(client, settings.s3_bucket),
            uploads=ObjectStore(client, settings.uploads_bucket),
        )
    return _context


async def close_resources() -> None:
    global _engine, _context
    if _engine is not None:
        await _engine.dispose()
    _engine = _context = None


class WorkerResourcesMiddleware(dramatiq.Middleware):
    """Dispose the worker's engine on its event loop once in-flight messages have finished.

    After-shutdown hooks run in reverse order, so this runs before AsyncIO stops the loop.
    """

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        from dramatiq.asyncio import get_event_loop_thread

        loop_thread = get_event_loop_thread()
        if loop_thread is not None and _engine is not None:
            asyncio.run_coroutine_threadsafe(close_resources(), loop_thread.loop).result(10)

"""Resources a worker process shares between its actors, opened once and closed at shutdown."""

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import dramatiq
from sqlalchemy.ext.asyncio import AsyncEngine

from app.pipelines.context import PipelineContext, open_context
from app.settings import get_settings

logger = logging.getLogger("lifeboat.worker")

_engine: AsyncEngine | None = None
_context: PipelineContext | None = None


def get_context() -> PipelineContext:
    """Built on first use inside the worker's event loop (never at import time)."""
    global _engine, _context
    if _context is None:
        _engine, _context = open_context(get_settings())
    return _context


async def close_resources() -> None:
    global _engine, _context
    if _engine is not None:
        await _engine.dispose()
    _engine = _context = None


def _worker_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop Dramatiq's AsyncIO middleware runs actors on, once it is running."""
    from dramatiq.asyncio import get_event_loop_thread

    loop_thread = get_event_loop_thread()
    return loop_thread.loop if loop_thread is not None else None


class WorkerResourcesMiddleware(dramatiq.Middleware):
    """Dispose the worker's engine on its event loop once in-flight messages have finished.

    After-shutdown hooks run in reverse order, so this runs before AsyncIO stops the loop.
    """

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        loop = _worker_loop()
        if loop is not None and _engine is not None:
            asyncio.run_coroutine_threadsafe(close_resources(), loop).result(10)


_boot_jobs: list[tuple[Callable[[], Coroutine[Any, Any, object]], str]] = []


def run_at_worker_boot(job: Callable[[], Coroutine[Any, Any, object]], what: str) -> None:
    """Have every worker process run `job` on its event loop once it has booted."""
    _boot_jobs.append((job, what))


class BootJobsMiddleware(dramatiq.Middleware):
    """Runs the jobs given to run_at_worker_boot; a failure is logged, never fatal (the
    scheduler runs the same jobs periodically)."""

    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        loop = _worker_loop()
        if loop is None:
            return
        for job, what in _boot_jobs:
            try:
                asyncio.run_coroutine_threadsafe(job(), loop).result(60)
            except Exception:
                logger.exception("could not %s at worker start", what)

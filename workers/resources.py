"""Resources a worker process shares between its actors, opened once and closed at shutdown."""

import asyncio
import concurrent.futures
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


_maintenance: list[tuple[Callable[[], Coroutine[Any, Any, object]], str]] = []


def run_in_background(job: Callable[[], Coroutine[Any, Any, object]], what: str) -> None:
    """Have every worker process run `job` on its event loop once it has booted, then every
    settings.reap_interval_seconds until it shuts down (e.g. settling dead workers' jobs)."""
    _maintenance.append((job, what))


async def _maintain(interval: float) -> None:
    """Run every maintenance job, again and again; a failure is logged, never fatal."""
    while True:
        for job, what in _maintenance:
            try:
                await job()
            except Exception:
                logger.exception("could not %s", what)
        await asyncio.sleep(interval)


class MaintenanceMiddleware(dramatiq.Middleware):
    """Runs the jobs given to run_in_background alongside the actors, on the worker's loop.

    A live worker thus settles the job of a dead one within one interval, whether or not a
    scheduler runs; a worker that starts does it at once.
    """

    def __init__(self) -> None:
        self._task: concurrent.futures.Future[None] | None = None

    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        loop = _worker_loop()
        if loop is not None:
            interval = get_settings().reap_interval_seconds
            self._task = asyncio.run_coroutine_threadsafe(_maintain(interval), loop)

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        if self._task is not None:
            self._task.cancel()

"""The `lifeboat scheduler` process: resources, signals, and the loop of workers/scheduler.py."""

import asyncio
import logging
import signal

from app.pipelines.context import open_context
from app.pipelines.restore.reaper import reap_stale_restores
from app.settings import Settings, get_settings
from workers.scheduler import SchedulerDeps, run_forever

logger = logging.getLogger("lifeboat.scheduler")


async def serve(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT, then finish the current tick and give leadership up."""
    # Imported here: declaring the actors declares the broker, which needs the settings.
    from workers.actors.notifications import send_delivery
    from workers.jobs import DramatiqJobs

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    engine, context = open_context(settings)
    deps = SchedulerDeps(
        settings=settings,
        sessions=context.sessions,
        archives=context.archives,
        jobs=DramatiqJobs(),
        enqueue_delivery=send_delivery,
        reap_restores=lambda: reap_stale_restores(context),
    )
    logger.info("scheduler started (tick every %g s)", settings.scheduler_tick_seconds)
    try:
        await run_forever(deps, stop)
    finally:
        await engine.dispose()
        logger.info("scheduler stopped")


def main() -> None:
    asyncio.run(serve(get_settings()))

"""Run a pipeline's work while its progress is published, for exports and restores.

Publishing writes the progress (and the heartbeat) on the job's row; a trigger on that row
NOTIFYs the API processes, which pass it on to subscribers (app/live). So the pace of writes
here is the pace subscribers see: every step change at once, other changes (bytes, rows,
tables) at most every PUBLISH_SECONDS, and an unchanged report only as the heartbeat.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from time import monotonic
from typing import Any, TypeVar

from app.pipelines.progress import PipelineProgress

logger = logging.getLogger("lifeboat.heartbeat")

T = TypeVar("T")

PUBLISH_SECONDS = 0.5
# Fields that change by themselves as time passes: a change in them alone is no news.
_CLOCK_FIELDS = ("stepTimes", "etaSeconds")


def _news(state: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in state.items() if key not in _CLOCK_FIELDS}


async def with_heartbeat(
    work: Awaitable[T],
    beat: Callable[[dict[str, Any]], Awaitable[None]],
    *,
    progress: PipelineProgress,
    interval: float,
    stopped: type[Exception],
    label: str,
) -> T:
    """Run `work`, publishing `progress` with `beat`, until done or `beat` raises `stopped`.

    `beat` raises `stopped` when the operation is no longer running (failed by the reaper, or
    anyone): the work is then cancelled (a restore's transaction rolls back) and the error
    raised. Any other beat failure, such as a Lifeboat database hiccup, is retried at the
    next tick. Once the progress says the job finished, the pipeline's own final write says
    so, and publishing stops (a late beat would find the job no longer running).
    """
    task: asyncio.Future[T] = asyncio.ensure_future(work)
    beater = asyncio.create_task(_publish(progress, beat, interval, stopped, label))
    try:
        waiting: set[asyncio.Future[Any]] = {task, beater}
        done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            return task.result()
        failure = beater.exception()
        if failure is not None:
            raise failure
        # Publishing ended because the work reported it finished: the work ends now.
        return await task
    finally:
        for pending in (task, beater):
            pending.cancel()
        await asyncio.gather(task, beater, return_exceptions=True)


async def _publish(
    progress: PipelineProgress,
    beat: Callable[[dict[str, Any]], Awaitable[None]],
    interval: float,
    stopped: type[Exception],
    label: str,
) -> None:
    published: dict[str, Any] | None = None
    last_write = float("-inf")
    failing = False
    while not progress.finished:
        # Cleared before reading: a step entered while we write wakes the next wait at once.
        progress.step_changed.clear()
        state = progress.as_json()
        since = monotonic() - last_write
        step_changed = published is None or state["step"] != published["step"]
        changed = published is None or _news(state) != _news(published)
        if step_changed or (changed and since >= PUBLISH_SECONDS) or since >= interval:
            last_write = monotonic()
            try:
                await beat(state)
            except stopped:
                if progress.finished:
                    return  # our own final write got there first: the job is done, not stopped
                raise
            except Exception as error:
                if not failing:
                    logger.warning("%s: progress not recorded: %s", label, error)
                failing = True
            else:
                published, failing = state, False
        # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a cancellation.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(PUBLISH_SECONDS):
                await progress.step_changed.wait()

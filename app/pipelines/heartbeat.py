"""Run a pipeline's work while a heartbeat publishes its progress, for exports and restores."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

logger = logging.getLogger("lifeboat.heartbeat")

T = TypeVar("T")


async def with_heartbeat(
    work: Awaitable[T],
    beat: Callable[[], Awaitable[None]],
    *,
    interval: float,
    stopped: type[Exception],
    label: str,
) -> T:
    """Run `work`, calling `beat` every `interval` seconds, until done or `beat` raises `stopped`.

    `beat` raises `stopped` when the operation is no longer running (failed by the reaper, or
    anyone): the work is then cancelled (a restore's transaction rolls back) and the error
    raised. Any other beat failure, such as a Lifeboat database hiccup, only skips a beat.
    """
    task: asyncio.Future[T] = asyncio.ensure_future(work)

    async def beat_forever() -> None:
        while True:
            try:
                await beat()
            except stopped:
                raise
            except Exception as error:
                logger.warning("%s: heartbeat not recorded: %s", label, error)
            await asyncio.sleep(interval)

    beater = asyncio.create_task(beat_forever())
    try:
        waiting: set[asyncio.Future[Any]] = {task, beater}
        done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            return task.result()
        # The beater only ends by raising `stopped`.
        raise beater.exception() or stopped(label)
    finally:
        for pending in (task, beater):
            pending.cancel()
        await asyncio.gather(task, beater, return_exceptions=True)

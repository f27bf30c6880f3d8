"""A worker SIGKILLed in the middle of a drill: its scratch database is dropped by the reaper
of the next worker to start, and the drill ends in ERROR saying to run it again."""

from collections.abc import Callable

import asyncpg

from app.pipelines.context import PipelineContext
from app.pipelines.drill.pipeline import WORKER_DIED
from tests.conftest import GraphQLClient
from tests.restores.support import completed_backup
from tests.support.drill import scratch_left
from tests.support.worker import WorkerProcess, wait_for
from tests.workers.test_drill_worker import VERIFY, verdict
from tests.workers.test_new_database_worker import SLOW_DOMAIN, copying_into


async def loading(ctx: PipelineContext, target: asyncpg.Connection) -> str | None:
    """The scratch database a worker is loading the slow table into, once it is."""
    names = await scratch_left(ctx.settings)
    if not names:
        return None
    return names[0] if await copying_into(target, names[0]) else None


async def test_a_killed_workers_scratch_database_is_reaped_and_the_drill_is_an_error(
    gql: GraphQLClient,
    automation: PipelineContext,
    target: asyncpg.Connection,
    worker_processes: Callable[..., WorkerProcess],
) -> None:
    ctx = automation
    await target.execute(SLOW_DOMAIN)  # a 20 s load: ample time to kill the worker in it
    backup_id = await completed_backup(ctx, target)
    drills = {ctx.settings.queue("drills")}
    doomed = worker_processes(queues=drills)
    await gql(VERIFY, {"id": backup_id})
    scratch = await wait_for(lambda: loading(ctx, target), timeout=60, message="the load")

    doomed.kill()
    assert await scratch_left(ctx.settings) == [scratch]  # left half-loaded

    # The next worker reaps at start (and the broker hands it the dead worker's message).
    worker_processes(queues=drills)
    drill = await verdict(gql, backup_id)

    assert drill["status"] == "ERROR"
    assert drill["error"] == WORKER_DIED
    assert await scratch_left(ctx.settings) == []

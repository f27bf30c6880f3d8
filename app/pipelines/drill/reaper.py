"""The drill reaper: no drill stays running without a worker, no scratch database outlives its
drill.

Liveness is the drill's advisory lock on Lifeboat's database, held by the worker's session:
whoever can take it knows no worker runs that drill (PostgreSQL let go of it when the worker
died). Every worker runs it at start and then every LIFEBOAT_REAP_INTERVAL_SECONDS
(workers/actors/drills.py), so it runs wherever drills do:
1. a drill a worker took up whose lock is free → its worker died: scratch dropped, ERROR;
2. a drill no worker took up for QUEUED_TOO_LONG → its message was lost: ERROR;
3. a scratch database of this installation whose drill is not alive → dropped.
"""

import logging
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from app.db import locks
from app.db.engine import transaction
from app.db.urls import asyncpg_dsn
from app.drills import lifecycle, repository
from app.drills.lifecycle import ERROR, DrillResult
from app.pipelines.context import PipelineContext
from app.pipelines.drill import scratch
from app.pipelines.drill.pipeline import drill_lock, settle_dead

logger = logging.getLogger("lifeboat.drill")

# Drills wait in the queue while others run on their server, so only a long wait means lost.
QUEUED_TOO_LONG = timedelta(hours=24)
NEVER_STARTED = (
    "the drill could not run: no worker took it up within {hours:g} h of the request (are "
    "workers running and consuming the drills queue?). Run verifyBackup again."
)


async def reap_drills(ctx: PipelineContext, *, now: datetime | None = None) -> list[uuid.UUID]:
    """Settle dead and lost drills, drop orphaned scratch databases; ids of drills settled."""
    moment = now or datetime.now(UTC)
    settled: list[uuid.UUID] = []
    holder = await asyncpg.connect(asyncpg_dsn(ctx.settings.database_url))
    try:
        async with transaction(ctx.sessions) as session:
            running = await repository.running(session)
        for row in running:
            if row.worker_started_at is None:
                if row.started_at < moment - QUEUED_TOO_LONG and await _lost(ctx, holder, row.id):
                    settled.append(row.id)
                continue
            if await _dead(ctx, holder, row.id):
                settled.append(row.id)
        await _drop_orphans(ctx, holder)
    finally:
        await holder.close()
    return settled


async def _dead(ctx: PipelineContext, holder: asyncpg.Connection, vid: uuid.UUID) -> bool:
    if not await locks.try_lock(holder, drill_lock(vid)):
        return False  # a live worker runs it
    try:
        logger.warning("drill %s lost its worker: dropping its scratch database", vid)
        await settle_dead(ctx, vid)
        return True
    finally:
        await locks.unlock(holder, drill_lock(vid))


async def _lost(ctx: PipelineContext, holder: asyncpg.Connection, vid: uuid.UUID) -> bool:
    if not await locks.try_lock(holder, drill_lock(vid)):
        return False  # a worker is taking it up right now
    try:
        hours = QUEUED_TOO_LONG.total_seconds() / 3600
        result = DrillResult(ERROR, NEVER_STARTED.format(hours=hours))
        return await lifecycle.finish(ctx.sessions, vid, result)
    finally:
        await locks.unlock(holder, drill_lock(vid))


async def _drop_orphans(ctx: PipelineContext, holder: asyncpg.Connection) -> None:
    try:
        server = await scratch.connect_server(ctx.settings)
    except (OSError, asyncpg.PostgresError) as error:
        logger.warning("reaper could not reach the drill server: %s", error)
        return
    try:
        for name in await scratch.list_scratch(server, ctx.settings):
            vid = scratch.drill_id_of(ctx.settings, name)
            if vid is None or not await locks.try_lock(holder, drill_lock(vid)):
                continue  # a live worker's
            try:
                logger.warning("dropping scratch database %s: its drill is over", name)
                await scratch.drop(server, name)
            finally:
                await locks.unlock(holder, drill_lock(vid))
    finally:
        await server.close()

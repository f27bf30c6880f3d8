"""The reaper: restores whose worker died are settled, never left `in_progress` forever.

A started restore whose lease (app/db/leases.py) nobody holds lost its worker; one no worker
started within settings.stale_after_seconds of its request is abandoned (a restore must not run
long after it was asked for). Its fate is then decided from the database itself: once the dead
worker's connection is gone there too (its backend lets go of the restore's advisory lock),
the marker table in the database it wrote says whether the restore committed (completed) or
not (failed, database unchanged; a database it was creating is dropped). A live worker holds
the lease, so its restore is left alone however slow.
"""

import logging
from datetime import UTC, datetime, timedelta

import asyncpg

from app.db import leases, locks
from app.db.engine import transaction
from app.db.models import RestoreOperation
from app.pipelines.context import PipelineContext
from app.pipelines.restore.connections import connect, restore_lock
from app.pipelines.restore.errors import UNCHANGED, WORKER_DIED
from app.pipelines.restore.settle import drop_unfinished, find_applied, target_of
from app.restores import lifecycle, repository

logger = logging.getLogger("lifeboat.restore")

NEVER_STARTED = (
    "no worker started this restore within {seconds} s of the request (are workers running "
    f"and consuming the restores queue?), so it was abandoned. {UNCHANGED} Request it again."
)
UPLOADS_INTERRUPTED = (
    "the tables were restored (committed), but the worker died while putting the uploads back; "
    "the uploads bucket may be partly restored. Restore this backup again to finish it, or "
    "restore the pre-restore snapshot to go back to how everything was before."
)


async def reap_stale_restores(ctx: PipelineContext, *, now: datetime | None = None) -> list[str]:
    """Settle every restore no worker is on; returns the ids of those settled."""
    queued_before = (now or datetime.now(UTC)) - timedelta(seconds=ctx.settings.stale_after_seconds)
    async with transaction(ctx.sessions) as session:
        candidates = await repository.without_worker(session, queued_before)
    if not candidates:
        return []
    settled: list[str] = []
    lease_conn = await leases.connect(ctx.settings.database_url)
    try:
        for row in candidates:
            async with leases.orphaned(lease_conn, "restore", str(row.id)) as dead:
                if dead and await _settle_on_target(ctx, row):
                    settled.append(str(row.id))
    finally:
        await lease_conn.close()
    return settled


async def _settle_on_target(ctx: PipelineContext, row: RestoreOperation) -> bool:
    conn = await connect(ctx.settings.target_database_url)
    try:
        if not await locks.try_lock(conn, restore_lock(row.id)):
            return False  # the dead worker's backend has not let go yet: next time
        try:
            return await _settle(ctx, conn, row)
        finally:
            await locks.unlock(conn, restore_lock(row.id))
    finally:
        await conn.close()


async def _settle(ctx: PipelineContext, conn: asyncpg.Connection, row: RestoreOperation) -> bool:
    applied = await find_applied(ctx, conn, target_of(ctx, row), row.id)
    if applied is not None and not applied.uploads_pending:
        logger.warning("restore %s had committed before its worker died: completed", row.id)
        return await lifecycle.complete(
            ctx.sessions,
            row.id,
            tables_restored=applied.tables_restored,
            records_count=applied.records_count,
        )
    if applied is not None:
        message = UPLOADS_INTERRUPTED
    elif row.worker_started_at is not None:
        message = WORKER_DIED + await drop_unfinished(conn, row)
    else:
        message = NEVER_STARTED.format(seconds=ctx.settings.stale_after_seconds)
    logger.warning("restore %s failed: %s", row.id, message)
    return await lifecycle.fail(ctx.sessions, row.id, message)

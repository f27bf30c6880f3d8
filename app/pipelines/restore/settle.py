"""What became of a restore whose worker is gone: told by the database it was writing.

A restore that committed left its marker there (marker.py): it is completed, never applied
again. One that did not changed nothing, except a database it was creating, which is dropped.
"""

import logging
import uuid

import asyncpg

from app.db.models import RestoreOperation
from app.pipelines.context import PipelineContext
from app.pipelines.restore import databases, marker
from app.pipelines.restore.connections import connect
from app.pipelines.restore.errors import WORKER_DIED
from app.restores import lifecycle
from app.restores.targets import RestoreTarget, restore_target

logger = logging.getLogger("lifeboat.restore")


async def find_applied(
    ctx: PipelineContext, control: asyncpg.Connection, into: RestoreTarget, rid: uuid.UUID
) -> marker.AppliedRestore | None:
    """The restore's marker in the database it writes (`control`: the configured target)."""
    if not into.other:
        return await marker.find(control, rid)
    if not await databases.exists(control, into.name):
        return None
    conn = await connect(into.url)
    try:
        return await marker.find(conn, rid)
    finally:
        await conn.close()


async def drop_unfinished(control: asyncpg.Connection, row: RestoreOperation) -> str:
    """Drop the database an unfinished restore was creating; returns what to add to its error."""
    if not (row.created_database and row.target_database):
        return ""
    await databases.drop(control, row.target_database)
    logger.warning("restore %s: dropped database %s it was creating", row.id, row.target_database)
    return f" Database {row.target_database}, which it was creating, was dropped."


async def settle_dead_run(
    ctx: PipelineContext, control: asyncpg.Connection, row: RestoreOperation
) -> str:
    """A worker started this restore and died before it committed: fail it; returns why."""
    message = WORKER_DIED + await drop_unfinished(control, row)
    await lifecycle.fail(ctx.sessions, row.id, message)
    return message


def target_of(ctx: PipelineContext, row: RestoreOperation) -> RestoreTarget:
    return restore_target(ctx.settings, row.target_database)

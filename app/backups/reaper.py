"""The backup reaper: no backup stays `creating` without a worker, no failed one keeps objects.

Run by every worker process (at start, then every LIFEBOAT_REAP_INTERVAL_SECONDS) and by the
scheduler at every tick; several at once are harmless (leases and conditional updates).
"""

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.backups import lifecycle, repository
from app.db import leases
from app.db.engine import transaction
from app.storage.client import ObjectStore

logger = logging.getLogger("lifeboat.backups")

NEVER_STARTED = (
    "no worker started this backup within {hours} h of its request "
    "(LIFEBOAT_QUEUED_GIVE_UP_SECONDS): check that a worker (`dramatiq workers.actors`) runs and "
    "reaches LIFEBOAT_BROKER_URL, then take a new backup."
)
WORKER_GONE = (
    "the worker exporting this backup is gone (it died, was killed, or lost its connection to "
    "Lifeboat's database); its partial archive was discarded. Take a new backup."
)
WORKER_SILENT = (
    "the worker exporting this backup stopped responding (no heartbeat for {seconds} s); its "
    "partial archive was discarded. Take a new backup."
)


async def reap_dead_backups(
    sessions: async_sessionmaker[AsyncSession],
    archives: ObjectStore,
    database_url: str,
    *,
    stale_after_seconds: int,
    queued_give_up_seconds: int,
    now: datetime | None = None,
) -> list[str]:
    """Fail every `creating` backup no worker is on, delete its objects; return their ids.

    A started export whose lease nobody holds lost its worker: settled at once. One whose lease
    is held but whose heartbeat is older than `stale_after_seconds` has a hung worker. One no
    worker has started yet may be queued behind long exports, so it is only given up after
    `queued_give_up_seconds` (its message was lost, or no worker consumes the queue). A worker
    that was only slow, not dead, finds its backup failed at its next heartbeat and stops;
    deleting its objects here is then harmless (it deletes them again itself). Last, failed
    backups whose objects could not be deleted before (storage away) are emptied now.
    """
    moment = now or datetime.now(UTC)
    reaped = await _fail_unleased(sessions, archives, database_url)
    async with transaction(sessions) as session:
        silent = await repository.fail_stale_creating(
            session,
            moment - timedelta(seconds=stale_after_seconds),
            WORKER_SILENT.format(seconds=stale_after_seconds),
            started=True,
        )
        silent += await repository.fail_stale_creating(
            session,
            moment - timedelta(seconds=queued_give_up_seconds),
            NEVER_STARTED.format(hours=f"{queued_give_up_seconds / 3600:g}"),
            started=False,
        )
    for backup_id in silent:
        logger.warning("backup %s failed: its worker hung or never came", backup_id)
    await _discard_pending(sessions, archives)
    return reaped + silent


async def _fail_unleased(
    sessions: async_sessionmaker[AsyncSession], archives: ObjectStore, database_url: str
) -> list[str]:
    """Fail the started backups whose lease nobody holds (app/db/leases.py)."""
    async with transaction(sessions) as session:
        started = await repository.started_creating(session)
    if not started:
        return []
    reaped: list[str] = []
    conn = await leases.connect(database_url)
    try:
        for backup_id in started:
            async with leases.orphaned(conn, "backup", backup_id) as dead:
                if dead and await lifecycle.fail(sessions, backup_id, WORKER_GONE):
                    logger.warning("backup %s failed: its worker is gone", backup_id)
                    await lifecycle.discard(sessions, archives, backup_id)
                    reaped.append(backup_id)
    finally:
        await conn.close()
    return reaped


async def _discard_pending(
    sessions: async_sessionmaker[AsyncSession], archives: ObjectStore
) -> None:
    async with transaction(sessions) as session:
        pending = await repository.discard_pending(session)
    for backup_id in pending:
        if not await lifecycle.discard(sessions, archives, backup_id):
            return  # the storage is still away: next time

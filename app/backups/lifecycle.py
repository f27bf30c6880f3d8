"""A backup's life on system_backups: started, progressing, completed or failed, or reaped.

Every call commits at once, on purpose: the API must see status, progress and heartbeat while
the export runs, not when it ends. Each change applies only to a backup still `creating`, so
a backup the reaper declared dead can never be completed by a worker that comes back.
"""

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.archive.multipart import abort_incomplete_uploads
from app.backups import repository
from app.backups.repository import merged_metadata
from app.db import leases
from app.db.engine import transaction
from app.storage.client import ObjectStore
from app.storage.keys import backup_prefix

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


class BackupNotCreating(Exception):
    """The backup is no longer `creating` (completed, failed or reaped meanwhile)."""


async def start(sessions: async_sessionmaker[AsyncSession], backup_id: str) -> None:
    """Mark an export (re)started: fresh progress and heartbeat, no stale error."""
    await _update(
        sessions,
        backup_id,
        progress={"step": "starting"},
        heartbeat_at=func.now(),
        error_message=None,
        file_path=None,
        file_size_bytes=None,
        completed_at=None,
    )


async def beat(
    sessions: async_sessionmaker[AsyncSession], backup_id: str, progress: dict[str, Any]
) -> None:
    """Refresh the heartbeat and publish progress."""
    await _update(sessions, backup_id, progress=progress, heartbeat_at=func.now())


async def complete(
    sessions: async_sessionmaker[AsyncSession],
    backup_id: str,
    *,
    file_path: str,
    file_size_bytes: int,
    tables_included: list[str],
    progress: dict[str, Any],
    encryption: dict[str, str] | None = None,
) -> None:
    """Mark completed; `encryption` (algorithm, keyId) goes into metadata as `encryption`."""
    extra: dict[str, Any] = {}
    if encryption is not None:
        extra["metadata_"] = merged_metadata({"encryption": encryption})
    await _update(
        sessions,
        backup_id,
        **extra,
        status="completed",
        file_path=file_path,
        file_size_bytes=file_size_bytes,
        tables_included=tables_included,
        completed_at=func.now(),
        progress=progress,
        heartbeat_at=func.now(),
        error_message=None,
    )


async def fail(sessions: async_sessionmaker[AsyncSession], backup_id: str, message: str) -> bool:
    """Mark failed; False when it was no longer `creating` (nothing changed then)."""
    try:
        await _update(
            sessions,
            backup_id,
            status="failed",
            error_message=message,
            file_path=None,
            file_size_bytes=None,
            completed_at=func.now(),
            heartbeat_at=func.now(),
        )
    except BackupNotCreating:
        return False
    return True


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
    deleting its objects here is then harmless (it deletes them again itself).
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
        await discard_objects(archives, backup_id)
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
                if dead and await fail(sessions, backup_id, WORKER_GONE):
                    logger.warning("backup %s failed: its worker is gone", backup_id)
                    await discard_objects(archives, backup_id)
                    reaped.append(backup_id)
    finally:
        await conn.close()
    return reaped


async def discard_objects(archives: ObjectStore, backup_id: str) -> None:
    """Delete every object of a backup, and the multipart uploads a dead writer left open."""
    prefix = backup_prefix(backup_id)
    await asyncio.to_thread(archives.delete_prefix, prefix)
    await asyncio.to_thread(abort_incomplete_uploads, archives, prefix)


async def _update(
    sessions: async_sessionmaker[AsyncSession], backup_id: str, **values: Any
) -> None:
    async with transaction(sessions) as session:
        if not await repository.update_creating(session, backup_id, **values):
            raise BackupNotCreating(f"backup {backup_id} is no longer being created")

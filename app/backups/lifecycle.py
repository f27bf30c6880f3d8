"""A backup's life on system_backups: started, progressing, completed or failed.

Every call commits at once, on purpose: the API must see status, progress and heartbeat while
the export runs, not when it ends. Each change applies only to a backup still `creating`, so
a backup the reaper (app/backups/reaper.py) declared dead can never be completed by a worker
that comes back. A failed backup's objects are deleted after it is marked failed; until that
is known done (storage may be away), `discard_pending` says so and the reapers try again.
"""

import asyncio
import logging
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.archive.multipart import abort_incomplete_uploads
from app.backups import repository
from app.backups.repository import merged_metadata
from app.db.engine import transaction
from app.storage.client import ObjectStore
from app.storage.keys import backup_prefix

logger = logging.getLogger("lifeboat.backups")


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
    """Mark failed, its objects to be deleted (call `discard`); False when it was no longer
    `creating` (nothing changed then)."""
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
            discard_pending=True,
        )
    except BackupNotCreating:
        return False
    return True


async def discard(
    sessions: async_sessionmaker[AsyncSession], archives: ObjectStore, backup_id: str
) -> bool:
    """Delete a failed backup's objects and record that it is done; False (logged) when the
    storage did not let us: the reapers try again later."""
    try:
        await discard_objects(archives, backup_id)
    except Exception as error:
        logger.error(
            "backup %s: could not delete its objects yet (will try again): %s", backup_id, error
        )
        return False
    async with transaction(sessions) as session:
        await repository.update_fields(session, backup_id, discard_pending=False)
    return True


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

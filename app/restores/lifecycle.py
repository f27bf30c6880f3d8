"""A restore's life on restore_operations: started, progressing, completed or failed.

Every call commits at once, on purpose: the API must see status, progress and heartbeat while
the restore runs. Each change applies only to a restore still `in_progress`, so an operation
that was failed (by the reaper, say) is never completed afterwards, nor failed twice.
"""

import uuid
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.engine import transaction
from app.restores import repository
from app.restores.errors import RestoreNotRunning

Sessions = async_sessionmaker[AsyncSession]


async def claim_first_run(sessions: Sessions, restore_id: uuid.UUID) -> bool:
    """Mark the first worker run; False when a worker had already started it."""
    async with transaction(sessions) as session:
        return await repository.claim_first_run(session, restore_id)


async def beat(sessions: Sessions, restore_id: uuid.UUID, progress: dict[str, Any]) -> None:
    """Refresh the heartbeat and publish progress; RestoreNotRunning if it stopped running."""
    await _update(sessions, restore_id, progress=progress, heartbeat_at=func.now())


async def set_pre_restore_backup(sessions: Sessions, restore_id: uuid.UUID, backup_id: str) -> None:
    await _update(sessions, restore_id, pre_restore_backup_id=backup_id, heartbeat_at=func.now())


async def mark_created_database(sessions: Sessions, restore_id: uuid.UUID) -> None:
    """Record, before CREATE DATABASE, that this restore creates its database (so whoever
    settles it after a failure drops it)."""
    await _update(sessions, restore_id, created_database=True, heartbeat_at=func.now())


async def set_warnings(sessions: Sessions, restore_id: uuid.UUID, warnings: list[str]) -> None:
    """Record what the restore could not do as archived (before its COMMIT: a failure after it
    leaves them on a failed operation, where they do no harm)."""
    await _update(sessions, restore_id, warnings=warnings, heartbeat_at=func.now())


async def complete(
    sessions: Sessions,
    restore_id: uuid.UUID,
    *,
    tables_restored: list[str],
    records_count: dict[str, int],
    progress: dict[str, Any] | None = None,
    warnings: list[str] | None = None,
) -> bool:
    """Mark completed; False when it was no longer `in_progress`."""
    values: dict[str, Any] = {"progress": progress} if progress is not None else {}
    if warnings is not None:
        values["warnings"] = warnings
    return await _try_update(
        sessions,
        restore_id,
        status="completed",
        tables_restored=tables_restored,
        records_count=records_count,
        completed_at=func.now(),
        heartbeat_at=func.now(),
        error_log=None,
        **values,
    )


async def fail(
    sessions: Sessions,
    restore_id: uuid.UUID,
    message: str,
    progress: dict[str, Any] | None = None,
) -> bool:
    """Mark failed; False when it was no longer `in_progress` (nothing changed then)."""
    values: dict[str, Any] = {"progress": progress} if progress is not None else {}
    return await _try_update(
        sessions,
        restore_id,
        status="failed",
        error_log=message,
        completed_at=func.now(),
        heartbeat_at=func.now(),
        **values,
    )


async def _try_update(sessions: Sessions, restore_id: uuid.UUID, **values: Any) -> bool:
    async with transaction(sessions) as session:
        return await repository.update_running(session, restore_id, **values)


async def _update(sessions: Sessions, restore_id: uuid.UUID, **values: Any) -> None:
    if not await _try_update(sessions, restore_id, **values):
        raise RestoreNotRunning(f"restore {restore_id} is no longer in progress")

"""Queries on restore_operations."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import RestoreOperation, SystemBackup
from app.db.paging import Cursor

# The partial unique index that allows one `in_progress` restore at a time per database.
ONE_RUNNING_INDEX = "restore_operations_one_running_per_database"


async def insert(
    session: AsyncSession, backup_id: str, admin_id: uuid.UUID, database_key: str, **options: Any
) -> RestoreOperation:
    """Add an `in_progress` restore of the database `database_key`; raises IntegrityError
    (ONE_RUNNING_INDEX) if one runs there. `options`: target_database, schema_mode,
    tables_requested."""
    row = RestoreOperation(
        backup_id=backup_id,
        initiated_by=admin_id,
        status="in_progress",
        progress={"step": "queued"},
        database_key=database_key,
        **options,
    )
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row


async def get(session: AsyncSession, restore_id: uuid.UUID) -> RestoreOperation | None:
    return await session.get(RestoreOperation, restore_id)


async def get_with_backup(
    session: AsyncSession, restore_id: uuid.UUID
) -> tuple[RestoreOperation, SystemBackup] | None:
    row = (
        await session.execute(
            select(RestoreOperation, SystemBackup)
            .join(SystemBackup, SystemBackup.backup_id == RestoreOperation.backup_id)
            .where(RestoreOperation.id == restore_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def list_newest_first(
    session: AsyncSession, limit: int, *, status: str | None = None, before: Cursor | None = None
) -> list[tuple[RestoreOperation, SystemBackup]]:
    """A page of restores, newest first; `before` starts after that item (index: started_at, id)."""
    query = select(RestoreOperation, SystemBackup).join(
        SystemBackup, SystemBackup.backup_id == RestoreOperation.backup_id
    )
    if status is not None:
        query = query.where(RestoreOperation.status == status)
    if before is not None:
        query = query.where(
            tuple_(RestoreOperation.started_at, RestoreOperation.id) < tuple(before)
        )
    order = (RestoreOperation.started_at.desc(), RestoreOperation.id.desc())
    rows = await session.execute(query.order_by(*order).limit(limit))
    return [(row[0], row[1]) for row in rows]


async def running_id(session: AsyncSession, database_key: str) -> uuid.UUID | None:
    """The restore running on this database, if any."""
    return await session.scalar(
        select(RestoreOperation.id).where(
            RestoreOperation.status == "in_progress", RestoreOperation.database_key == database_key
        )
    )


async def lock_backup(session: AsyncSession, backup_id: str) -> SystemBackup | None:
    """Read the backup FOR KEY SHARE: retention, which deletes under FOR UPDATE, waits for us."""
    return await session.scalar(
        select(SystemBackup)
        .where(SystemBackup.backup_id == backup_id)
        .with_for_update(read=True, key_share=True)
    )


async def get_backup(session: AsyncSession, backup_id: str) -> SystemBackup | None:
    return await session.scalar(select(SystemBackup).where(SystemBackup.backup_id == backup_id))


async def update_running(session: AsyncSession, restore_id: uuid.UUID, **values: Any) -> bool:
    """Update a restore only while it is `in_progress`; False if it is not."""
    result = await session.execute(
        update(RestoreOperation)
        .where(RestoreOperation.id == restore_id, RestoreOperation.status == "in_progress")
        .values(**values)
        .returning(RestoreOperation.id)
    )
    return result.first() is not None


async def claim_first_run(session: AsyncSession, restore_id: uuid.UUID) -> bool:
    """Record that a worker started; False if one already did (or it is not running)."""
    result = await session.execute(
        update(RestoreOperation)
        .where(
            RestoreOperation.id == restore_id,
            RestoreOperation.status == "in_progress",
            RestoreOperation.worker_started_at.is_(None),
        )
        .values(worker_started_at=func.now(), heartbeat_at=func.now(), progress={"step": "start"})
        .returning(RestoreOperation.id)
    )
    return result.first() is not None


async def without_worker(session: AsyncSession, queued_before: datetime) -> list[RestoreOperation]:
    """`in_progress` restores a reaper must look at: those a worker started (is its lease
    held?), and those requested before `queued_before` that no worker ever started."""
    rows = await session.scalars(
        select(RestoreOperation).where(
            RestoreOperation.status == "in_progress",
            RestoreOperation.worker_started_at.is_not(None)
            | (RestoreOperation.started_at < queued_before),
        )
    )
    return list(rows)

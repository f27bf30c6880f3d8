"""Queries retention needs on system_backups and restore_operations."""

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import RestoreOperation, SystemBackup

_live = SystemBackup.deleted_at.is_(None)


async def schedule_backups(session: AsyncSession, schedule_id: str) -> list[SystemBackup]:
    """The backups a schedule made (metadata.scheduleId), not yet deleted."""
    rows = await session.scalars(
        select(SystemBackup).where(
            SystemBackup.metadata_["scheduleId"].astext == schedule_id, _live
        )
    )
    return list(rows)


async def pre_restore_backups(session: AsyncSession) -> list[SystemBackup]:
    rows = await session.scalars(
        select(SystemBackup).where(SystemBackup.metadata_.has_key("preRestoreFor"), _live)
    )
    return list(rows)


async def restoring_ids(session: AsyncSession) -> set[str]:
    """Backups a running restore reads from, and the snapshot it took before changing data."""
    rows = await session.execute(
        select(RestoreOperation.backup_id, RestoreOperation.pre_restore_backup_id).where(
            RestoreOperation.status == "in_progress"
        )
    )
    return {backup_id for row in rows for backup_id in row if backup_id}


async def newest_completed_id(session: AsyncSession) -> str | None:
    return await session.scalar(
        select(SystemBackup.backup_id)
        .where(SystemBackup.status == "completed", _live)
        .order_by(SystemBackup.created_at.desc(), SystemBackup.backup_id.desc())
        .limit(1)
    )


async def lock_backup(session: AsyncSession, backup_id: str) -> SystemBackup | None:
    """Lock the row: a restore being requested for it waits (its foreign key check) until done."""
    return await session.scalar(
        select(SystemBackup).where(SystemBackup.backup_id == backup_id).with_for_update()
    )


async def referenced_by_restores(session: AsyncSession, backup_id: str) -> bool:
    return bool(
        await session.scalar(select(exists().where(RestoreOperation.backup_id == backup_id)))
    )


async def delete_row(session: AsyncSession, backup_id: str) -> None:
    await session.execute(delete(SystemBackup).where(SystemBackup.backup_id == backup_id))


async def mark_deleted(session: AsyncSession, backup_id: str) -> None:
    """Keep the record (restore history refers to it) but say its archive is gone."""
    await session.execute(
        update(SystemBackup)
        .where(SystemBackup.backup_id == backup_id)
        .values(deleted_at=func.now(), file_path=None, file_size_bytes=None, pinned=False)
    )

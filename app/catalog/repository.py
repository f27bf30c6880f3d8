"""Queries the catalog rebuild needs on system_backups and schedules."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import SystemBackup
from app.db.schedule_models import Schedule


async def recorded_backup_ids(session: AsyncSession) -> set[str]:
    return set(await session.scalars(select(SystemBackup.backup_id)))


async def insert_if_absent(session: AsyncSession, **values: Any) -> bool:
    """Insert a backup record unless its backup_id exists (another process may add it now)."""
    result = await session.execute(
        insert(SystemBackup)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["backup_id"])
        .returning(SystemBackup.backup_id)
    )
    return result.first() is not None


async def schedule_ids_by_name(session: AsyncSession) -> dict[str, uuid.UUID]:
    return {name: id for id, name in await session.execute(select(Schedule.id, Schedule.name))}

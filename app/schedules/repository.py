"""Queries on schedules and schedule_runs."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import SystemBackup
from app.db.schedule_models import Schedule, ScheduleRun


async def list_all(session: AsyncSession) -> list[Schedule]:
    return list(await session.scalars(select(Schedule).order_by(Schedule.name)))


async def get(session: AsyncSession, schedule_id: uuid.UUID) -> Schedule | None:
    return await session.get(Schedule, schedule_id)


async def get_by_name(session: AsyncSession, name: str) -> Schedule | None:
    return await session.scalar(select(Schedule).where(Schedule.name == name))


async def delete_schedule(session: AsyncSession, schedule_id: uuid.UUID) -> bool:
    result = await session.execute(
        delete(Schedule).where(Schedule.id == schedule_id).returning(Schedule.id)
    )
    return result.first() is not None


async def due(session: AsyncSession, now: datetime) -> list[Schedule]:
    """Enabled schedules whose next due time has come."""
    rows = await session.scalars(
        select(Schedule)
        .where(Schedule.enabled.is_(True), Schedule.next_run_at <= now)
        .order_by(Schedule.next_run_at, Schedule.name)
    )
    return list(rows)


async def claim(
    session: AsyncSession,
    schedule_id: uuid.UUID,
    expected_next: datetime,
    due_at: datetime,
    new_next: datetime,
) -> bool:
    """Move next_run_at past `due_at` if nobody did meanwhile; True when this caller fired it."""
    result = await session.execute(
        update(Schedule)
        .where(
            Schedule.id == schedule_id,
            Schedule.next_run_at == expected_next,
            Schedule.enabled.is_(True),
        )
        .values(next_run_at=new_next, last_due_at=due_at, last_fired_at=func.now())
        .returning(Schedule.id)
    )
    return result.first() is not None


async def add_run(session: AsyncSession, schedule_id: uuid.UUID, due_at: datetime) -> bool:
    """Record a firing; False if this due time already fired (the primary key says so)."""
    result = await session.execute(
        insert(ScheduleRun)
        .values(schedule_id=schedule_id, due_at=due_at)
        .on_conflict_do_nothing(index_elements=["schedule_id", "due_at"])
        .returning(ScheduleRun.schedule_id)
    )
    return result.first() is not None


async def set_run_backup(
    session: AsyncSession, schedule_id: uuid.UUID, due_at: datetime, backup_id: str
) -> None:
    await session.execute(
        update(ScheduleRun)
        .where(ScheduleRun.schedule_id == schedule_id, ScheduleRun.due_at == due_at)
        .values(backup_id=backup_id)
    )
    await session.execute(
        update(Schedule).where(Schedule.id == schedule_id).values(last_backup_id=backup_id)
    )


async def runs_awaiting_retention(session: AsyncSession) -> list[tuple[ScheduleRun, str | None]]:
    """Runs whose backup is no longer being created and whose retention has not run yet."""
    rows = await session.execute(
        select(ScheduleRun, SystemBackup.status)
        .outerjoin(SystemBackup, SystemBackup.backup_id == ScheduleRun.backup_id)
        .where(
            ScheduleRun.retention_applied_at.is_(None),
            func.coalesce(SystemBackup.status, "gone") != "creating",
        )
        .order_by(ScheduleRun.fired_at)
    )
    return [(run, status) for run, status in rows]


async def mark_retention_applied(
    session: AsyncSession, schedule_id: uuid.UUID, due_at: datetime
) -> None:
    await session.execute(
        update(ScheduleRun)
        .where(ScheduleRun.schedule_id == schedule_id, ScheduleRun.due_at == due_at)
        .values(retention_applied_at=func.now())
    )


async def update_fields(session: AsyncSession, schedule_id: uuid.UUID, **values: Any) -> None:
    await session.execute(update(Schedule).where(Schedule.id == schedule_id).values(**values))

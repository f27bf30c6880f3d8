"""Queries on verifications (restore drills)."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.drill_models import Verification
from app.db.models import SystemBackup
from app.db.schedule_models import Schedule, ScheduleRun

_newest = (Verification.started_at.desc(), Verification.id.desc())


async def get(session: AsyncSession, verification_id: uuid.UUID) -> Verification | None:
    return await session.get(Verification, verification_id)


async def running_for(session: AsyncSession, backup_id: str) -> Verification | None:
    return await session.scalar(
        select(Verification).where(
            Verification.backup_id == backup_id, Verification.status == "running"
        )
    )


async def insert_running(
    session: AsyncSession, backup_id: str, requested_by: uuid.UUID
) -> Verification | None:
    """A new running drill; None when one already runs for this backup (the index decides)."""
    new_id = await session.scalar(
        insert(Verification)
        .values(backup_id=backup_id, requested_by=requested_by, progress={"step": "queued"})
        .on_conflict_do_nothing(
            # A literal, not a bound parameter: once PostgreSQL plans the prepared INSERT
            # generically, a parameter no longer proves the partial index applies, and the
            # INSERT fails ("no unique or exclusion constraint matching").
            index_elements=["backup_id"],
            index_where=text("status = 'running'"),
        )
        .returning(Verification.id)
    )
    return await session.get(Verification, new_id) if new_id is not None else None


async def latest_for(session: AsyncSession, backup_ids: Sequence[str]) -> dict[str, Verification]:
    """The newest drill of each of these backups (those never drilled are absent)."""
    rank = (
        func.row_number().over(partition_by=Verification.backup_id, order_by=_newest).label("rank")
    )
    ranked = (
        select(Verification.id, rank).where(Verification.backup_id.in_(list(backup_ids))).subquery()
    )
    rows = await session.scalars(
        select(Verification).join(ranked, ranked.c.id == Verification.id).where(ranked.c.rank == 1)
    )
    return {row.backup_id: row for row in rows}


async def update_running(session: AsyncSession, verification_id: uuid.UUID, **values: Any) -> bool:
    """Update a drill only while it runs; False if it does not (anymore)."""
    result = await session.execute(
        update(Verification)
        .where(Verification.id == verification_id, Verification.status == "running")
        .values(**values)
        .returning(Verification.id)
    )
    return result.first() is not None


async def running(session: AsyncSession) -> list[Verification]:
    rows = await session.scalars(
        select(Verification).where(Verification.status == "running").order_by(*_newest)
    )
    return list(rows)


async def queued_before(session: AsyncSession, moment: datetime) -> list[Verification]:
    """Running drills no worker has taken up, requested before `moment`."""
    rows = await session.scalars(
        select(Verification).where(
            Verification.status == "running",
            Verification.worker_started_at.is_(None),
            Verification.started_at < moment,
        )
    )
    return list(rows)


async def scheduled_to_drill(session: AsyncSession) -> list[str]:
    """Completed backups of `verify` schedules whose run awaits retention and no drill yet."""
    drilled = select(Verification.id).where(Verification.backup_id == SystemBackup.backup_id)
    rows = await session.scalars(
        select(SystemBackup.backup_id)
        .join(ScheduleRun, ScheduleRun.backup_id == SystemBackup.backup_id)
        .join(Schedule, Schedule.id == ScheduleRun.schedule_id)
        .where(
            Schedule.verify.is_(True),
            ScheduleRun.retention_applied_at.is_(None),
            SystemBackup.status == "completed",
            SystemBackup.deleted_at.is_(None),
            ~drilled.exists(),
        )
        .order_by(SystemBackup.completed_at)
    )
    return list(rows)


async def drill_pending(session: AsyncSession, backup_id: str) -> bool:
    """True while the backup has no finished drill yet (none at all, or one running)."""
    latest = (await latest_for(session, [backup_id])).get(backup_id)
    return latest is None or latest.status == "running"

"""Firing due schedules: each due time makes exactly one backup, whoever and however often asks.

Claiming a due time is one transaction: move `next_run_at` forward only if it still holds the
value read (a compare-and-set), record the run under the (schedule, due time) primary key and
create the backup row. Two schedulers, or a leader handing over mid-tick, cannot both commit it.

Missed runs: when the scheduler was down over several due times, the schedule fires once, for
the latest due time that has passed, and then follows its cron again. Due times before the
schedule existed (or was last enabled or re-timed) never fire: `next_run_at` starts after them.
"""

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import OK, SYSTEM, record
from app.auth.service import SYSTEM_ACCOUNT_EMAIL, ensure_admin
from app.backups.ids import new_backup_id
from app.backups.service import create_backup
from app.db.engine import transaction
from app.db.models import AdminUser, SystemBackup
from app.db.schedule_models import Schedule
from app.db.urls import asyncpg_dsn
from app.errors import AppError
from app.health.checks import HealthReport
from app.schedules import cron, repository

logger = logging.getLogger("lifeboat.scheduler")


@dataclass(frozen=True)
class Fired:
    schedule_id: uuid.UUID
    schedule_name: str
    due_at: datetime
    backup_id: str
    # Why no export was started (a failed health check, tables gone); None when it was.
    failure: str | None = None


def due_time(schedule: Schedule, now: datetime) -> datetime:
    """The due time to fire now: the latest one passed, never one before next_run_at."""
    latest = cron.latest_at_or_before(schedule.cron, schedule.timezone, now)
    return max(latest, schedule.next_run_at)


async def fire_due(
    sessions: async_sessionmaker[AsyncSession],
    target_url: str,
    now: datetime,
    health: Callable[[], Awaitable[HealthReport]],
) -> list[Fired]:
    """Fire every enabled schedule due at `now`; the caller enqueues exports and notifications."""
    async with sessions() as session:
        schedules = await repository.due(session, now)
    if not schedules:
        return []
    report = await health()
    failure = None if report.ok else report.reason
    target = None
    if failure is None:
        try:
            target = await asyncpg.connect(asyncpg_dsn(target_url), timeout=10)
        except (OSError, asyncpg.PostgresError) as error:
            failure = f"health check failed: target database: {error}"
    fired = []
    try:
        for schedule in schedules:
            outcome = await _fire_one(sessions, target, schedule, now, failure)
            if outcome is not None:
                fired.append(outcome)
    finally:
        if target is not None:
            await target.close()
    return fired


async def _fire_one(
    sessions: async_sessionmaker[AsyncSession],
    target: asyncpg.Connection | None,
    schedule: Schedule,
    now: datetime,
    failure: str | None,
) -> Fired | None:
    due_at = due_time(schedule, now)
    new_next = cron.next_after(schedule.cron, schedule.timezone, now)
    async with transaction(sessions) as session:
        if not await repository.claim(session, schedule.id, schedule.next_run_at, due_at, new_next):
            return None  # another scheduler fired it, or it was disabled or re-timed meanwhile
        if not await repository.add_run(session, schedule.id, due_at):
            return None  # this very due time already fired; the claim still moves next_run_at
        system = await ensure_admin(session, SYSTEM_ACCOUNT_EMAIL, role="system")
        metadata: dict[str, Any] = {
            "scheduleId": str(schedule.id),
            "scheduleName": schedule.name,
            "dueAt": due_at.isoformat(),
        }
        description = f"{schedule.name}: due {due_at:%Y-%m-%d %H:%M} UTC"
        backup = None
        # A health check that failed is a precondition of the backup that failed.
        outcome = OK if failure is None else "PRECONDITION_FAILED"
        if failure is None and target is not None:
            try:
                async with session.begin_nested():
                    backup = await create_backup(
                        session,
                        target,
                        system,
                        schedule.backup_type,
                        schedule.tables,
                        description,
                        metadata,
                    )
            except AppError as error:
                failure = f"could not start the backup: {error.message}"
                outcome = error.code
        if backup is None:
            backup = await _record_failed(
                session, system, schedule, description, metadata, failure or "no target"
            )
        await repository.set_run_backup(session, schedule.id, due_at, backup.backup_id)
        arguments = {**metadata, "backupId": backup.backup_id, "failure": failure}
        await record(session, SYSTEM, "backup.scheduled", arguments, outcome)
    if schedule.next_run_at < due_at:
        logger.info("schedule %s skipped missed due times before %s", schedule.name, due_at)
    logger.info("schedule %s fired for %s: backup %s", schedule.name, due_at, backup.backup_id)
    return Fired(schedule.id, schedule.name, due_at, backup.backup_id, failure)


async def _record_failed(
    session: AsyncSession,
    system: AdminUser,
    schedule: Schedule,
    description: str,
    metadata: dict[str, Any],
    reason: str,
) -> SystemBackup:
    """A failed backup that says why it never started, so it shows in `backups`."""
    backup = SystemBackup(
        backup_id=new_backup_id(),
        created_by=system.id,
        backup_type=schedule.backup_type,
        status="failed",
        description=description,
        tables_included=list(schedule.tables or []),
        metadata_=metadata,
        error_message=reason,
        completed_at=func.now(),
        progress={"step": "health check"},
    )
    session.add(backup)
    await session.flush()
    return backup

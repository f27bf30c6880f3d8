"""Schedules: what an admin may create, change, pause and delete; the caller commits.

A schedule's next due time is always the first cron time after the moment it was created,
changed (cron or time zone) or enabled again: nothing fires for a time before that.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from app.backups.service import plan_tables
from app.db.schedule_models import Schedule
from app.errors import BadUserInput, NotFound
from app.retention.policy import Policy
from app.schedules import cron, repository

SCHEDULE_TYPES = ("scheduled", "full", "partial")
MAX_NAME_LENGTH = 100
MAX_KEEP = 10_000


@dataclass
class ScheduleSpec:
    """Everything a schedule is made of; `update_schedule` takes one with some fields None."""

    name: str | None = None
    cron: str | None = None
    timezone: str | None = None
    backup_type: str | None = None
    tables: list[str] | None = None
    description: str | None = None
    retention: Policy | None = None
    enabled: bool | None = None
    # Drill each backup it makes once completed (retention then keeps only proven ones).
    verify: bool | None = None


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH or any(ord(ch) < 32 for ch in name):
        raise BadUserInput(f"a schedule name is 1 to {MAX_NAME_LENGTH} printable characters")
    return name


def _check_retention(retention: Policy) -> Policy:
    values = (retention.keep_last, retention.keep_daily, retention.keep_weekly)
    if any(not 0 <= v <= MAX_KEEP for v in (*values, retention.keep_monthly)):
        raise BadUserInput(f"retention counts must be between 0 and {MAX_KEEP}")
    return retention


async def _check_tables(
    target: asyncpg.Connection | None, backup_type: str, tables: list[str] | None
) -> list[str] | None:
    if backup_type not in SCHEDULE_TYPES:
        raise BadUserInput(f"a schedule makes {', '.join(SCHEDULE_TYPES)} backups")
    if backup_type != "partial":
        if tables:
            raise BadUserInput(f"a {backup_type} schedule backs up every table; omit `tables`")
        return None
    if not tables:
        raise BadUserInput("a partial schedule needs the list of its tables")
    assert target is not None, "partial schedules are checked against the target database"
    # Stored as display names, so the same tables are meant whatever the spelling was.
    return await plan_tables(target, "partial", tables)


async def _unique_name(session: AsyncSession, name: str, own_id: uuid.UUID | None) -> None:
    existing = await repository.get_by_name(session, name)
    if existing is not None and existing.id != own_id:
        raise BadUserInput(f"a schedule named {name!r} already exists")


async def create_schedule(
    session: AsyncSession,
    target: asyncpg.Connection | None,
    spec: ScheduleSpec,
    now: datetime | None = None,
) -> Schedule:
    moment = now or datetime.now(UTC)
    if spec.name is None or spec.cron is None:
        raise BadUserInput("a schedule needs a name and a cron expression")
    name = _check_name(spec.name)
    timezone = spec.timezone or "UTC"
    cron.zone(timezone)
    expression = cron.validate(spec.cron, timezone)
    backup_type = spec.backup_type or "scheduled"
    tables = await _check_tables(target, backup_type, spec.tables)
    retention = _check_retention(spec.retention or Policy())
    await _unique_name(session, name, None)
    schedule = Schedule(
        name=name,
        cron=expression,
        timezone=timezone,
        backup_type=backup_type,
        tables=tables,
        description=spec.description,
        keep_last=retention.keep_last,
        keep_daily=retention.keep_daily,
        keep_weekly=retention.keep_weekly,
        keep_monthly=retention.keep_monthly,
        enabled=True if spec.enabled is None else spec.enabled,
        verify=True if spec.verify is None else spec.verify,
        next_run_at=cron.next_after(expression, timezone, moment),
    )
    session.add(schedule)
    await session.flush()
    await session.refresh(schedule)
    return schedule


async def get_schedule(session: AsyncSession, schedule_id: uuid.UUID) -> Schedule:
    schedule = await repository.get(session, schedule_id)
    if schedule is None:
        raise NotFound(f"no schedule {schedule_id}")
    return schedule


async def update_schedule(
    session: AsyncSession,
    target: asyncpg.Connection | None,
    schedule_id: uuid.UUID,
    spec: ScheduleSpec,
    now: datetime | None = None,
) -> Schedule:
    """Change the fields given (not None); tables are cleared by changing the type."""
    moment = now or datetime.now(UTC)
    schedule = await get_schedule(session, schedule_id)
    name = _check_name(spec.name) if spec.name is not None else schedule.name
    timezone = spec.timezone if spec.timezone is not None else schedule.timezone
    cron.zone(timezone)
    expression = cron.validate(spec.cron if spec.cron is not None else schedule.cron, timezone)
    backup_type = spec.backup_type or schedule.backup_type
    tables = spec.tables if spec.tables is not None else schedule.tables
    if spec.backup_type is not None and spec.backup_type != "partial" and spec.tables is None:
        tables = None
    if spec.backup_type is not None or spec.tables is not None:
        tables = await _check_tables(target, backup_type, tables)
    await _unique_name(session, name, schedule.id)
    retimed = expression != schedule.cron or timezone != schedule.timezone
    resumed = spec.enabled is True and not schedule.enabled
    if spec.retention is not None:
        retention = _check_retention(spec.retention)
        schedule.keep_last = retention.keep_last
        schedule.keep_daily = retention.keep_daily
        schedule.keep_weekly = retention.keep_weekly
        schedule.keep_monthly = retention.keep_monthly
    schedule.name, schedule.cron, schedule.timezone = name, expression, timezone
    schedule.backup_type, schedule.tables = backup_type, tables
    if spec.description is not None:
        schedule.description = spec.description or None
    if spec.enabled is not None:
        schedule.enabled = spec.enabled
    if spec.verify is not None:
        schedule.verify = spec.verify
    if retimed or resumed:
        # Runs missed while paused, or due under the old timing, are not caught up.
        schedule.next_run_at = cron.next_after(expression, timezone, moment)
    schedule.updated_at = moment
    await session.flush()
    return schedule


async def set_enabled(
    session: AsyncSession, schedule_id: uuid.UUID, enabled: bool, now: datetime | None = None
) -> Schedule:
    return await update_schedule(session, None, schedule_id, ScheduleSpec(enabled=enabled), now)


async def delete_schedule(session: AsyncSession, schedule_id: uuid.UUID) -> None:
    """Delete a schedule; the backups it made stay (and keep metadata.scheduleId)."""
    if not await repository.delete_schedule(session, schedule_id):
        raise NotFound(f"no schedule {schedule_id}")


async def list_schedules(session: AsyncSession) -> list[Schedule]:
    return await repository.list_all(session)

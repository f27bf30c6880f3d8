"""`lifeboat scheduler`: cron schedules → backups, with reaping, retention and notifications.

Every tick the leader (see workers/leadership.py):
1. reaps exports and restores whose worker died, and announces them;
2. fires the due schedules (health check first; a failing one records a failed backup and
   announces it instead of starting an export);
3. requests the drills of completed backups of `verify` schedules (app/drills/scheduled.py);
4. applies each schedule's retention once its newest scheduled backup has completed (and, for
   a `verify` schedule, once its drill has a verdict);
5. deletes pre-restore snapshots past their time;
6. deletes audit rows older than LIFEBOAT_AUDIT_RETENTION_DAYS.
`tick(deps, now)` takes the clock as an argument; reaping and expiry compare with timestamps
PostgreSQL wrote, so they go by the wall clock whatever `now` says.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import SYSTEM
from app.audit.service import prune as prune_audit
from app.backups.reaper import reap_dead_backups
from app.db.engine import transaction
from app.drills.scheduled import request_scheduled_drills, retention_waits
from app.health.checks import before_backup
from app.jobs import Jobs
from app.jobs.dispatch import send_or_fail
from app.notifications.service import (
    notify_backup_finished,
    notify_restore_finished,
    notify_verification_finished,
)
from app.retention.service import apply_schedule_retention, expire_pre_restore_snapshots
from app.schedules import repository
from app.schedules.firing import Fired, fire_due
from app.settings import Settings
from app.storage.client import ObjectStore
from workers.leadership import Leadership

logger = logging.getLogger("lifeboat.scheduler")

Clock = Callable[[], datetime]


@dataclass
class SchedulerDeps:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    archives: ObjectStore
    jobs: Jobs
    # Queues one notification delivery (the notifications actor's send in production).
    enqueue_delivery: Callable[[str], Any]
    # Settles restores whose worker died and returns their ids (the restore reaper).
    reap_restores: Callable[[], Awaitable[list[str]]] | None = None


@dataclass
class TickReport:
    fired: list[Fired] = field(default_factory=list)
    reaped_backups: list[str] = field(default_factory=list)
    drills_requested: list[str] = field(default_factory=list)
    retention_applied: list[str] = field(default_factory=list)
    expired_pre_restore: list[str] = field(default_factory=list)
    audit_rows_deleted: int = 0
    errors: list[str] = field(default_factory=list)


async def announce_backup(deps: SchedulerDeps, backup_id: str) -> None:
    """Queue the backup's notifications; a failure (the broker down) is only logged, so the
    tick goes on with the other backups."""
    try:
        await notify_backup_finished(deps.sessions, deps.settings, backup_id, deps.enqueue_delivery)
    except Exception:
        logger.exception("could not queue the notifications of backup %s", backup_id)


async def _reap(deps: SchedulerDeps, report: TickReport) -> None:
    settings = deps.settings
    report.reaped_backups = await reap_dead_backups(
        deps.sessions,
        deps.archives,
        settings.database_url,
        stale_after_seconds=settings.stale_after_seconds,
        queued_give_up_seconds=settings.queued_give_up_seconds,
    )
    for backup_id in report.reaped_backups:
        await announce_backup(deps, backup_id)
    if deps.reap_restores is not None:
        for restore_id in await deps.reap_restores():
            await notify_restore_finished(
                deps.sessions, deps.settings, restore_id, deps.enqueue_delivery
            )


async def _fire(deps: SchedulerDeps, now: datetime, report: TickReport) -> None:
    settings = deps.settings
    report.fired = await fire_due(
        deps.sessions,
        settings.target_database_url,
        now,
        lambda: before_backup(settings, deps.sessions, deps.archives),
    )
    for fired in report.fired:
        if fired.failure is not None:
            logger.warning("schedule %s: %s", fired.schedule_name, fired.failure)
            await announce_backup(deps, fired.backup_id)
        elif await _failed_unsent(deps, fired, report):
            await announce_backup(deps, fired.backup_id)


async def _failed_unsent(deps: SchedulerDeps, fired: Fired, report: TickReport) -> bool:
    """Send the fired backup's job (its row is committed by now); True when the broker
    refused it and the backup was failed instead, as one an admin asks for is: nothing would
    run it (RabbitMQ never sends a message again), so it is not left CREATING."""
    message = await send_or_fail(
        deps.jobs, deps.sessions, deps.settings.broker_url, "backup", fired.backup_id
    )
    if message is None:
        return False
    report.errors.append(f"fire: schedule {fired.schedule_name}: {message}")
    return True


async def _drill(deps: SchedulerDeps, report: TickReport) -> None:
    sent, errored = await request_scheduled_drills(
        deps.sessions, deps.settings.keyring, deps.jobs.verify_backup
    )
    report.drills_requested = [str(drill_id) for drill_id in sent + errored]
    for drill_id in errored:
        await notify_verification_finished(
            deps.sessions, deps.settings, drill_id, deps.enqueue_delivery
        )


async def _retention(deps: SchedulerDeps, report: TickReport) -> None:
    async with deps.sessions() as session:
        runs = await repository.runs_awaiting_retention(session)
    for run, status in runs:
        if status == "completed" and run.backup_id is not None:
            async with deps.sessions() as session:
                if await retention_waits(session, run.schedule_id, run.backup_id):
                    continue  # a later tick applies it, once the drill has its verdict
        # Only after a success: a failing schedule must not thin out the backups that remain.
        if status == "completed":
            result = await apply_schedule_retention(
                deps.sessions, deps.archives, run.schedule_id, dry_run=False, actor=SYSTEM
            )
            report.retention_applied += [row.backup_id for row in result.forgotten]
        async with transaction(deps.sessions) as session:
            await repository.mark_retention_applied(session, run.schedule_id, run.due_at)


async def _expire(deps: SchedulerDeps, report: TickReport) -> None:
    result = await expire_pre_restore_snapshots(
        deps.sessions,
        deps.archives,
        deps.settings.pre_restore_retention_days,
        dry_run=False,
        actor=SYSTEM,
    )
    report.expired_pre_restore = [row.backup_id for row in result.forgotten]


async def _prune_audit(deps: SchedulerDeps, report: TickReport) -> None:
    async with transaction(deps.sessions) as session:
        report.audit_rows_deleted = await prune_audit(session, deps.settings.audit_retention_days)


async def tick(deps: SchedulerDeps, now: datetime) -> TickReport:
    """One pass of the leader; a failing step is logged and does not stop the others."""
    report = TickReport()
    steps = [
        ("reap", lambda: _reap(deps, report)),
        ("fire", lambda: _fire(deps, now, report)),
        ("drill", lambda: _drill(deps, report)),
        ("retention", lambda: _retention(deps, report)),
        ("pre-restore expiry", lambda: _expire(deps, report)),
        ("audit retention", lambda: _prune_audit(deps, report)),
    ]
    for name, step in steps:
        try:
            await step()
        except Exception as error:
            logger.exception("scheduler step %s failed", name)
            report.errors.append(f"{name}: {type(error).__name__}: {error}")
    return report


async def run_forever(
    deps: SchedulerDeps,
    stop: asyncio.Event,
    clock: Clock = lambda: datetime.now(UTC),
    on_tick: Callable[[TickReport], None] | None = None,
) -> None:
    """Tick while leading, retry leadership while not, until `stop` is set."""
    leadership = Leadership(deps.settings.database_url)
    try:
        while not stop.is_set():
            if await leadership.acquire():
                report = await tick(deps, clock())
                if on_tick is not None:
                    on_tick(report)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), deps.settings.scheduler_tick_seconds)
    finally:
        await leadership.release()

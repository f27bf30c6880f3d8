"""Applying retention: choose with the policy, then delete archive and record together.

Each deletion is its own transaction, committed here on purpose: it pairs a storage deletion
with a row deletion, and a run that stops halfway must leave every finished deletion done and
every other backup whole. The row is locked while its objects go, and the protections are
checked again under that lock, so a restore that starts meanwhile either waits or wins.
"""

import asyncio
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import SYSTEM, Actor, record
from app.backups.repository import get_by_backup_id
from app.db.drill_models import Verification
from app.db.engine import transaction
from app.db.models import SystemBackup
from app.db.schedule_models import Schedule
from app.drills.repository import running_for
from app.drills.service import latest_verifications
from app.errors import NotFound, PreconditionFailed
from app.retention import policy, repository
from app.schedules.cron import zone
from app.storage.client import ObjectStore
from app.storage.keys import backup_prefix

logger = logging.getLogger("lifeboat.retention")


@dataclass
class RetentionReport:
    dry_run: bool
    kept: list[tuple[SystemBackup, list[str]]] = field(default_factory=list)
    # Deleted, or with dry_run the ones that would be.
    forgotten: list[SystemBackup] = field(default_factory=list)


def policy_of(schedule: Schedule) -> policy.Policy:
    return policy.Policy(
        keep_last=schedule.keep_last or 0,
        keep_daily=schedule.keep_daily or 0,
        keep_weekly=schedule.keep_weekly or 0,
        keep_monthly=schedule.keep_monthly or 0,
        verify=schedule.verify,
    )


def _candidate(
    row: SystemBackup, restoring: set[str], drills: dict[str, Verification]
) -> policy.Candidate:
    drill = drills.get(row.backup_id)
    return policy.Candidate(
        backup_id=row.backup_id,
        status=row.status,
        created_at=row.created_at,
        pinned=row.pinned,
        restoring=row.backup_id in restoring,
        verification=drill.status if drill is not None else None,
    )


async def apply_schedule_retention(
    sessions: async_sessionmaker[AsyncSession],
    archives: ObjectStore,
    schedule_id: uuid.UUID,
    dry_run: bool,
    actor: Actor = SYSTEM,
) -> RetentionReport:
    """Apply a schedule's policy to the backups it made; each deletion is audited as `actor`'s."""
    async with sessions() as session:
        schedule = await session.get(Schedule, schedule_id)
        if schedule is None:
            raise NotFound(f"no schedule {schedule_id}")
        rows = await repository.schedule_backups(session, str(schedule.id))
        restoring = await repository.restoring_ids(session)
        newest = await repository.newest_completed_id(session)
        drills = await latest_verifications(session, [row.backup_id for row in rows])
    decision = policy.select(
        [_candidate(row, restoring, drills) for row in rows],
        policy_of(schedule),
        zone(schedule.timezone),
        newest,
    )
    deletion = Deletion(actor, "retention.delete", {"scheduleId": str(schedule.id)})
    return await _carry_out(sessions, archives, rows, decision, dry_run, deletion)


async def expire_pre_restore_snapshots(
    sessions: async_sessionmaker[AsyncSession],
    archives: ObjectStore,
    keep_days: float,
    dry_run: bool,
    now: datetime | None = None,
    actor: Actor = SYSTEM,
) -> RetentionReport:
    """Delete pre-restore snapshots older than `keep_days` (LIFEBOAT_PRE_RESTORE_RETENTION_DAYS)."""
    async with sessions() as session:
        rows = await repository.pre_restore_backups(session)
        restoring = await repository.restoring_ids(session)
        newest = await repository.newest_completed_id(session)
        drills = await latest_verifications(session, [row.backup_id for row in rows])
    decision = policy.select_pre_restore(
        [_candidate(row, restoring, drills) for row in rows],
        timedelta(days=keep_days),
        now or datetime.now(UTC),
        newest,
    )
    deletion = Deletion(actor, "snapshot.expire", {"keepDays": keep_days})
    return await _carry_out(sessions, archives, rows, decision, dry_run, deletion)


@dataclass(frozen=True)
class Deletion:
    """Who deletes and why, for the audit row each deletion writes in its transaction."""

    actor: Actor
    action: str
    arguments: dict[str, Any]


async def _carry_out(
    sessions: async_sessionmaker[AsyncSession],
    archives: ObjectStore,
    rows: list[SystemBackup],
    decision: policy.Decision,
    dry_run: bool,
    deletion: Deletion,
) -> RetentionReport:
    by_id = {row.backup_id: row for row in rows}
    report = RetentionReport(dry_run=dry_run)
    report.kept = [(by_id[backup_id], reasons) for backup_id, reasons in decision.keep.items()]
    for backup_id in decision.forget:
        if dry_run or await delete_backup(sessions, archives, backup_id, deletion):
            report.forgotten.append(by_id[backup_id])
        else:
            report.kept.append((by_id[backup_id], ["changed while retention ran"]))
    return report


async def delete_backup(
    sessions: async_sessionmaker[AsyncSession],
    archives: ObjectStore,
    backup_id: str,
    deletion: Deletion,
) -> bool:
    """Delete a backup's objects, then its record (kept as a tombstone if restores refer to it).

    False, with nothing changed, if it became protected meanwhile.
    """
    async with transaction(sessions) as session:
        row = await repository.lock_backup(session, backup_id)
        if row is None or row.deleted_at is not None or row.status == "creating" or row.pinned:
            return False
        if backup_id in await repository.restoring_ids(session):
            return False
        if backup_id == await repository.newest_completed_id(session):
            return False
        if await running_for(session, backup_id) is not None:
            return False  # a drill is restoring it right now
        # The audit row first: should it fail, nothing is deleted.
        arguments = {**deletion.arguments, "backupId": backup_id}
        await record(session, deletion.actor, deletion.action, arguments)
        # Objects next: should this fail, the record stays and the next run tries again.
        deleted = await asyncio.to_thread(archives.delete_prefix, backup_prefix(backup_id))
        if await repository.referenced_by_restores(session, backup_id):
            await repository.mark_deleted(session, backup_id)
        else:
            await repository.delete_row(session, backup_id)
    logger.info("retention deleted backup %s (%d objects)", backup_id, deleted)
    return True


async def set_pinned(session: AsyncSession, backup_id: str, pinned: bool) -> SystemBackup:
    """Pin (retention never deletes it) or unpin a backup."""
    row = await get_by_backup_id(session, backup_id)
    if row is None:
        raise NotFound(f"no backup {backup_id!r}")
    if row.deleted_at is not None:
        raise PreconditionFailed(f"backup {backup_id} was deleted by retention")
    row.pinned = pinned
    await session.flush()
    return row

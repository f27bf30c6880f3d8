"""Jobs waiting for a worker: backups, restores and drills requested that no worker has
started yet.

A backup is waiting while `creating` without a heartbeat (a worker sets one as it starts), a
restore while `in_progress` without `worker_started_at`, a drill while `running` without
`worker_started_at` (drills also wait for each other: one at a time per drill server). /metrics
shows how long the oldest has waited, /readyz warns past LIFEBOAT_QUEUED_WARN_SECONDS, and
workers send again the ones whose message a broker lost (workers/redispatch.py).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.drill_models import Verification
from app.db.models import RestoreOperation, SystemBackup

KINDS = ("backup", "restore", "drill")


@dataclass(frozen=True)
class WaitingJob:
    kind: str  # one of KINDS
    job_id: str  # a backup's backupId, a restore's or a drill's id
    queued_at: datetime  # when it was requested


async def waiting_jobs(
    session: AsyncSession, requested_before: datetime | None = None
) -> list[WaitingJob]:
    """Every job no worker has started (requested before `requested_before`), oldest first."""
    backups = select(
        literal("backup").label("kind"),
        SystemBackup.backup_id.label("job_id"),
        SystemBackup.created_at.label("queued_at"),
    ).where(SystemBackup.status == "creating", SystemBackup.heartbeat_at.is_(None))
    restores = select(
        literal("restore").label("kind"),
        cast(RestoreOperation.id, String).label("job_id"),
        RestoreOperation.started_at.label("queued_at"),
    ).where(RestoreOperation.status == "in_progress", RestoreOperation.worker_started_at.is_(None))
    drills = select(
        literal("drill").label("kind"),
        cast(Verification.id, String).label("job_id"),
        Verification.started_at.label("queued_at"),
    ).where(Verification.status == "running", Verification.worker_started_at.is_(None))
    if requested_before is not None:
        backups = backups.where(SystemBackup.created_at < requested_before)
        restores = restores.where(RestoreOperation.started_at < requested_before)
        drills = drills.where(Verification.started_at < requested_before)
    every = union_all(backups, restores, drills).subquery()
    rows = await session.execute(select(every).order_by(every.c.queued_at))
    return [WaitingJob(kind, job_id, queued_at) for kind, job_id, queued_at in rows]


def describe_wait(job: WaitingJob, now: datetime, queue: str) -> str:
    """One line for /readyz about a job that has waited too long."""
    seconds = int((now - job.queued_at).total_seconds())
    line = (
        f"{job.kind} {job.job_id} has waited {seconds} s for a worker: check that a worker "
        f"runs and consumes queue {queue} on LIFEBOAT_BROKER_URL"
    )
    if job.kind == "drill":
        line += " (or that drills before it finish: one at a time per drill server)"
    return line

"""Sending a requested job to the workers: a job the broker does not take is failed, saying so.

The row is committed before its message is sent (a worker must find it). When the broker
cannot take the message (stopped, unreachable), nothing would ever run the job: RabbitMQ has
no second sending, and Redis's (workers/redispatch.py) would run it minutes or hours later,
when the admin has long given up on it. So the job is failed at once, its message naming the
broker, and the request answers SERVICE_UNAVAILABLE: the admin knows now, and asks again once
the broker is back. Only a job no worker has started is failed (a message the broker did
take despite the error finds its job settled and is ignored).
"""

import logging
import uuid
from typing import Literal
from urllib.parse import urlsplit

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.drill_models import Verification
from app.db.engine import transaction
from app.db.models import RestoreOperation, SystemBackup
from app.errors import AppError
from app.jobs import JobNotSent, Jobs
from app.state import AppState

logger = logging.getLogger("lifeboat.jobs")

Kind = Literal["backup", "restore", "drill"]


class JobNotQueued(AppError):
    """The broker did not take the job's message; the job was failed and will not run."""

    code = "SERVICE_UNAVAILABLE"


def broker_address(url: str) -> str:
    """host:port of LIFEBOAT_BROKER_URL, without its credentials (they must not reach clients)."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


def not_queued_message(kind: Kind, address: str, error: JobNotSent) -> str:
    return (
        f"the {kind} was not started: the job queue (LIFEBOAT_BROKER_URL, {address}) did not "
        f"accept it ({error}). It will not run; ask again once the broker answers."
    )


async def send_job(state: AppState, kind: Kind, job_id: str) -> None:
    """Send a committed job's message; if the broker refuses, fail the job and raise."""
    message = await send_or_fail(
        state.jobs, state.sessions, state.settings.broker_url, kind, job_id
    )
    if message is not None:
        raise JobNotQueued(message)


async def send_or_fail(
    jobs: Jobs,
    sessions: async_sessionmaker[AsyncSession],
    broker_url: str,
    kind: Kind,
    job_id: str,
) -> str | None:
    """Send a committed job's message; if the broker refuses it, fail the job (unless a
    worker started it after all: the broker took the message despite the error) and return
    why. None when the job is on its way."""
    send = {
        "backup": jobs.export_backup,
        "restore": jobs.restore_backup,
        "drill": jobs.verify_backup,
    }[kind]
    try:
        send(job_id)
        return None
    except JobNotSent as error:
        message = not_queued_message(kind, broker_address(broker_url), error)
    logger.error("%s %s: %s", kind, job_id, message)
    return message if await _fail_unstarted(sessions, kind, job_id, message) else None


async def _fail_unstarted(
    sessions: async_sessionmaker[AsyncSession], kind: Kind, job_id: str, message: str
) -> bool:
    """Fail the job if no worker has started it (a drill: ERROR); returns whether it was."""
    if kind == "drill":
        # ERROR, not FAILED: the drill did not run, the backup's soundness is unknown.
        drill = (
            update(Verification)
            .where(
                Verification.id == uuid.UUID(job_id),
                Verification.status == "running",
                Verification.worker_started_at.is_(None),
            )
            .values(status="error", error=message, finished_at=func.now())
            .returning(Verification.id)
        )
        async with transaction(sessions) as session:
            return (await session.execute(drill)).first() is not None
    statement = (
        update(SystemBackup)
        .where(
            SystemBackup.backup_id == job_id,
            SystemBackup.status == "creating",
            SystemBackup.heartbeat_at.is_(None),
        )
        .values(status="failed", error_message=message, completed_at=func.now())
        .returning(SystemBackup.id)
        if kind == "backup"
        else update(RestoreOperation)
        .where(
            RestoreOperation.id == uuid.UUID(job_id),
            RestoreOperation.status == "in_progress",
            RestoreOperation.worker_started_at.is_(None),
        )
        .values(status="failed", error_log=message, completed_at=func.now())
        .returning(RestoreOperation.id)
    )
    async with transaction(sessions) as session:
        return (await session.execute(statement)).first() is not None

"""Scheduled drills: each completed backup of a `verify` schedule is drilled, once.

The scheduler's leader calls `request_scheduled_drills` every tick: backups whose schedule run
still awaits retention and that have no drill yet get one, requested by the system account,
committed, then sent. A drill that could not even be sent (the broker down) or asked for (the
backup's key is not configured) ends in ERROR at once, so that it is announced and retention,
which waits for the drill, goes on as it would without drills.
"""

import logging
import uuid
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.service import SYSTEM_ACCOUNT_EMAIL, ensure_admin
from app.crypto.errors import KeyNotConfigured
from app.crypto.keyring import KeyRing
from app.db.engine import transaction
from app.drills import lifecycle, repository
from app.drills.lifecycle import ERROR, DrillResult
from app.drills.service import request_drill
from app.errors import NotFound, PreconditionFailed
from app.jobs import JobNotSent
from app.schedules import repository as schedules

logger = logging.getLogger("lifeboat.drills")


async def request_scheduled_drills(
    sessions: async_sessionmaker[AsyncSession], keyring: KeyRing, send: Callable[[str], None]
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """Request the drills scheduled backups are owed; (drills sent, drills ended in ERROR)."""
    async with sessions() as session:
        owed = await repository.scheduled_to_drill(session)
    sent: list[uuid.UUID] = []
    errored: list[uuid.UUID] = []
    for backup_id in owed:
        try:
            async with transaction(sessions) as session:
                system = await ensure_admin(session, SYSTEM_ACCOUNT_EMAIL, role="system")
                request = await request_drill(session, backup_id, system.id, keyring)
        except KeyNotConfigured as refused:
            errored.append(await _errored(sessions, backup_id, refused.message))
            continue
        except (NotFound, PreconditionFailed) as gone:  # deleted or changed meanwhile
            logger.info("no scheduled drill of backup %s: %s", backup_id, gone.message)
            continue
        drill_id = request.verification.id
        if not request.created:
            continue
        try:
            send(str(drill_id))
        except JobNotSent as error:
            message = f"the drill could not run: the job queue did not accept it ({error})"
            await lifecycle.finish(sessions, drill_id, DrillResult(ERROR, message))
            errored.append(drill_id)
            continue
        logger.info("scheduled drill %s of backup %s sent", drill_id, backup_id)
        sent.append(drill_id)
    return sent, errored


async def _errored(
    sessions: async_sessionmaker[AsyncSession], backup_id: str, message: str
) -> uuid.UUID:
    """Record a drill of `backup_id` that could not run, ended in ERROR saying why."""
    async with transaction(sessions) as session:
        system = await ensure_admin(session, SYSTEM_ACCOUNT_EMAIL, role="system")
        drill = await repository.insert_running(session, backup_id, system.id)
    assert drill is not None, "scheduled_to_drill lists backups without a drill"
    await lifecycle.finish(
        sessions, drill.id, DrillResult(ERROR, f"the drill could not run: {message}")
    )
    return drill.id


async def retention_waits(session: AsyncSession, schedule_id: uuid.UUID, backup_id: str) -> bool:
    """True while a `verify` schedule's new backup has no finished drill: retention, which
    fills its slots with PASSED backups only, must know the verdict first."""
    schedule = await schedules.get(session, schedule_id)
    return (
        schedule is not None
        and schedule.verify
        and await repository.drill_pending(session, backup_id)
    )

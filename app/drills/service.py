"""Restore drills: who may drill what, and the record of each drill; the caller commits.

A drill is not a restore operation: it never writes the configured target, so it neither
waits for nor refuses restores, and restores never refuse it. One runs per backup at a time:
asking again while one runs returns that one.
"""

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.crypto.errors import KeyNotConfigured
from app.crypto.keyring import KeyRing
from app.db.drill_models import Verification
from app.db.models import SystemBackup
from app.drills import repository
from app.errors import NotFound, PreconditionFailed
from app.restores.repository import lock_backup

logger = logging.getLogger("lifeboat.drills")


@dataclass(frozen=True)
class DrillRequest:
    backup: SystemBackup
    verification: Verification
    # False when a drill of this backup was already running: nothing new to enqueue.
    created: bool


async def request_drill(
    session: AsyncSession, backup_id: str, requested_by: uuid.UUID, keyring: KeyRing
) -> DrillRequest:
    """Record a running drill of a completed backup (or find the running one).

    NOT_FOUND for an unknown backup, PRECONDITION_FAILED for one not completed or deleted,
    or encrypted under a key `keyring` lacks (named, and nothing recorded: such a drill could
    only end in ERROR).
    The backup row is read FOR KEY SHARE, so retention (which deletes under FOR UPDATE)
    either finished first, and the backup is gone, or waits and then sees the drill.
    """
    backup = await lock_backup(session, backup_id)
    if backup is None:
        raise NotFound(f"no backup {backup_id!r}")
    if backup.deleted_at is not None:
        raise PreconditionFailed(f"backup {backup_id} was deleted by retention: nothing to drill")
    if backup.status != "completed":
        raise PreconditionFailed(
            f"backup {backup_id} is {backup.status}: only a completed backup can be drilled"
        )
    _check_key(backup, keyring)
    running = await repository.running_for(session, backup_id)
    if running is not None:
        return DrillRequest(backup, running, created=False)
    created = await repository.insert_running(session, backup_id, requested_by)
    if created is None:  # another request won the race between our read and insert
        raced = await repository.running_for(session, backup_id)
        assert raced is not None, "the unique index said a drill runs"
        return DrillRequest(backup, raced, created=False)
    logger.info("drill %s of backup %s requested", created.id, backup_id)
    return DrillRequest(backup, created, created=True)


def _check_key(backup: SystemBackup, keyring: KeyRing) -> None:
    encryption = (backup.metadata_ or {}).get("encryption") or {}
    key_id = encryption.get("keyId") if isinstance(encryption, dict) else None
    if key_id and not keyring.has(key_id):
        raise KeyNotConfigured(key_id, f"backup {backup.backup_id}")


async def latest_verifications(
    session: AsyncSession, backup_ids: Sequence[str]
) -> dict[str, Verification]:
    return await repository.latest_for(session, backup_ids)

"""Which job a notification names, and how the feed reads its current state."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.backups.repository import get_by_backup_id
from app.db.engine import reading
from app.db.models import RestoreOperation, SystemBackup
from app.live.feed import Fetch
from app.restores.repository import get_with_backup

JobState = SystemBackup | tuple[RestoreOperation, SystemBackup] | None


def backup_key(backup_id: str) -> str:
    return f"backup:{backup_id}"


def restore_key(restore_id: uuid.UUID) -> str:
    return f"restore:{restore_id}"


def job_reader(sessions: async_sessionmaker[AsyncSession]) -> Fetch:
    """Reads the row a key names: a backup, or a restore with its backup; None when gone."""

    async def read(key: str) -> JobState:
        kind, _, ident = key.partition(":")
        async with reading(sessions) as session:
            if kind == "backup":
                return await get_by_backup_id(session, ident)
            if kind == "restore":
                return await get_with_backup(session, uuid.UUID(ident))
        raise ValueError(f"not a job key: {key!r}")

    return read

"""Queries on system_backups."""

from datetime import datetime
from typing import Any

from sqlalchemy import Row, Text, cast, func, literal, select, tuple_, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import SystemBackup
from app.db.paging import Cursor

_LISTED_COLUMNS = [
    cast(column, Text).label(column.name) if isinstance(column.type, JSONB) else column
    for column in SystemBackup.__table__.columns
]


async def get_by_backup_id(session: AsyncSession, backup_id: str) -> SystemBackup | None:
    return await session.scalar(select(SystemBackup).where(SystemBackup.backup_id == backup_id))


async def list_newest_first(
    session: AsyncSession,
    limit: int,
    *,
    status: str | None = None,
    backup_type: str | None = None,
    before: Cursor | None = None,
    include_deleted: bool = False,
) -> list[Row[Any]]:
    """A page of backups, newest first; `before` starts after that item (index: created_at, id).

    Rows of the table's columns, jsonb ones as text: a list decodes them only if asked to.
    """
    query = select(*_LISTED_COLUMNS)
    if status is not None:
        query = query.where(SystemBackup.status == status)
    if backup_type is not None:
        query = query.where(SystemBackup.backup_type == backup_type)
    if not include_deleted:
        query = query.where(SystemBackup.deleted_at.is_(None))
    if before is not None:
        query = query.where(tuple_(SystemBackup.created_at, SystemBackup.id) < tuple(before))
    order = (SystemBackup.created_at.desc(), SystemBackup.id.desc())
    return list(await session.execute(query.order_by(*order).limit(limit)))


async def update_fields(session: AsyncSession, backup_id: str, **values: Any) -> None:
    await session.execute(
        update(SystemBackup).where(SystemBackup.backup_id == backup_id).values(**values)
    )


async def claim_creating(session: AsyncSession, backup_id: str) -> SystemBackup | None:
    """Lock the row if it is still `creating` (so two workers never export it at once)."""
    return await session.scalar(
        select(SystemBackup)
        .where(SystemBackup.backup_id == backup_id, SystemBackup.status == "creating")
        .with_for_update(skip_locked=True)
    )


async def started_creating(session: AsyncSession) -> list[str]:
    """Ids of the `creating` backups a worker has started (it set their heartbeat)."""
    rows = await session.scalars(
        select(SystemBackup.backup_id).where(
            SystemBackup.status == "creating", SystemBackup.heartbeat_at.is_not(None)
        )
    )
    return list(rows)


def merged_metadata(values: dict[str, Any]) -> Any:
    """SQL for the row's metadata with `values` set in it (other keys kept)."""
    empty = literal({}, JSONB)
    return func.coalesce(SystemBackup.metadata_, empty).op("||")(literal(values, JSONB))


async def update_creating(session: AsyncSession, backup_id: str, **values: Any) -> bool:
    """Update a backup only while it is `creating`; False if it is not (or does not exist)."""
    result = await session.execute(
        update(SystemBackup)
        .where(SystemBackup.backup_id == backup_id, SystemBackup.status == "creating")
        .values(**values)
        .returning(SystemBackup.backup_id)
    )
    return result.first() is not None


async def fail_stale_creating(
    session: AsyncSession, older_than: datetime, message: str, *, started: bool
) -> list[str]:
    """Atomically fail `creating` backups with no sign of life since `older_than`.

    started=True: those a worker began (their last heartbeat is older); started=False: those
    no worker ever began (requested before `older_than`, never a heartbeat).
    """
    if started:
        silent = SystemBackup.heartbeat_at < older_than
    else:
        silent = SystemBackup.heartbeat_at.is_(None) & (SystemBackup.created_at < older_than)
    result = await session.execute(
        update(SystemBackup)
        .where(SystemBackup.status == "creating", silent)
        .values(
            status="failed",
            error_message=message,
            completed_at=func.now(),
            file_path=None,
            file_size_bytes=None,
            discard_pending=True,
        )
        .returning(SystemBackup.backup_id)
    )
    return [row[0] for row in result]


async def discard_pending(session: AsyncSession) -> list[str]:
    """Failed backups whose objects are not yet known to be deleted, oldest first."""
    rows = await session.scalars(
        select(SystemBackup.backup_id)
        .where(SystemBackup.status == "failed", SystemBackup.discard_pending)
        .order_by(SystemBackup.completed_at)
    )
    return list(rows)

"""Backups: what may be backed up, the record of each backup, and its life cycle."""

from typing import Any

import asyncpg
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from app.backups import repository
from app.backups.ids import new_backup_id
from app.db.models import AdminUser, SystemBackup
from app.db.paging import decode_cursor
from app.errors import BadUserInput, NotFound
from app.tables.catalog import backup_scope, list_tables, resolve_requested

BACKUP_TYPES = ("full", "partial", "scheduled")
MAX_DESCRIPTION_LENGTH = 2000
MAX_LIST_LIMIT = 500


async def plan_tables(
    target: asyncpg.Connection, backup_type: str, requested: list[str] | None
) -> list[str]:
    """Display names of the tables a backup of this type exports, checked against the target."""
    tables = await list_tables(target)
    if backup_type == "partial":
        return [t.display_name for t in resolve_requested(tables, requested or [])]
    if requested:
        raise BadUserInput(f"a {backup_type} backup takes every table; do not pass `tables`")
    return [t.display_name for t in backup_scope(tables)]


async def create_backup(
    session: AsyncSession,
    target: asyncpg.Connection,
    admin: AdminUser,
    backup_type: str,
    tables: list[str] | None = None,
    description: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> SystemBackup:
    """Record a new `creating` backup; the caller commits, then enqueues the export."""
    if backup_type not in BACKUP_TYPES:
        raise BadUserInput(f"unknown backup type {backup_type!r}")
    if description is not None and len(description) > MAX_DESCRIPTION_LENGTH:
        raise BadUserInput(f"description is longer than {MAX_DESCRIPTION_LENGTH} characters")
    planned = await plan_tables(target, backup_type, tables)
    backup = SystemBackup(
        backup_id=new_backup_id(),
        created_by=admin.id,
        backup_type=backup_type,
        status="creating",
        description=description,
        # For full backups this is the plan; the export rewrites it from its snapshot.
        tables_included=planned,
        metadata_=metadata or {},
        progress={"step": "queued"},
    )
    session.add(backup)
    await session.flush()
    await session.refresh(backup)
    return backup


async def get_backup(session: AsyncSession, backup_id: str) -> SystemBackup:
    backup = await repository.get_by_backup_id(session, backup_id)
    if backup is None:
        raise NotFound(f"no backup {backup_id!r}")
    return backup


async def list_backups(
    session: AsyncSession,
    limit: int,
    *,
    status: str | None = None,
    backup_type: str | None = None,
    before: str | None = None,
    include_deleted: bool = False,
) -> list[Row[Any]]:
    """A page of backups, newest first, after the item whose cursor is `before` (rows of the
    table's columns, jsonb ones as text)."""
    if not 1 <= limit <= MAX_LIST_LIMIT:
        raise BadUserInput(f"limit must be between 1 and {MAX_LIST_LIMIT}")
    return await repository.list_newest_first(
        session,
        limit,
        status=status,
        backup_type=backup_type,
        before=decode_cursor(before) if before is not None else None,
        include_deleted=include_deleted,
    )

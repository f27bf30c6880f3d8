"""Snapshot step: the current contents of what a restore replaces, as a restorable backup.

A full restore (of a `full` or `scheduled` backup, without `tables`) and every schema: BACKUP
restore are preceded by a `full` backup (uploads and the whole schema included: restoring it
with schema: BACKUP undoes a BACKUP restore); a restore of some tables by a `partial` backup
of those of them that exist (none exist: no snapshot). A restore into another database takes
none. Created by the restoring admin with metadata.preRestoreFor = the restore's id;
restoring it undoes the restore's rows.
The restore holds the target's exclusive advisory lock and SHARE locks on the restored tables
(so nobody writes them between this snapshot and the load); the export reads alongside.
"""

import uuid
from dataclasses import dataclass

import asyncpg

from app.backups.service import create_backup
from app.db.engine import transaction
from app.db.models import AdminUser, SystemBackup
from app.pipelines.context import PipelineContext
from app.pipelines.export.pipeline import ExportFailed, run_export
from app.pipelines.restore.errors import SnapshotFailed
from app.pipelines.restore.plan import RestorePlan
from app.restores import lifecycle


@dataclass(frozen=True)
class SnapshotScope:
    kind: str  # 'full' or 'partial'
    tables: list[str]  # for a partial snapshot: the tables there now that the restore replaces


def snapshot_scope(plan: RestorePlan, backup: SystemBackup) -> SnapshotScope | None:
    """What the pre-restore snapshot covers, or None when nothing there would be replaced."""
    if plan.options.target_database is not None:
        return None
    if plan.rewinds or (backup.backup_type != "partial" and plan.options.tables is None):
        return SnapshotScope("full", [])
    replaced = plan.replaced_names
    return SnapshotScope("partial", replaced) if replaced else None


async def take_snapshot(
    ctx: PipelineContext,
    conn: asyncpg.Connection,
    restore_id: uuid.UUID,
    admin_id: uuid.UUID,
    backup: SystemBackup,
    scope: SnapshotScope,
) -> str:
    """Record, export and complete the pre-restore backup; returns its backup id."""
    kind, tables = scope.kind, scope.tables
    async with transaction(ctx.sessions) as session:
        admin = await session.get(AdminUser, admin_id)
        assert admin is not None  # initiated_by is a NOT NULL foreign key
        row = await create_backup(
            session,
            conn,
            admin,
            kind,
            tables if kind == "partial" else None,
            description=f"Before restore {restore_id} of backup {backup.backup_id}",
            metadata={"preRestoreFor": str(restore_id)},
        )
    # Recorded at once: retention keeps it, and the API shows it while the restore runs.
    await lifecycle.set_pre_restore_backup(ctx.sessions, restore_id, row.backup_id)
    try:
        await run_export(ctx, row.backup_id, hold_target_lock=False)
    except ExportFailed as failure:
        raise SnapshotFailed(
            f"the pre-restore snapshot {row.backup_id} failed, so nothing was touched: "
            f"{failure.message}"
        ) from failure
    return row.backup_id

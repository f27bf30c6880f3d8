"""The restore pipeline: an `in_progress` restore operation → the backup's data, or nothing.

Named steps: validate → snapshot → schema → prepare → load → indexes → foreign keys →
refresh → verify → commit → uploads (transaction.py), or for a database Lifeboat creates:
validate → create database → schema → load → finalize → verify → commit (newdb.py).
A control connection to the configured target holds the per-restore advisory lock (proof
that a worker is alive on this restore) and, for restores of the target, its exclusive lock
(backups wait) and the one transaction from snapshot to COMMIT. When a worker dies,
PostgreSQL ends its connections: a transaction rolls back, the locks go, and whoever takes
the restore's lock next knows the outcome from the marker table alone (marker.py); a
database the restore was creating is dropped (settle.py).
"""

import asyncio
import logging
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import asyncpg

from app.db import leases, locks
from app.db.engine import transaction
from app.db.models import RestoreOperation, SystemBackup
from app.errors import PreconditionFailed
from app.jobs import UnknownJob
from app.pipelines.context import PipelineContext
from app.pipelines.restore import databases, marker
from app.pipelines.restore.connections import connect, restore_lock
from app.pipelines.restore.errors import describe_after_commit, describe_failure
from app.pipelines.restore.newdb import restore_into_new_database
from app.pipelines.restore.options import RestoreOptions
from app.pipelines.restore.progress import RestoreProgress, with_heartbeat
from app.pipelines.restore.settle import find_applied, settle_dead_run
from app.pipelines.restore.transaction import Restored, restore_in_one_transaction
from app.pipelines.restore.uploads import put_back_uploads, verify_uploads
from app.pipelines.restore.validate import plan_restore, read_manifest
from app.restores import lifecycle, repository
from app.restores.errors import RestoreBusy, RestoreFailed, RestoreNotRunning
from app.restores.targets import RestoreTarget, restore_target

logger = logging.getLogger("lifeboat.restore")

__all__ = ["RestoreBusy", "RestoreFailed", "RestoreNotRunning", "restore_lock", "run_restore"]


@dataclass(frozen=True)
class RestoreOutcome:
    records_count: dict[str, int]
    pre_restore_backup_id: str | None


def options_of(row: RestoreOperation) -> RestoreOptions:
    tables = tuple(row.tables_requested) if row.tables_requested is not None else None
    return RestoreOptions(row.schema_mode, tables, row.target_database)


async def run_restore(ctx: PipelineContext, restore_id: str) -> RestoreOutcome:
    """Run the restore `restore_id` and mark it completed; returns what was restored.

    Raises UnknownJob if Lifeboat's database has no such restore, RestoreNotRunning if it is
    not `in_progress`, RestoreBusy if another worker holds
    it, RestoreFailed (after marking it failed) on any failure. The restore's lease
    (app/db/leases.py) is held throughout, so a reaper sees at once if this worker dies.
    """
    rid = uuid.UUID(restore_id)
    async with leases.lease(ctx.settings.database_url, "restore", str(rid)) as held:
        if not held:
            raise RestoreBusy(f"restore {restore_id} is being run by another worker")
        return await _run_leased(ctx, rid)


async def _run_leased(ctx: PipelineContext, rid: uuid.UUID) -> RestoreOutcome:
    restore_id = str(rid)
    async with transaction(ctx.sessions) as session:
        found = await repository.get_with_backup(session, rid)
    if found is None:
        raise UnknownJob("restore", restore_id)
    if found[0].status != "in_progress":
        raise RestoreNotRunning(f"restore {restore_id} is not in progress")
    row, backup = found
    into = restore_target(ctx.settings, row.target_database)
    control = await connect(ctx.settings.target_database_url)
    try:
        if not await locks.try_lock(control, restore_lock(rid)):
            raise RestoreBusy(f"restore {restore_id} is being run by another worker")
        applied = await find_applied(ctx, control, into, rid)
        if applied is not None:
            return await _finish_applied(ctx, control, rid, backup, applied)
        if not await lifecycle.claim_first_run(ctx.sessions, rid):
            # A worker ran it before and no worker holds its lock now: that one died.
            message = await settle_dead_run(ctx, control, row)
            raise RestoreFailed(message)
        progress = RestoreProgress()
        work = _restore(ctx, control, into, row, backup, progress)
        try:
            restored = await with_heartbeat(ctx, rid, progress, work)
        except RestoreNotRunning:
            raise
        except Exception as error:
            raise await _failed(ctx, rid, into, error, progress) from error
        except BaseException as error:  # cancelled: the worker is going away
            await _failed(ctx, rid, into, error, progress)
            raise
        if not await lifecycle.complete(
            ctx.sessions,
            rid,
            tables_restored=sorted(restored.counts),
            records_count=restored.counts,
            progress=progress.as_json(),
            warnings=restored.warnings,
        ):
            logger.warning("restore %s finished but was no longer in progress", rid)
        return RestoreOutcome(restored.counts, progress.pre_restore_backup_id)
    finally:
        await control.close()  # also releases the session's advisory locks


async def _restore(
    ctx: PipelineContext,
    control: asyncpg.Connection,
    into: RestoreTarget,
    row: RestoreOperation,
    backup: SystemBackup,
    progress: RestoreProgress,
) -> Restored:
    options = options_of(row)
    if into.other and not await databases.exists(control, into.name):
        return await _into_new_database(ctx, row, backup, into, options, progress)
    if into.other:
        conn = await connect(into.url)
    else:
        progress.step = "waiting for running backups"
        await locks.lock_target_exclusive(control)
        conn = control
    try:
        progress.step = "validate"
        if into.other and await databases.object_count(conn) > 0:
            raise PreconditionFailed(
                f"database {into.name} exists and is not empty; name a new or empty database"
            )
        manifest = await asyncio.to_thread(
            read_manifest, ctx.archives, backup, ctx.settings.keyring
        )
        plan = await plan_restore(conn, ctx.settings, ctx.archives, manifest, options)
        progress.tables_total = len(plan.table_names)
        loads = [table.entry for table in plan.tables] + plan.created
        progress.table_bytes = [entry.raw_bytes for entry in loads]
        uploads = manifest.uploads if plan.restores_uploads else None
        check = (
            asyncio.create_task(
                asyncio.to_thread(verify_uploads, ctx.archives, uploads, manifest.data_key)
            )
            if uploads
            else None
        )
        try:
            restored = await restore_in_one_transaction(
                ctx, conn, row.id, backup, row.initiated_by, plan, progress, check
            )
        finally:
            if check is not None and not check.done():
                check.cancel()
                await asyncio.gather(check, return_exceptions=True)
        if uploads is not None:
            progress.step = "uploads"
            try:
                await asyncio.to_thread(
                    put_back_uploads, ctx.archives, uploads, manifest.data_key, ctx.uploads
                )
            except Exception as error:
                raise _AfterCommit(error) from error
            await marker.uploads_done(conn, row.id)
    finally:
        if conn is not control:
            await conn.close()
    progress.step = "completed"
    return restored


async def _into_new_database(
    ctx: PipelineContext,
    row: RestoreOperation,
    backup: SystemBackup,
    into: RestoreTarget,
    options: RestoreOptions,
    progress: RestoreProgress,
) -> Restored:
    """Create and load `into` on several connections; it is dropped if anything fails."""
    progress.step = "validate"
    manifest = await asyncio.to_thread(read_manifest, ctx.archives, backup, ctx.settings.keyring)
    server = ctx.settings.target_database_url
    admin = await connect(server)
    try:
        plan = await plan_restore(admin, ctx.settings, ctx.archives, manifest, options, fresh=True)
    finally:
        await admin.close()
    # Recorded before it exists: whoever settles a dead worker's restore drops it.
    await lifecycle.mark_created_database(ctx.sessions, row.id)
    result = await restore_into_new_database(
        ctx, manifest, server, into.name, progress, plan=plan, tables=options.tables
    )
    progress.step = "commit"
    conn = await connect(into.url)
    try:
        async with conn.transaction():
            await lifecycle.set_warnings(ctx.sessions, row.id, result.warnings)
            await marker.ensure_table(conn)
            await marker.record(conn, row.id, row.backup_id, result.records_count, False)
    except BaseException:
        await conn.close()
        admin = await connect(server)
        try:
            await databases.drop(admin, into.name)
        finally:
            await admin.close()
        raise
    await conn.close()
    progress.step = "completed"
    return Restored(result.records_count, result.warnings)


class _AfterCommit(Exception):
    """A failure after the target committed (the uploads step)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


async def _failed(
    ctx: PipelineContext,
    rid: uuid.UUID,
    into: RestoreTarget,
    error: BaseException,
    progress: RestoreProgress,
) -> RestoreFailed:
    """Record why on the operation; returns the error to raise."""
    if isinstance(error, _AfterCommit):
        message = describe_after_commit(error.cause, ctx.settings)
    elif progress.step == "commit" and await _committed_anyway(ctx, into, rid):
        message = describe_after_commit(error, ctx.settings)
    else:
        role = urlsplit(ctx.settings.target_database_url).username or "the target role"
        message = describe_failure(error, progress.step, ctx.settings, role)
        if into.other:
            message += (
                f" (database {into.name}: it is as before, or dropped if this restore created it)"
            )
    logger.error("restore %s failed: %s", rid, message, exc_info=error)
    await lifecycle.fail(ctx.sessions, rid, message, progress.as_json())
    return RestoreFailed(message)


async def _committed_anyway(ctx: PipelineContext, into: RestoreTarget, rid: uuid.UUID) -> bool:
    """Whether a COMMIT that raised (connection lost) went through after all."""
    try:
        conn = await connect(ctx.settings.target_database_url)
    except Exception:
        return False
    try:
        return await find_applied(ctx, conn, into, rid) is not None
    finally:
        await conn.close()


async def _finish_applied(
    ctx: PipelineContext,
    control: asyncpg.Connection,
    rid: uuid.UUID,
    backup: SystemBackup,
    applied: marker.AppliedRestore,
) -> RestoreOutcome:
    """A previous run committed the restore but died before recording it: finish it."""
    if applied.uploads_pending:
        await locks.lock_target_exclusive(control)
        manifest = await asyncio.to_thread(
            read_manifest, ctx.archives, backup, ctx.settings.keyring
        )
        if manifest.uploads is not None:
            await asyncio.to_thread(
                put_back_uploads, ctx.archives, manifest.uploads, manifest.data_key, ctx.uploads
            )
        await marker.uploads_done(control, rid)
    await lifecycle.complete(
        ctx.sessions,
        rid,
        tables_restored=applied.tables_restored,
        records_count=applied.records_count,
    )
    async with transaction(ctx.sessions) as session:
        row = await repository.get(session, rid)
    return RestoreOutcome(applied.records_count, row.pre_restore_backup_id if row else None)

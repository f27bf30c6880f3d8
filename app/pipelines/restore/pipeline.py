"""The restore pipeline: an `in_progress` restore operation → the backup's data, or nothing.

Named steps: validate → snapshot → prepare → load → indexes → foreign keys → verify → commit
→ uploads.
One connection to the target does it all: it holds the per-restore advisory lock (proof that
a worker is alive on this restore), the target's exclusive lock (backups wait), and the one
transaction from snapshot to COMMIT. When a worker dies, PostgreSQL ends that connection:
the transaction rolls back and both locks go, so whoever takes the restore's lock next knows
the outcome from the marker table alone (marker.py).
"""

import asyncio
import logging
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import asyncpg

from app.db import leases, locks
from app.db.engine import transaction
from app.db.models import SystemBackup
from app.db.urls import asyncpg_dsn
from app.pipelines.context import PipelineContext
from app.pipelines.restore import marker
from app.pipelines.restore.errors import WORKER_DIED, describe_after_commit, describe_failure
from app.pipelines.restore.finalize import (
    restore_foreign_keys,
    restore_table_settings,
    set_sequences,
    verify,
)
from app.pipelines.restore.indexes import rebuild
from app.pipelines.restore.load import load_tables
from app.pipelines.restore.prepare import apply_session_settings, lock_tables, prepare
from app.pipelines.restore.progress import RestoreProgress, with_heartbeat
from app.pipelines.restore.snapshot import take_snapshot
from app.pipelines.restore.uploads import put_back_uploads, verify_uploads
from app.pipelines.restore.validate import plan_restore, read_manifest
from app.restores import lifecycle, repository
from app.restores.errors import RestoreBusy, RestoreFailed, RestoreNotRunning
from app.settings import Settings

logger = logging.getLogger("lifeboat.restore")

__all__ = ["RestoreBusy", "RestoreFailed", "RestoreNotRunning", "run_restore"]

_SESSION = {
    "application_name": "lifeboat-restore",
    # The transaction sits idle while the pre-restore snapshot is exported.
    "idle_in_transaction_session_timeout": "0",
    "statement_timeout": "0",
    # A killed worker's backend notices within a second, even mid-COPY, and rolls back, which
    # frees the restore's locks for the retry or the reaper.
    "client_connection_check_interval": "1000",
}


@dataclass(frozen=True)
class RestoreOutcome:
    records_count: dict[str, int]
    pre_restore_backup_id: str | None


def restore_lock(restore_id: uuid.UUID) -> str:
    return f"lifeboat:restore:{restore_id}"


async def connect(settings: Settings) -> asyncpg.Connection:
    dsn = asyncpg_dsn(settings.target_database_url)
    return await asyncpg.connect(dsn, server_settings=_SESSION)


async def run_restore(ctx: PipelineContext, restore_id: str) -> RestoreOutcome:
    """Run the restore `restore_id` and mark it completed; returns what was restored.

    Raises RestoreNotRunning if it is not `in_progress`, RestoreBusy if another worker holds
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
    if found is None or found[0].status != "in_progress":
        raise RestoreNotRunning(f"restore {restore_id} is not in progress")
    restore, backup = found
    conn = await connect(ctx.settings)
    try:
        if not await locks.try_lock(conn, restore_lock(rid)):
            raise RestoreBusy(f"restore {restore_id} is being run by another worker")
        applied = await marker.find(conn, rid)
        if applied is not None:
            return await _finish_applied(ctx, conn, rid, backup, applied)
        if not await lifecycle.claim_first_run(ctx.sessions, rid):
            # A worker ran it before and no worker holds its lock now: that one died.
            await lifecycle.fail(ctx.sessions, rid, WORKER_DIED)
            raise RestoreFailed(WORKER_DIED)
        progress = RestoreProgress()
        work = _restore(ctx, conn, rid, restore.initiated_by, backup, progress)
        try:
            counts = await with_heartbeat(ctx, rid, progress, work)
        except RestoreNotRunning:
            raise
        except Exception as error:
            raise await _failed(ctx, rid, error, progress) from error
        except BaseException as error:  # cancelled: the worker is going away
            await _failed(ctx, rid, error, progress)
            raise
        if not await lifecycle.complete(
            ctx.sessions,
            rid,
            tables_restored=sorted(counts),
            records_count=counts,
            progress=progress.as_json(),
        ):
            logger.warning("restore %s finished but was no longer in progress", rid)
        return RestoreOutcome(counts, progress.pre_restore_backup_id)
    finally:
        await conn.close()  # also releases the session's advisory locks


async def _restore(
    ctx: PipelineContext,
    conn: asyncpg.Connection,
    rid: uuid.UUID,
    admin_id: uuid.UUID,
    backup: SystemBackup,
    progress: RestoreProgress,
) -> dict[str, int]:
    progress.step = "waiting for running backups"
    await locks.lock_target_exclusive(conn)
    progress.step = "validate"
    manifest = await asyncio.to_thread(read_manifest, ctx.archives, backup, ctx.settings.keyring)
    plan = await plan_restore(conn, manifest)
    progress.tables_total = len(plan.tables)
    progress.table_bytes = [table.entry.raw_bytes for table in plan.tables]
    uploads_check = (
        asyncio.create_task(
            asyncio.to_thread(verify_uploads, ctx.archives, manifest.uploads, manifest.data_key)
        )
        if manifest.uploads
        else None
    )
    try:
        async with conn.transaction():
            await apply_session_settings(conn, manifest)
            progress.step = "snapshot"
            # Writers wait from here on, so the snapshot holds exactly what the load replaces.
            await lock_tables(conn, plan, "SHARE")
            progress.pre_restore_backup_id = await take_snapshot(
                ctx, conn, rid, admin_id, backup, plan.table_names
            )
            progress.step = "prepare"
            state = await prepare(conn, plan)
            progress.step = "load"
            counts = await load_tables(conn, ctx.archives, plan, progress)
            progress.step = "indexes"
            await set_sequences(conn, plan.sequences)
            await rebuild(conn, state.indexes)
            progress.step = "foreign keys"
            await restore_foreign_keys(conn, state.foreign_keys)
            await restore_table_settings(conn, state)
            progress.step = "verify"
            await verify(conn, plan, state, counts)
            if uploads_check is not None:
                await uploads_check
            await marker.ensure_table(conn)
            await marker.record(conn, rid, backup.backup_id, counts, manifest.uploads is not None)
            progress.step = "commit"
    finally:
        if uploads_check is not None and not uploads_check.done():
            uploads_check.cancel()
            await asyncio.gather(uploads_check, return_exceptions=True)
    if manifest.uploads is not None:
        progress.step = "uploads"
        try:
            await asyncio.to_thread(
                put_back_uploads, ctx.archives, manifest.uploads, manifest.data_key, ctx.uploads
            )
        except Exception as error:
            raise _AfterCommit(error) from error
        await marker.uploads_done(conn, rid)
    progress.step = "completed"
    return counts


class _AfterCommit(Exception):
    """A failure after the target committed (the uploads step)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


async def _failed(
    ctx: PipelineContext,
    rid: uuid.UUID,
    error: BaseException,
    progress: RestoreProgress,
) -> RestoreFailed:
    """Record why on the operation; returns the error to raise."""
    if isinstance(error, _AfterCommit):
        message = describe_after_commit(error.cause, ctx.settings)
    elif progress.step == "commit" and await _committed_anyway(ctx, rid):
        message = describe_after_commit(error, ctx.settings)
    else:
        role = urlsplit(ctx.settings.target_database_url).username or "the target role"
        message = describe_failure(error, progress.step, ctx.settings, role)
    logger.error("restore %s failed: %s", rid, message, exc_info=error)
    await lifecycle.fail(ctx.sessions, rid, message, progress.as_json())
    return RestoreFailed(message)


async def _committed_anyway(ctx: PipelineContext, rid: uuid.UUID) -> bool:
    """Whether a COMMIT that raised (connection lost) went through after all."""
    try:
        conn = await connect(ctx.settings)
    except Exception:
        return False
    try:
        return await marker.find(conn, rid) is not None
    finally:
        await conn.close()


async def _finish_applied(
    ctx: PipelineContext,
    conn: asyncpg.Connection,
    rid: uuid.UUID,
    backup: SystemBackup,
    applied: marker.AppliedRestore,
) -> RestoreOutcome:
    """A previous run committed the restore but died before recording it: finish it."""
    if applied.uploads_pending:
        await locks.lock_target_exclusive(conn)
        manifest = await asyncio.to_thread(
            read_manifest, ctx.archives, backup, ctx.settings.keyring
        )
        if manifest.uploads is not None:
            await asyncio.to_thread(
                put_back_uploads, ctx.archives, manifest.uploads, manifest.data_key, ctx.uploads
            )
        await marker.uploads_done(conn, rid)
    await lifecycle.complete(
        ctx.sessions,
        rid,
        tables_restored=applied.tables_restored,
        records_count=applied.records_count,
    )
    async with transaction(ctx.sessions) as session:
        row = await repository.get(session, rid)
    return RestoreOutcome(applied.records_count, row.pre_restore_backup_id if row else None)

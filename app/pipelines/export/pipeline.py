"""The export pipeline: a `creating` backup → a verified archive in object storage.

Named steps: claim → snapshot → schema (pg_dump in the snapshot) → export (tables, and
uploads alongside) → manifest → finalize.
The manifest is written last: an archive without one is never a backup. Any failure deletes
the backup's objects and marks it failed with a message a person can act on.
"""

import asyncio
import logging

import asyncpg

from app.archive.manifest import (
    Manifest,
    SchemaEntry,
    TableEntry,
    UploadsEntry,
    schema_fingerprint,
)
from app.archive.sealing import new_data_key, recorded_encryption, seal
from app.archive.uploads import write_uploads
from app.archive.writer import ArchiveObjectWriter
from app.backups import lifecycle, repository
from app.crypto.datakey import DataKey
from app.db import leases, locks
from app.db.engine import transaction
from app.db.models import AdminUser, SystemBackup
from app.jobs import UnknownJob
from app.pipelines.context import PipelineContext
from app.pipelines.export.errors import ExportFailed, SchemaDumpFailed, describe_failure
from app.pipelines.export.progress import ExportProgress, with_heartbeat
from app.pipelines.export.schema import dump_schema, read_database
from app.pipelines.export.snapshot import (
    SESSION_SETTINGS,
    SNAPSHOT_ATTEMPTS,
    Snapshot,
    connect,
    open_snapshot,
    read_sequences,
)
from app.pipelines.export.tables import COPY_FORMAT, export_table
from app.storage import keys
from app.tables.sizes import table_sizes

logger = logging.getLogger("lifeboat.export")

__all__ = ["BackupBusy", "ExportFailed", "run_export"]


class BackupBusy(Exception):
    """Another worker is exporting this backup right now."""


async def run_export(
    ctx: PipelineContext, backup_id: str, *, hold_target_lock: bool = True
) -> Manifest:
    """Export the `creating` backup `backup_id`, mark it completed and return its manifest.

    Raises BackupBusy if another worker holds it, UnknownJob if Lifeboat's database has no
    such backup, lifecycle.BackupNotCreating if it is already completed or failed,
    ExportFailed (after marking it failed) on any failure.
    `hold_target_lock=False` is for a caller that already holds the target's exclusive lock
    (the restore's pre-restore snapshot); otherwise the export holds it shared throughout.
    Such a caller must not hold locks on the tables themselves yet: the export's LOCK TABLE
    … IN ACCESS SHARE MODE, on its own connection, would wait for it forever.
    The backup's lease (app/db/leases.py) is held throughout, so a reaper sees at once if
    this worker dies.
    """
    async with leases.lease(ctx.settings.database_url, "backup", backup_id) as held:
        if not held:
            raise BackupBusy(f"backup {backup_id} is being exported by another worker")
        return await _run_leased(ctx, backup_id, hold_target_lock)


async def _run_leased(ctx: PipelineContext, backup_id: str, hold_target_lock: bool) -> Manifest:
    async with transaction(ctx.sessions) as session:
        backup = await repository.get_by_backup_id(session, backup_id)
        creator = await session.get(AdminUser, backup.created_by) if backup else None
    if backup is None:
        raise UnknownJob("backup", backup_id)
    if backup.status != "creating":
        raise lifecycle.BackupNotCreating(f"backup {backup_id} is not waiting to be created")
    creator_email = creator.email if creator else ""
    progress = ExportProgress()
    try:
        conn = await connect(ctx.settings)
    except Exception as error:
        raise await _failed(ctx, backup_id, error, progress, "the connecting role") from error
    try:
        if not await locks.try_lock(conn, f"lifeboat:backup:{backup_id}"):
            raise BackupBusy(f"backup {backup_id} is being exported by another worker")
        role = str(await conn.fetchval("SELECT current_user"))
        try:
            # A retried message restarts from scratch: whatever an earlier run left goes.
            await lifecycle.discard_objects(ctx.archives, backup_id)
            await lifecycle.start(ctx.sessions, backup_id)
            work = _export(ctx, conn, backup, creator_email, progress, hold_target_lock)
            return await with_heartbeat(ctx, backup_id, progress, work)
        except lifecycle.BackupNotCreating:
            # Failed by the reaper (or someone) meanwhile: stop, keep nothing, change nothing.
            await lifecycle.discard(ctx.sessions, ctx.archives, backup_id)
            raise
        except Exception as error:
            raise await _failed(ctx, backup_id, error, progress, role) from error
        except BaseException as error:  # cancelled: the worker is going away
            await _failed(ctx, backup_id, error, progress, role)
            raise
    finally:
        await conn.close()  # also releases the session's advisory locks


async def _failed(
    ctx: PipelineContext,
    backup_id: str,
    error: BaseException,
    progress: ExportProgress,
    role: str,
) -> ExportFailed:
    """Record why on the backup, delete the partial archive; returns the error to raise."""
    message = describe_failure(error, progress.step, ctx.settings, role)
    logger.error("backup %s failed: %s", backup_id, message, exc_info=error)
    await lifecycle.fail(ctx.sessions, backup_id, message)
    # If the storage is what failed, its objects go later, when a reaper finds it back.
    await lifecycle.discard(ctx.sessions, ctx.archives, backup_id)
    return ExportFailed(message)


async def _export(
    ctx: PipelineContext,
    conn: asyncpg.Connection,
    backup: SystemBackup,
    creator_email: str,
    progress: ExportProgress,
    hold_target_lock: bool,
) -> Manifest:
    backup_id, backup_type = backup.backup_id, backup.backup_type
    if hold_target_lock:
        progress.step = "waiting for a running restore"
        await locks.lock_target_shared(conn)
    # One data key per backup (None with encryption off): every object is sealed under it.
    data_key = new_data_key(ctx.settings.keyring, backup_id)
    snapshot, schema = await _snapshot_with_schema(ctx, conn, backup, data_key, progress)
    manifest = Manifest(
        backup_id=backup_id,
        backup_type=backup_type,
        created_at=snapshot.taken_at.isoformat(),
        copy_format=COPY_FORMAT,
        server_version=snapshot.server_version,
        session_settings=dict(SESSION_SETTINGS),
        schema=schema,
        database=await read_database(conn),
        requested_at=backup.created_at.isoformat(),
        created_by=creator_email,
        description=backup.description,
        metadata=dict(backup.metadata_ or {}),
    )
    manifest.sequences = await read_sequences(conn, snapshot.tables, backup_type)
    progress.step = "export"
    progress.tables_total = len(snapshot.tables)
    # COPY text runs near a table's size on disk: close enough for a percentage and an ETA.
    sizes = await table_sizes(snapshot.conn, snapshot.tables)
    progress.table_bytes = [
        sizes[t.oid].size_bytes if t.oid in sizes else 0 for t in snapshot.tables
    ]
    with_uploads = backup_type != "partial"
    uploads_task = (
        asyncio.create_task(_export_uploads(ctx, backup_id, data_key)) if with_uploads else None
    )
    try:
        manifest.tables = await _export_tables(ctx, snapshot, backup_id, data_key, progress)
        # Read-only: ending it now releases the table locks while uploads may still run.
        await snapshot.transaction.commit()
        progress.step = "uploads"
        manifest.uploads = await uploads_task if uploads_task else None
    finally:
        if uploads_task and not uploads_task.done():
            uploads_task.cancel()
            await asyncio.gather(uploads_task, return_exceptions=True)
    manifest.schema_fingerprint = schema_fingerprint(manifest.tables)
    progress.step = "manifest"
    await asyncio.to_thread(_verify_objects, ctx, manifest)
    body = seal(manifest, ctx.settings.keyring, data_key)
    await asyncio.to_thread(ctx.archives.put_bytes, keys.manifest_key(backup_id), body)
    progress.step = "completed"
    await lifecycle.complete(
        ctx.sessions,
        backup_id,
        file_path=keys.backup_prefix(backup_id),
        file_size_bytes=manifest.stored_bytes + len(body),
        tables_included=manifest.table_names,
        progress=progress.as_json(),
        encryption=recorded_encryption(manifest),
    )
    return manifest


async def _snapshot_with_schema(
    ctx: PipelineContext,
    conn: asyncpg.Connection,
    backup: SystemBackup,
    data_key: DataKey | None,
    progress: ExportProgress,
) -> tuple[Snapshot, SchemaEntry]:
    """The snapshot step, then the schema step in it; both again if DDL got in pg_dump's way."""
    for attempt in range(1, SNAPSHOT_ATTEMPTS + 1):
        progress.step = "snapshot"
        snapshot = await open_snapshot(conn, backup.backup_type, backup.tables_included or [])
        progress.step = "schema"
        writer = _writer(ctx, keys.schema_key(backup.backup_id), data_key)
        try:
            exported, major = snapshot.exported_id, snapshot.server_major
            schema = await dump_schema(ctx.settings, exported, major, writer, progress.add_bytes)
            return snapshot, schema
        except SchemaDumpFailed as error:
            if not error.retryable or attempt == SNAPSHOT_ATTEMPTS:
                raise
            # Ending the transaction lets the waiting schema change through.
            logger.warning("backup %s: %s; taking a new snapshot", backup.backup_id, error)
            await snapshot.transaction.rollback()
    raise AssertionError("unreachable")


async def _export_tables(
    ctx: PipelineContext,
    snapshot: Snapshot,
    backup_id: str,
    data_key: DataKey | None,
    progress: ExportProgress,
) -> list[TableEntry]:
    entries: list[TableEntry] = []
    for index, table in enumerate(snapshot.tables):
        progress.current = [table.display_name]
        writer = _writer(ctx, keys.table_key(backup_id, index), data_key)
        columns = snapshot.columns[table.oid]
        entries.append(
            await export_table(snapshot.conn, table, columns, writer, progress.add_bytes)
        )
        progress.rows += entries[-1].rows
        progress.tables_done += 1
    progress.current = []
    return entries


async def _export_uploads(
    ctx: PipelineContext, backup_id: str, data_key: DataKey | None
) -> UploadsEntry:
    key = keys.uploads_key(backup_id)
    writer = _writer(ctx, key, data_key)
    try:
        written = await asyncio.to_thread(write_uploads, ctx.uploads, writer)
        stored = await asyncio.to_thread(writer.close)
    except BaseException:
        await asyncio.to_thread(writer.abort)
        raise
    return UploadsEntry(
        bucket=ctx.uploads.bucket,
        object=key,
        files=written.files,
        raw_bytes=written.raw_bytes,
        stored_bytes=stored.stored_bytes,
        sha256=stored.sha256,
    )


def _writer(ctx: PipelineContext, key: str, data_key: DataKey | None) -> ArchiveObjectWriter:
    return ArchiveObjectWriter(
        ctx.archives,
        key,
        part_size=ctx.settings.upload_part_size,
        level=ctx.settings.zstd_level,
        data_key=data_key,
    )


def _verify_objects(ctx: PipelineContext, manifest: Manifest) -> None:
    """Every object the manifest names is stored with the size it says, before it is written."""
    stored = {
        obj.key: obj.size for obj in ctx.archives.list(keys.backup_prefix(manifest.backup_id))
    }
    for key, (_, size) in manifest.objects().items():
        if stored.get(key) != size:
            raise RuntimeError(
                f"object storage holds {stored.get(key)} bytes for {key}, expected {size}"
            )

"""The drill pipeline: a running verification → PASSED, FAILED or ERROR, and no scratch left.

Named steps: validate → restore (exactly as a restore into a new database) → read back →
sequences → uploads → drop. The worker holds two session locks on Lifeboat's own database
while it works: the drill's own (proof that a worker is alive on it, for the reaper) and its
drill server's (one drill at a time per server; others wait in the queue). Neither is a lock
of the configured target: a drill never waits for, nor holds up, the target's backups or
restores, and never connects to the target database.
"""

import asyncio
import logging
import time
import uuid
from typing import Protocol
from urllib.parse import urlsplit

import asyncpg

from app.archive.manifest import Manifest
from app.backups.repository import get_by_backup_id
from app.crypto.errors import KeyNotConfigured
from app.crypto.sealing import plaintext_digest
from app.db import locks
from app.db.engine import transaction
from app.db.urls import asyncpg_dsn, with_database
from app.drills import lifecycle, repository
from app.drills.lifecycle import ERROR, PASSED, DrillNotRunning, DrillResult
from app.errors import PreconditionFailed
from app.jobs import UnknownJob
from app.pipelines.context import PipelineContext
from app.pipelines.drill import scratch
from app.pipelines.drill.outcome import (
    BackupDamaged,
    DrillBusy,
    DrillCannotRun,
    DrillServerBusy,
    judge,
)
from app.pipelines.drill.progress import DrillProgress, with_heartbeat
from app.pipelines.drill.readback import read_back
from app.pipelines.drill.sequences import sequence_problems
from app.pipelines.drill.uploads import UploadsReadBack, read_uploads
from app.pipelines.restore.validate import read_manifest
from app.storage.client import ObjectStore

logger = logging.getLogger("lifeboat.drill")

WORKER_DIED = (
    "the drill could not run: the worker running it stopped before it finished (killed, "
    "crashed or cut off); its scratch database was dropped. Run verifyBackup again."
)
# Problems listed in a FAILED drill's error before "and N more".
MAX_PROBLEMS = 5


class Loader(Protocol):
    """Restore into a new database (the restore pipeline's), without a restore operation."""

    async def __call__(
        self,
        archives: ObjectStore,
        manifest: Manifest,
        server_url: str,
        database: str,
        progress: DrillProgress,
        *,
        jobs: int,
    ) -> dict[str, int]: ...


def drill_lock(verification_id: uuid.UUID) -> str:
    return f"lifeboat:drill:{verification_id}"


def server_lock(server: str) -> str:
    return f"lifeboat:drill-server:{server}"


async def run_drill(ctx: PipelineContext, verification_id: str, loader: Loader) -> DrillResult:
    """Run the drill and record its verdict; returns it.

    Raises UnknownJob if Lifeboat's database does not hold it, DrillNotRunning if it is not
    running, DrillBusy if another worker runs it,
    DrillServerBusy if another drill holds its server (the caller retries later).
    """
    vid = uuid.UUID(verification_id)
    async with transaction(ctx.sessions) as session:
        row = await repository.get(session, vid)
    if row is None:  # meant for another Lifeboat (database, queue prefix): never dropped silently
        raise UnknownJob("drill", verification_id)
    if row.status != "running":
        raise DrillNotRunning(f"drill {verification_id} is not running")
    holder = await asyncpg.connect(asyncpg_dsn(ctx.settings.database_url))
    try:
        if not await locks.try_lock(holder, drill_lock(vid)):
            raise DrillBusy(f"drill {verification_id} is run by another worker")
        if row.worker_started_at is not None:
            # A worker took it up and nobody holds its lock now: that worker died.
            return await settle_dead(ctx, vid)
        server = scratch.drill_server(ctx.settings)
        if not await locks.try_lock(holder, server_lock(server)):
            raise DrillServerBusy(f"another drill runs on {server}")
        name = scratch.scratch_name(ctx.settings, vid)
        await lifecycle.take_up(ctx.sessions, vid, server, name)
        progress = DrillProgress()
        result = await _run_and_drop(ctx, vid, row.backup_id, name, progress, loader)
        if not await lifecycle.finish(ctx.sessions, vid, result, progress.as_json()):
            logger.warning("drill %s finished but was no longer running", vid)
        return result
    finally:
        await holder.close()  # releases both locks


async def _run_and_drop(
    ctx: PipelineContext,
    vid: uuid.UUID,
    backup_id: str,
    name: str,
    progress: DrillProgress,
    loader: Loader,
) -> DrillResult:
    role = urlsplit(scratch.server_url(ctx.settings)).username or "the drill role"
    server = scratch.drill_server(ctx.settings)
    try:
        work = _drill(ctx, backup_id, name, progress, loader)
        return await with_heartbeat(ctx, vid, progress, work)
    except DrillNotRunning:
        raise
    except Exception as error:
        result = judge(error, progress.step, role, server)
        log = logger.warning if result.status != ERROR else logger.error
        log("drill %s of backup %s: %s", vid, backup_id, result.error, exc_info=error)
        return result
    except BaseException as error:  # cancelled: the worker is going away
        verdict = judge(error, progress.step, role, server)
        await lifecycle.finish(ctx.sessions, vid, verdict, progress.as_json())
        raise
    finally:
        progress.step = "drop"
        await drop_scratch(ctx, name)


async def _drill(
    ctx: PipelineContext,
    backup_id: str,
    name: str,
    progress: DrillProgress,
    loader: Loader,
) -> DrillResult:
    progress.step = "validate"
    manifest = await _read_manifest(ctx, backup_id)
    uploads = (
        asyncio.create_task(
            asyncio.to_thread(read_uploads, ctx.archives, manifest.uploads, manifest.data_key)
        )
        if manifest.uploads
        else None
    )
    try:
        server_url = scratch.server_url(ctx.settings)
        started = time.monotonic()
        progress.tables_total = len(manifest.tables)
        progress.step = "restore"
        loaded = await loader(
            ctx.archives,
            manifest,
            server_url,
            name,
            progress,
            jobs=ctx.settings.drill_read_connections,
        )
        progress.restore_seconds = round(time.monotonic() - started, 3)
        problems = _count_problems(manifest, loaded)
        progress.step = "read back"
        started = time.monotonic()
        problems += await _read_back(ctx, manifest, with_database(server_url, name), progress)
        progress.read_back_seconds = round(time.monotonic() - started, 3)
        progress.step = "sequences"
        conn = await asyncpg.connect(asyncpg_dsn(with_database(server_url, name)))
        try:
            problems += await sequence_problems(conn, manifest.sequences)
        finally:
            await conn.close()
        if uploads is not None:
            progress.step = "uploads"
            problems += await _uploads_problems(manifest, uploads)
    finally:
        if uploads is not None and not uploads.done():
            uploads.cancel()
            await asyncio.gather(uploads, return_exceptions=True)
    if problems:
        more = len(problems) - MAX_PROBLEMS
        said = "; ".join(problems[:MAX_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")
        raise BackupDamaged(said)
    rows = sum(table.rows for table in manifest.tables)
    return DrillResult(PASSED, None, len(manifest.tables), rows)


async def _read_manifest(ctx: PipelineContext, backup_id: str) -> Manifest:
    async with ctx.sessions() as session:
        backup = await get_by_backup_id(session, backup_id)
    if backup is None:
        raise DrillCannotRun(f"backup {backup_id} is no longer in Lifeboat's catalog")
    try:
        manifest = await asyncio.to_thread(
            read_manifest, ctx.archives, backup, ctx.settings.keyring
        )
    except KeyNotConfigured as error:
        # Not the backup's fault: the drill cannot run until the key is configured.
        raise DrillCannotRun(error.message) from error
    except PreconditionFailed as error:
        # The manifest is missing, unreadable, or lists objects that are gone or resized.
        raise BackupDamaged(error.message.removeprefix("the archive is damaged: ")) from error
    if manifest.schema is None or any(not table.stream_sha256 for table in manifest.tables):
        raise DrillCannotRun(
            f"backup {backup_id} was made before archives carried their schema and each "
            f"table's stream digest (archive format version {manifest.format_version}); it "
            "restores as before, but cannot be drilled. Take a new backup."
        )
    return manifest


def _count_problems(manifest: Manifest, loaded: dict[str, int]) -> list[str]:
    return [
        f"table {table.name}: {loaded.get(table.name)} rows restored, the backup wrote {table.rows}"
        for table in manifest.tables
        if loaded.get(table.name) != table.rows
    ]


async def _read_back(
    ctx: PipelineContext, manifest: Manifest, url: str, progress: DrillProgress
) -> list[str]:
    progress.tables_done = 0
    entries = {table.name: table for table in manifest.tables}

    def table_done(result: object) -> None:
        progress.tables_done += 1

    results = await read_back(
        asyncpg_dsn(url),
        manifest,
        connections=ctx.settings.drill_read_connections,
        # What the export recorded: SHA-256, or an HMAC under the data key if encrypted.
        digest=lambda: plaintext_digest(manifest.data_key),
        on_table=table_done,
        on_bytes=progress.add_bytes,
    )
    problems = []
    for name, result in sorted(results.items()):
        progress.rows_checked += result.rows
        problem = result.problem(entries[name])
        if problem is not None:
            problems.append(f"table {name}: {problem}")
    return problems


async def _uploads_problems(
    manifest: Manifest, uploads: "asyncio.Task[UploadsReadBack]"
) -> list[str]:
    assert manifest.uploads is not None
    try:
        read = await uploads
    except Exception as error:
        if judge(error, "uploads", "", "").status == ERROR:
            raise
        raise BackupDamaged(f"the uploads archive {manifest.uploads.object}: {error}") from error
    problem = read.problem(manifest.uploads)
    return [problem] if problem else []


async def drop_scratch(ctx: PipelineContext, name: str) -> bool:
    """Drop a scratch database; False (logged) if the server could not be reached, in which
    case the reaper drops it later."""
    try:
        conn = await scratch.connect_server(ctx.settings)
        try:
            await scratch.drop(conn, name)
        finally:
            await conn.close()
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        logger.error("could not drop scratch database %s (the reaper will): %s", name, error)
        return False
    return True


async def settle_dead(ctx: PipelineContext, vid: uuid.UUID) -> DrillResult:
    """A drill whose worker died: drop its scratch database, record ERROR."""
    await drop_scratch(ctx, scratch.scratch_name(ctx.settings, vid))
    result = DrillResult(ERROR, WORKER_DIED)
    await lifecycle.finish(ctx.sessions, vid, result)
    return result

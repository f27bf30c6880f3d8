"""Restores and the world around them: backups wait for them, dead workers are settled, a
committed restore is never applied twice."""

import asyncio
import os
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from app.db import locks
from app.pipelines.context import PipelineContext
from app.pipelines.export.pipeline import run_export
from app.pipelines.restore.errors import WORKER_DIED
from app.pipelines.restore.options import RestoreOptions
from app.pipelines.restore.pipeline import RestoreBusy, RestoreFailed, restore_lock, run_restore
from app.pipelines.restore.reaper import NEVER_STARTED, UPLOADS_INTERRUPTED, reap_stale_restores
from app.restores import lifecycle
from app.storage.client import ObjectStore
from tests.conftest import ADMIN_URL
from tests.restores.scenario import SLOW_ROWS, SLOW_TABLE
from tests.restores.support import (
    completed_backup,
    database_state,
    request_restore,
    restore_row,
)
from tests.support.archive import copy_bytes
from tests.support.pipeline import backup_row, create_backup_row
from tests.support.worker import wait_for


def later(ctx: PipelineContext) -> datetime:
    """A moment when every restore running now looks stale to the reaper."""
    return datetime.now(UTC) + timedelta(seconds=ctx.settings.stale_after_seconds + 5)


async def step_of_restore(ctx: PipelineContext, restore_id: str) -> str:
    progress = (await restore_row(ctx, restore_id)).progress or {}
    return str(progress.get("step"))


async def test_a_backup_requested_during_a_restore_waits_and_exports_the_restored_data(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await target.execute(SLOW_TABLE)
    backup_id = await completed_backup(ctx, target, "partial", ["public.slow"])
    await target.execute("UPDATE public.slow SET note = 'changed after the backup'")
    restore_id = await request_restore(ctx, backup_id)
    restoring = asyncio.create_task(run_restore(ctx, restore_id))
    exporting = None
    try:

        async def loading() -> bool:
            return await step_of_restore(ctx, restore_id) == "load"

        await wait_for(loading, timeout=30, message="the restore's load step")
        exported_id = await create_backup_row(ctx, target, "partial", ["public.slow"])
        exporting = asyncio.create_task(run_export(ctx, exported_id))

        async def export_waits() -> bool:
            progress = (await backup_row(ctx, exported_id)).progress or {}
            return progress.get("step") == "waiting for a running restore"

        await wait_for(export_waits, timeout=30, message="the export to wait for the restore")
        assert not restoring.done()
        await restoring
        manifest = await exporting
    finally:
        for task in (restoring, exporting):
            if task is not None and not task.done():
                task.cancel()
        await asyncio.gather(restoring, *([exporting] if exporting else []), return_exceptions=True)

    restored = await restore_row(ctx, restore_id)
    assert restored.status == "completed" and restored.completed_at is not None
    assert datetime.fromisoformat(manifest.created_at) >= restored.completed_at
    (entry,) = manifest.tables
    assert entry.rows == SLOW_ROWS
    archived = await copy_bytes(ctx.archives, entry, manifest.data_key)
    assert b"1\trow 1\n" in archived and b"changed after the backup" not in archived


async def test_a_second_run_of_a_restore_whose_worker_died_fails_it_and_changes_nothing(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await target.execute("CREATE TABLE meals (id int); INSERT INTO meals VALUES (1)")
    backup_id = await completed_backup(ctx, target)
    await target.execute("INSERT INTO meals VALUES (2)")
    before = await database_state(target)
    restore_id = await request_restore(ctx, backup_id)
    # A first worker started it (and died: nobody holds the restore's lock).
    assert await lifecycle.claim_first_run(ctx.sessions, uuid.UUID(restore_id))

    with pytest.raises(RestoreFailed, match="stopped before it finished"):
        await run_restore(ctx, restore_id)

    row = await restore_row(ctx, restore_id)
    assert (row.status, row.error_log) == ("failed", WORKER_DIED)
    assert await database_state(target) == before


async def test_a_restore_committed_before_its_worker_died_is_completed_not_applied_twice(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await target.execute("CREATE TABLE meals (id int); INSERT INTO meals VALUES (1)")
    backup_id = await completed_backup(ctx, target, "partial", ["meals"])
    restore_id = await request_restore(ctx, backup_id)
    await run_restore(ctx, restore_id)
    for settle in ("retry", "reaper"):
        # As if the worker had died between the target's COMMIT and recording `completed`.
        await reopen(ctx.settings.database_url, restore_id)
        await target.execute("INSERT INTO meals VALUES (2)")
        if settle == "retry":
            await run_restore(ctx, restore_id)
        else:
            assert await reap_stale_restores(ctx, now=later(ctx)) == [restore_id]
        row = await restore_row(ctx, restore_id)
        assert (row.status, row.records_count) == ("completed", {"public.meals": 1})
    assert await target.fetchval("SELECT count(*) FROM meals") == 3  # never restored again


async def reopen(database_url: str, restore_id: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "UPDATE lifeboat.restore_operations SET status = 'in_progress', completed_at = NULL,"
            " records_count = NULL, tables_restored = NULL WHERE id = $1",
            uuid.UUID(restore_id),
        )
    finally:
        await conn.close()


async def test_the_reaper_settles_dead_restores_and_leaves_live_ones_alone(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await target.execute("CREATE TABLE meals (id int)")
    backup_id = await completed_backup(ctx, target)

    never_started = await request_restore(ctx, backup_id)
    assert await reap_stale_restores(ctx) == []  # not stale yet
    assert await reap_stale_restores(ctx, now=later(ctx)) == [never_started]
    row = await restore_row(ctx, never_started)
    assert row.error_log == NEVER_STARTED.format(seconds=ctx.settings.stale_after_seconds)

    live = await request_restore(ctx, backup_id)
    assert await lifecycle.claim_first_run(ctx.sessions, uuid.UUID(live))
    holder = await asyncpg.connect(ctx.settings.target_database_url)
    try:
        assert await locks.try_lock(holder, restore_lock(uuid.UUID(live)))
        assert await reap_stale_restores(ctx, now=later(ctx)) == []
        assert (await restore_row(ctx, live)).status == "in_progress"
        with pytest.raises(RestoreBusy):
            await run_restore(ctx, live)
    finally:
        await holder.close()  # the worker dies

    assert await reap_stale_restores(ctx, now=later(ctx)) == [live]
    assert (await restore_row(ctx, live)).error_log == WORKER_DIED


async def test_uploads_a_dead_worker_left_half_put_back_are_finished_by_the_retry(
    pipeline_context: PipelineContext, target: asyncpg.Connection, uploads: ObjectStore
) -> None:
    ctx = pipeline_context
    uploads.delete_prefix("")
    uploads.put_bytes("a.txt", b"archived", content_type="text/plain")
    await target.execute("CREATE TABLE meals (id int)")
    backup_id = await completed_backup(ctx, target)
    restore_id = await request_restore(ctx, backup_id)
    await run_restore(ctx, restore_id)
    # As if the worker had died after the COMMIT, halfway through putting the uploads back.
    await reopen(ctx.settings.database_url, restore_id)
    await target.execute("UPDATE lifeboat.applied_restores SET uploads_pending = true")
    uploads.put_bytes("a.txt", b"changed", content_type="text/plain")
    uploads.put_bytes("b.txt", b"added", content_type="text/plain")

    await run_restore(ctx, restore_id)

    assert (await restore_row(ctx, restore_id)).status == "completed"
    assert [obj.key for obj in uploads.list("")] == ["a.txt"]
    assert uploads.get_bytes("a.txt") == b"archived"
    pending = "SELECT uploads_pending FROM lifeboat.applied_restores"
    assert await target.fetchval(pending) is False
    # The reaper cannot put uploads back itself: it says so.
    await reopen(ctx.settings.database_url, restore_id)
    await target.execute("UPDATE lifeboat.applied_restores SET uploads_pending = true")
    assert await reap_stale_restores(ctx, now=later(ctx)) == [restore_id]
    assert (await restore_row(ctx, restore_id)).error_log == UPLOADS_INTERRUPTED


async def test_the_reaper_drops_the_database_a_dead_worker_was_creating(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    name = f"lbtest_{os.getpid()}_reaped"
    await target.execute("CREATE TABLE meals (id int)")
    backup_id = await completed_backup(ctx, target)
    restore_id = await request_restore(ctx, backup_id, RestoreOptions(target_database=name))
    # A worker started it, recorded that it creates the database, created it, and died.
    assert await lifecycle.claim_first_run(ctx.sessions, uuid.UUID(restore_id))
    await lifecycle.mark_created_database(ctx.sessions, uuid.UUID(restore_id))
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        assert await reap_stale_restores(ctx, now=later(ctx)) == [restore_id]
        assert not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.close()
    row = await restore_row(ctx, restore_id)
    assert row.status == "failed"
    assert row.error_log == f"{WORKER_DIED} Database {name}, which it was creating, was dropped."

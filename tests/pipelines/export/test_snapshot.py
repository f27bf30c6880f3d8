"""The export's view of the target: locked before its snapshot, serialised with restores."""

import asyncio
from datetime import datetime

import asyncpg
import pytest

from app.backups import lifecycle, reaper
from app.db.locks import lock_target_exclusive, unlock_target_exclusive
from app.pipelines.context import PipelineContext
from app.pipelines.export.pipeline import run_export
from app.settings import Settings
from app.storage import keys
from tests.support.pipeline import backup_row, create_backup_row
from tests.support.worker import wait_for


async def export_is_waiting_on_a_lock(target: asyncpg.Connection, kind: str) -> bool:
    return bool(
        await target.fetchval(
            """
            SELECT count(*) FROM pg_stat_activity
             WHERE application_name = 'lifeboat-export' AND wait_event_type = 'Lock'
               AND datname = current_database()
               AND wait_event = $1
            """,
            kind,
        )
    )


async def test_export_queued_behind_a_truncate_sees_the_new_rows_not_an_empty_table(
    pipeline_context: PipelineContext, target: asyncpg.Connection, settings: Settings
) -> None:
    await target.execute("CREATE TABLE meals AS SELECT generate_series(1, 100) AS id")
    backup_id = await create_backup_row(pipeline_context, target, "partial", ["meals"])
    reloader = await asyncpg.connect(settings.target_database_url)
    try:
        reload = reloader.transaction()
        await reload.start()
        await reloader.execute("TRUNCATE meals; INSERT INTO meals VALUES (1), (2), (3)")
        export = asyncio.create_task(run_export(pipeline_context, backup_id))
        await wait_for(
            lambda: export_is_waiting_on_a_lock(target, "relation"),
            message="the export to wait for the truncating transaction",
        )
        await reload.commit()
        manifest = await export
    finally:
        await reloader.close()

    # Had the snapshot been taken before the lock, TRUNCATE's new rows would be invisible to
    # it and the table archived empty.
    assert [t.rows for t in manifest.tables] == [3]


async def test_export_waits_for_a_running_restore_and_says_so(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    await target.execute("CREATE TABLE meals (id int)")
    backup_id = await create_backup_row(pipeline_context, target, "full")
    await lock_target_exclusive(target)
    export = asyncio.create_task(run_export(pipeline_context, backup_id))
    try:
        waiting = await wait_for(
            lambda: _progress_step(pipeline_context, backup_id, "waiting for a running restore"),
            message="the export to report that it waits",
        )
        assert waiting and not export.done()
    finally:
        await unlock_target_exclusive(target)
    await export
    assert (await backup_row(pipeline_context, backup_id)).status == "completed"


async def test_pre_restore_export_runs_under_the_restores_own_lock(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    await target.execute("CREATE TABLE meals (id int)")
    backup_id = await create_backup_row(pipeline_context, target, "partial", ["meals"])
    await lock_target_exclusive(target)
    try:
        manifest = await asyncio.wait_for(
            run_export(pipeline_context, backup_id, hold_target_lock=False), 30
        )
    finally:
        await unlock_target_exclusive(target)
    assert manifest.table_names == ["public.meals"]


async def test_export_failed_by_the_reaper_meanwhile_stops_and_keeps_nothing(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    backup_id = await create_backup_row(ctx, target, "full")
    await lock_target_exclusive(target)
    export = asyncio.create_task(run_export(ctx, backup_id))
    try:
        await wait_for(
            lambda: export_is_waiting_on_a_lock(target, "advisory"),
            message="the export to wait for the target lock",
        )
        await lifecycle.fail(ctx.sessions, backup_id, "declared dead")
        with pytest.raises(lifecycle.BackupNotCreating):
            await asyncio.wait_for(export, 30)
    finally:
        await unlock_target_exclusive(target)

    row = await backup_row(ctx, backup_id)
    assert (row.status, row.error_message) == ("failed", "declared dead")
    assert ctx.archives.list(keys.backup_prefix(backup_id)) == []


async def test_a_working_export_keeps_its_heartbeat_fresh(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    backup_id = await create_backup_row(ctx, target, "full")
    await lock_target_exclusive(target)
    export = asyncio.create_task(run_export(ctx, backup_id))
    try:
        await wait_for(lambda: _heartbeat(ctx, backup_id), message="a first heartbeat")
        first = await _heartbeat(ctx, backup_id)
        later = await wait_for(
            lambda: _heartbeat_after(ctx, backup_id, first), message="a later heartbeat"
        )
        reaped = await reaper.reap_dead_backups(
            ctx.sessions,
            ctx.archives,
            ctx.settings.database_url,
            stale_after_seconds=ctx.settings.heartbeat_seconds * 3,
            queued_give_up_seconds=ctx.settings.queued_give_up_seconds,
        )
        assert backup_id not in reaped and later > first
    finally:
        await unlock_target_exclusive(target)
    await export


async def _progress_step(ctx: PipelineContext, backup_id: str, step: str) -> bool:
    row = await backup_row(ctx, backup_id)
    return row.progress is not None and row.progress.get("step") == step


async def _heartbeat(ctx: PipelineContext, backup_id: str) -> datetime | None:
    return (await backup_row(ctx, backup_id)).heartbeat_at


async def _heartbeat_after(
    ctx: PipelineContext, backup_id: str, first: datetime
) -> datetime | None:
    beat = await _heartbeat(ctx, backup_id)
    return beat if beat and beat > first else None

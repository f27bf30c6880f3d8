"""The backup reaper fails what a dead, hung or never-come worker left `creating`, and empties
failed backups whose objects could not be deleted before."""

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from sqlalchemy import update

from app.backups import lifecycle, reaper
from app.db import leases
from app.db.engine import transaction
from app.db.models import SystemBackup
from app.pipelines.context import PipelineContext
from app.storage import keys
from tests.support.pipeline import backup_row, create_backup_row


async def backdate(ctx: PipelineContext, backup_id: str, column: str, seconds_ago: int) -> None:
    """Set the backup's heartbeat_at or created_at that many seconds in the past."""
    async with transaction(ctx.sessions) as session:
        moment = datetime.now(UTC) - timedelta(seconds=seconds_ago)
        await session.execute(
            update(SystemBackup).where(SystemBackup.backup_id == backup_id).values({column: moment})
        )


async def last_seen(ctx: PipelineContext, backup_id: str, seconds_ago: int) -> None:
    await backdate(ctx, backup_id, "heartbeat_at", seconds_ago)


async def reap(ctx: PipelineContext, queued_give_up_seconds: int = 6 * 3600) -> list[str]:
    return await reaper.reap_dead_backups(
        ctx.sessions,
        ctx.archives,
        ctx.settings.database_url,
        stale_after_seconds=120,
        queued_give_up_seconds=queued_give_up_seconds,
    )


async def test_a_backup_whose_worker_let_go_of_its_lease_is_failed_at_once_and_emptied(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    gone, alive, hung, done = [await create_backup_row(ctx, target, "full") for _ in range(4)]
    for backup_id in (gone, alive):
        await last_seen(ctx, backup_id, 1)  # started a second ago: no heartbeat is late
    await last_seen(ctx, hung, 600)
    ctx.archives.put_bytes(keys.table_key(gone, 0), b"half an archive")
    await lifecycle.complete(
        ctx.sessions, done, file_path="x", file_size_bytes=1, tables_included=[], progress={}
    )
    await last_seen(ctx, done, 600)
    # Live workers hold their backups' leases; `gone`'s worker died and PostgreSQL let go.
    workers = await leases.connect(ctx.settings.database_url)
    try:
        for backup_id in (alive, hung):
            assert await leases.try_hold(workers, "backup", backup_id)

        reaped = await reap(ctx)
    finally:
        await workers.close()

    assert sorted(reaped) == sorted([gone, hung])
    row = await backup_row(ctx, gone)
    assert row.status == "failed" and row.error_message == reaper.WORKER_GONE
    assert row.completed_at is not None and row.file_path is None
    assert ctx.archives.list(keys.backup_prefix(gone)) == []
    row = await backup_row(ctx, hung)
    assert row.status == "failed" and "stopped responding" in (row.error_message or "")
    assert (await backup_row(ctx, alive)).status == "creating"
    assert (await backup_row(ctx, done)).status == "completed"


async def requested(ctx: PipelineContext, backup_id: str, seconds_ago: int) -> None:
    await backdate(ctx, backup_id, "created_at", seconds_ago)


async def test_a_backup_still_queued_behind_long_exports_is_not_reaped_as_dead(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    queued, lost = [await create_backup_row(ctx, target, "full") for _ in range(2)]
    await requested(ctx, queued, 600)  # no worker has started it yet: no heartbeat
    await requested(ctx, lost, 7 * 3600)

    reaped = await reap(ctx, queued_give_up_seconds=6 * 3600)

    assert queued not in reaped and lost in reaped
    assert (await backup_row(ctx, queued)).status == "creating"
    row = await backup_row(ctx, lost)
    assert row.status == "failed"
    assert "no worker started this backup within 6 h" in (row.error_message or "")


async def test_a_reaped_backup_cannot_be_completed_by_a_worker_that_comes_back(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    backup_id = await create_backup_row(ctx, target, "full")
    await last_seen(ctx, backup_id, 600)
    await reap(ctx)

    with pytest.raises(lifecycle.BackupNotCreating):
        await lifecycle.complete(
            ctx.sessions,
            backup_id,
            file_path="x",
            file_size_bytes=1,
            tables_included=[],
            progress={},
        )
    with pytest.raises(lifecycle.BackupNotCreating):
        await lifecycle.beat(ctx.sessions, backup_id, {"step": "export"})
    assert (await backup_row(ctx, backup_id)).status == "failed"


async def test_objects_a_failed_export_could_not_delete_are_deleted_by_the_next_reaper_pass(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    backup_id = await create_backup_row(ctx, target, "full")
    ctx.archives.put_bytes(keys.table_key(backup_id, 0), b"half an archive")
    # Failed while the storage was away: the objects are still there, and known to be.
    await lifecycle.fail(ctx.sessions, backup_id, "object storage went away")
    assert (await backup_row(ctx, backup_id)).discard_pending

    await reap(ctx)

    assert ctx.archives.list(keys.backup_prefix(backup_id)) == []
    row = await backup_row(ctx, backup_id)
    assert (row.status, row.discard_pending) == ("failed", False)

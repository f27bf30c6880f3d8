"""The object storage goes away mid-job: the job fails saying so, and leaves nothing behind.

Each test stops a SeaweedFS of its own (tests/faults/conftest.py) with SIGKILL, as a crash or a
lost server would, in the middle of an export's upload or a restore's download.
"""

import asyncio

import asyncpg
import pytest

from app.backups.reaper import reap_dead_backups
from app.pipelines.context import PipelineContext
from app.pipelines.export.pipeline import ExportFailed, run_export
from app.pipelines.restore.pipeline import RestoreFailed, run_restore
from app.storage import keys
from tests.faults.conftest import PrivateStorage
from tests.restores.support import database_state, request_restore, restore_row
from tests.support.pipeline import backup_row, create_backup_row
from tests.support.worker import wait_for
from tests.workers.test_backup_worker_crash import copying_big_table, fill_target, nothing_stored

# A table whose load takes seconds (its CHECK sleeps 2 ms a row), then one more to download.
SLOW_THEN_MORE = """
CREATE FUNCTION public.slowly(integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(0.002); RETURN true; END $$;
CREATE TABLE public.a_slow (id integer PRIMARY KEY, note text);
INSERT INTO public.a_slow SELECT i, 'row ' || i FROM generate_series(1, 1500) AS i;
ALTER TABLE public.a_slow ADD CONSTRAINT a_slow_check CHECK (public.slowly(id)) NOT VALID;
CREATE TABLE public.b_more AS SELECT i AS id FROM generate_series(1, 1000) AS i;
"""


async def loading(target: asyncpg.Connection, table: str) -> bool:
    return bool(
        await target.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'lifeboat-restore'"
            " AND state = 'active' AND query LIKE $1",
            f'COPY "public"."{table}"%',
        )
    )


async def reap(ctx: PipelineContext) -> list[str]:
    return await reap_dead_backups(
        ctx.sessions,
        ctx.archives,
        ctx.settings.database_url,
        stale_after_seconds=ctx.settings.stale_after_seconds,
        queued_give_up_seconds=ctx.settings.queued_give_up_seconds,
    )


async def test_storage_lost_mid_upload_fails_the_backup_and_its_objects_go_once_it_is_back(
    private_storage: tuple[PrivateStorage, PipelineContext], target: asyncpg.Connection
) -> None:
    storage, ctx = private_storage
    await fill_target(target)
    backup_id = await create_backup_row(ctx, target, "partial", ["aa_small", "big"])
    export = asyncio.create_task(run_export(ctx, backup_id))
    await wait_for(lambda: copying_big_table(target), timeout=60, message="COPY of big")
    assert ctx.archives.exists(keys.table_key(backup_id, 0))  # aa_small's, complete

    storage.stop()
    with pytest.raises(ExportFailed):
        await asyncio.wait_for(export, 120)

    row = await backup_row(ctx, backup_id)
    assert row.status == "failed"
    assert f"object storage at {storage.endpoint} failed" in (row.error_message or "")
    assert row.discard_pending  # the objects could not be deleted while it was away

    storage.start()
    await reap(ctx)
    assert nothing_stored(ctx, backup_id)  # no object, no multipart upload left open
    assert not (await backup_row(ctx, backup_id)).discard_pending


async def test_storage_lost_mid_restore_fails_it_and_leaves_the_database_unchanged(
    private_storage: tuple[PrivateStorage, PipelineContext], target: asyncpg.Connection
) -> None:
    storage, ctx = private_storage
    await target.execute(SLOW_THEN_MORE)
    backup_id = await create_backup_row(ctx, target, "partial", ["a_slow", "b_more"])
    await run_export(ctx, backup_id)
    await target.execute("UPDATE a_slow SET note = 'after'; DELETE FROM b_more WHERE id > 10")
    before = await database_state(target)
    restore_id = await request_restore(ctx, backup_id)
    restore = asyncio.create_task(run_restore(ctx, restore_id))
    await wait_for(lambda: loading(target, "a_slow"), timeout=60, message="the load of a_slow")

    storage.stop()
    with pytest.raises(RestoreFailed):
        await asyncio.wait_for(restore, 120)

    row = await restore_row(ctx, restore_id)
    assert row.status == "failed"
    assert f"object storage at {storage.endpoint}" in (row.error_log or "")
    assert "the database is unchanged" in (row.error_log or "")
    assert await database_state(target) == before

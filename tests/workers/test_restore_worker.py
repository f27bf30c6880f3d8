"""The restore actor on real Dramatiq workers: mutation → queue → worker → restored target, and
a worker SIGKILLed mid-load that leaves the target unchanged and its operation failed."""

from collections.abc import Callable
from typing import Any

import asyncpg
import dramatiq

from app.pipelines.context import PipelineContext
from app.pipelines.restore.errors import WORKER_DIED
from tests.conftest import GraphQLClient
from tests.restores.scenario import SLOW_TABLE
from tests.restores.support import (
    clear_running_restores,
    code_for,
    completed_backup,
    database_state,
    restore_row,
)
from tests.support.worker import WorkerProcess, wait_for

SLOWER = """
CREATE OR REPLACE FUNCTION public.slowly(integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(0.01); RETURN true; END $$;
"""
RESTORE = """
mutation ($input: RestoreBackupInput!) { restoreBackup(input: $input) { id status } }
"""
STATUS = """
query ($id: ID!) {
  restoreOperation(id: $id) { status tablesRestored recordsCount errorLog preRestoreBackupId }
}
"""


async def request(gql: GraphQLClient, ctx: PipelineContext, backup_id: str) -> str:
    await clear_running_restores(ctx.settings.database_url)
    code = code_for(ctx, backup_id)
    body = await gql(RESTORE, {"input": {"backupId": backup_id, "confirmationCode": code}})
    assert body["data"]["restoreBackup"]["status"] == "IN_PROGRESS", body
    return str(body["data"]["restoreBackup"]["id"])


async def finished(gql: GraphQLClient, restore_id: str) -> dict[str, Any] | None:
    operation = (await gql(STATUS, {"id": restore_id}))["data"]["restoreOperation"]
    return operation if operation["status"] != "IN_PROGRESS" else None


async def test_restore_requested_through_the_api_is_completed_by_the_worker(
    gql: GraphQLClient,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    worker: dramatiq.Worker,
) -> None:
    await target.execute("CREATE TABLE meals (id int); INSERT INTO meals VALUES (1), (2)")
    before = await database_state(target)
    backup_id = await completed_backup(pipeline_context, target)
    await target.execute("DELETE FROM meals")

    restore_id = await request(gql, pipeline_context, backup_id)
    operation = await wait_for(
        lambda: finished(gql, restore_id), timeout=60, message="the restore to finish"
    )

    assert operation["status"] == "COMPLETED", operation["errorLog"]
    assert operation["tablesRestored"] == ["public.meals"]
    assert operation["recordsCount"] == {"public.meals": 2}
    assert operation["preRestoreBackupId"].startswith("bk_")
    assert await database_state(target) == before


async def copying_slow_table(target: asyncpg.Connection) -> bool:
    return bool(
        await target.fetchval(
            """
            SELECT count(*) FROM pg_stat_activity
             WHERE application_name = 'lifeboat-restore' AND state = 'active'
               AND query LIKE 'COPY "public"."slow"%'
            """
        )
    )


async def test_a_worker_killed_mid_load_leaves_the_target_unchanged_and_the_restore_failed(
    gql: GraphQLClient,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    worker_processes: Callable[..., WorkerProcess],
) -> None:
    from workers.actors.restores import restore_backup

    ctx = pipeline_context
    await target.execute(SLOW_TABLE)
    backup_id = await completed_backup(ctx, target)
    await target.execute("UPDATE public.slow SET note = 'after the backup'")
    # Each loaded row now takes 10 ms: the load lasts 15 s, ample time to kill the worker in
    # it even on a busy machine (at 2 ms it could commit before the kill).
    await target.execute(SLOWER)
    before = await database_state(target)
    doomed = worker_processes()
    restore_id = await request(gql, ctx, backup_id)
    await wait_for(lambda: copying_slow_table(target), timeout=60, message="the load")

    doomed.kill()

    assert (await restore_row(ctx, restore_id)).status == "in_progress"
    # What the broker does with a dead worker's message, sooner: another worker receives it.
    worker_processes()
    restore_backup.send(restore_id)
    operation = await wait_for(
        lambda: finished(gql, restore_id), timeout=60, message="the retry to settle it"
    )
    assert (operation["status"], operation["errorLog"]) == ("FAILED", WORKER_DIED)
    assert await database_state(target) == before
    assert await target.fetchval("SELECT to_regclass('lifeboat.applied_restores')") is None

"""A worker SIGKILLed while loading a new database: the database is dropped, the restore failed."""

import os
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import pytest

from app.pipelines.context import PipelineContext
from app.pipelines.restore.errors import WORKER_DIED
from app.pipelines.restore.reaper import reap_stale_restores
from tests.conftest import ADMIN_URL, GraphQLClient
from tests.pipelines.restore.test_resilience import later
from tests.restores.support import clear_running_restores, code_for, completed_backup
from tests.support.worker import (
    WorkerProcess,
    postgres_backends,
    wait_for,
    wait_for_backends_to_exit,
)
from tests.workers.test_restore_worker import finished

RESTORE = """
mutation ($input: RestoreBackupInput!) { restoreBackup(input: $input) { id status } }
"""
# A domain whose check sleeps 10 ms a row once the rows are in: it runs for every row COPY
# loads, even into a new database (a table's own NOT VALID check would only come after the
# rows, as pg_dump orders it), so the load lasts 20 s, ample time to kill the worker in it.
SLOW_DOMAIN = """
CREATE FUNCTION public.slowly(integer) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE DOMAIN public.slow_int AS integer CHECK (public.slowly(VALUE));
CREATE TABLE public.slow (id public.slow_int PRIMARY KEY, note text);
INSERT INTO public.slow SELECT i, 'row ' || i FROM generate_series(1, 2000) AS i;
CREATE OR REPLACE FUNCTION public.slowly(integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(0.01); RETURN true; END $$;
"""


@pytest.fixture
async def scratch() -> AsyncIterator[str]:
    name = f"lbtest_{os.getpid()}_killed"
    yield name
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def database_exists(name: str) -> bool:
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        return bool(await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await admin.close()


async def copying_into(target: asyncpg.Connection, database: str) -> bool:
    return bool(
        await target.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND state = 'active'"
            ' AND query LIKE \'COPY "public"."slow"%\'',
            database,
        )
    )


async def killed_while_loading(
    gql: GraphQLClient,
    ctx: PipelineContext,
    target: asyncpg.Connection,
    worker_processes: Callable[..., WorkerProcess],
    scratch: str,
) -> tuple[str, set[int]]:
    """A restore into the new database `scratch` whose worker is SIGKILLed in the middle of
    loading it; the restore's id, and the PostgreSQL backends the worker had then."""
    await target.execute(SLOW_DOMAIN)
    backup_id = await completed_backup(ctx, target)
    await clear_running_restores(ctx.settings.database_url)
    doomed = worker_processes()
    code = code_for(ctx, backup_id)
    body = await gql(
        RESTORE,
        {"input": {"backupId": backup_id, "confirmationCode": code, "targetDatabase": scratch}},
    )
    restore_id: str = body["data"]["restoreBackup"]["id"]
    await wait_for(lambda: copying_into(target, scratch), timeout=60, message="the load")
    backends = await postgres_backends(target, doomed)
    assert backends  # its lease, its lock on the target, the load's connections
    doomed.kill()
    return restore_id, backends


async def assert_failed_and_dropped(operation: dict[str, Any], scratch: str) -> None:
    """The restore failed saying its worker died and that the half-loaded database went."""
    assert operation["status"] == "FAILED"
    assert operation["errorLog"].startswith(WORKER_DIED)
    assert f"Database {scratch}, which it was creating, was dropped." in operation["errorLog"]
    assert not await database_exists(scratch)


async def test_a_worker_killed_loading_a_new_database_leaves_no_database_behind(
    gql: GraphQLClient,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    worker_processes: Callable[..., WorkerProcess],
    scratch: str,
) -> None:
    from workers.actors.restores import restore_backup

    restore_id, _ = await killed_while_loading(
        gql, pipeline_context, target, worker_processes, scratch
    )
    assert await database_exists(scratch)  # left half-loaded by the dead worker
    # What the broker does with a dead worker's message, sooner: another worker receives it.
    worker_processes()
    restore_backup.send(restore_id)
    operation = await wait_for(
        lambda: finished(gql, restore_id), timeout=60, message="the retry to settle it"
    )
    await assert_failed_and_dropped(operation, scratch)


async def test_the_reaper_drops_a_new_database_whose_worker_was_killed_loading_it(
    gql: GraphQLClient,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    worker_processes: Callable[..., WorkerProcess],
    scratch: str,
) -> None:
    ctx = pipeline_context
    restore_id, backends = await killed_while_loading(gql, ctx, target, worker_processes, scratch)

    # No retry this time: the message is gone with the worker (RabbitMQ without redelivery,
    # say); the reaper finds the restore's heartbeat stale once stale_after_seconds passed.
    assert await database_exists(scratch)
    # The reaper settles a restore only once the dead worker's backends have let go of its
    # lease and lock (until then it takes it for live, and a live worker's reaper tries again
    # next interval). They exit on their own, when they notice the closed socket: right after
    # the kill they often have not (and later on a loaded machine), which once failed this
    # test in a full run. So the reap comes once they are gone, and must settle the restore
    # then, at its first try.
    await wait_for_backends_to_exit(target, backends)
    assert await reap_stale_restores(ctx, now=later(ctx)) == [restore_id]

    operation = await finished(gql, restore_id)
    assert operation is not None
    await assert_failed_and_dropped(operation, scratch)

"""Drills next to other work: one drill at a time per drill server (the others wait in the
queue, then run), and drills neither refuse nor are refused by restores, nor wait for the
target's locks."""

import asyncio
from collections.abc import Callable

import asyncpg

from app.db import locks
from app.pipelines.context import PipelineContext
from tests.conftest import GraphQLClient
from tests.restores.support import clear_running_restores, code_for, completed_backup
from tests.support.drill import scratch_left
from tests.support.worker import WorkerProcess
from tests.workers.test_drill_worker import VERIFY, verdict

# Each row's check sleeps 5 ms once the rows are in, so each drill's load lasts ~2.5 s: long
# enough for two drills to overlap if the server lock let them.
SLOWISH = """
CREATE FUNCTION public.slowly(integer) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE DOMAIN public.slow_int AS integer CHECK (public.slowly(VALUE));
CREATE TABLE public.slow (id public.slow_int PRIMARY KEY, note text);
INSERT INTO public.slow SELECT i, 'row ' || i FROM generate_series(1, 500) AS i;
CREATE OR REPLACE FUNCTION public.slowly(integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(0.005); RETURN true; END $$;
"""
RESTORE = "mutation ($input: RestoreBackupInput!) { restoreBackup(input: $input) { status } }"


async def test_drills_of_one_server_run_one_at_a_time_and_the_others_wait(
    gql: GraphQLClient,
    automation: PipelineContext,
    target: asyncpg.Connection,
    worker_processes: Callable[..., WorkerProcess],
) -> None:
    ctx = automation
    await target.execute(SLOWISH)
    backups = [await completed_backup(ctx, target) for _ in range(2)]
    drills = {ctx.settings.queue("drills")}
    worker_processes(queues=drills)
    worker_processes(queues=drills)  # two workers free: only the server lock can serialise

    for backup_id in backups:
        asked = await gql(VERIFY, {"id": backup_id})
        assert asked["data"]["verifyBackup"]["verification"] == {"status": "RUNNING"}
    most = 0
    watching = True

    async def watch() -> None:
        nonlocal most
        while watching:
            most = max(most, len(await scratch_left(ctx.settings)))
            await asyncio.sleep(0.05)

    watcher = asyncio.create_task(watch())
    try:
        verdicts = [await verdict(gql, backup_id) for backup_id in backups]
    finally:
        watching = False
        await watcher

    assert [v["status"] for v in verdicts] == ["PASSED", "PASSED"]
    assert most == 1


async def test_a_drill_runs_under_a_restores_target_lock_and_neither_refuses_the_other(
    gql: GraphQLClient,
    automation: PipelineContext,
    target: asyncpg.Connection,
    worker_processes: Callable[..., WorkerProcess],
) -> None:
    ctx = automation
    await target.execute("CREATE TABLE meals (id int PRIMARY KEY); INSERT INTO meals VALUES (1)")
    first, second = [await completed_backup(ctx, target) for _ in range(2)]
    await clear_running_restores(ctx.settings.database_url)
    # A restore of the target in progress (no restore worker here, so it stays so), holding
    # the target's lock as a running restore does.
    given = {"backupId": first, "confirmationCode": code_for(ctx, first)}
    holder = await asyncpg.connect(ctx.settings.target_database_url)
    try:
        await locks.lock_target_exclusive(holder)
        restore = await gql(RESTORE, {"input": given})
        assert restore["data"]["restoreBackup"] == {"status": "IN_PROGRESS"}, restore
        asked = await gql(VERIFY, {"id": second})  # not CONFLICT with the running restore
        assert asked["data"]["verifyBackup"]["verification"] == {"status": "RUNNING"}
        again = await gql(VERIFY, {"id": first})  # nor with the restore of this very backup
        assert again["data"]["verifyBackup"]["verification"] == {"status": "RUNNING"}
        worker_processes(queues={ctx.settings.queue("drills")})

        drilled = [await verdict(gql, backup_id) for backup_id in (second, first)]

        assert [d["status"] for d in drilled] == ["PASSED", "PASSED"]  # under the lock
        assert await scratch_left(ctx.settings) == []
    finally:
        await holder.close()
        await clear_running_restores(ctx.settings.database_url)

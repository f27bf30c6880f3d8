"""PostgreSQL restarted in the middle of a restore: the restore fails, the database unchanged.

Lifeboat's own database and the target live on a PostgreSQL server of the test's own
(tests/chaos/postgres.py), restarted as an operator would (`pg_ctl restart -m fast`).
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

import asyncpg
import pytest

from app.db.engine import create_engine, session_factory
from app.db.migrate import create_database_if_missing, upgrade_to_head
from app.pipelines.context import PipelineContext
from tests.chaos.postgres import PrivatePostgres
from tests.restores.scenario import SLOW_TABLE
from tests.restores.support import completed_backup, database_state, request_restore, restore_row
from tests.support.worker import WorkerProcess, wait_for
from tests.workers.test_restore_worker import copying_slow_table


@pytest.fixture
async def private_postgres() -> AsyncIterator[PrivatePostgres]:
    server = PrivatePostgres()
    await asyncio.to_thread(server.start)
    yield server
    await asyncio.to_thread(server.remove)


@pytest.fixture
async def context_on_it(
    private_postgres: PrivatePostgres, pipeline_context: PipelineContext
) -> AsyncIterator[PipelineContext]:
    """The test run's context with Lifeboat's database and the target on the private server."""
    own, app = private_postgres.url("lifeboat"), private_postgres.url("app")
    for url in (own, app):
        await create_database_if_missing(url)
    await asyncio.to_thread(upgrade_to_head, own)
    settings = pipeline_context.settings.model_copy(
        update={"database_url": own, "target_database_url": app}
    )
    engine = create_engine(own, pool_size=2)
    yield replace(pipeline_context, settings=settings, sessions=session_factory(engine))
    await engine.dispose()


async def test_postgres_restarted_mid_restore_fails_it_and_leaves_the_database_unchanged(
    private_postgres: PrivatePostgres,
    context_on_it: PipelineContext,
    worker_processes: Callable[..., WorkerProcess],
) -> None:
    from workers.actors.restores import restore_backup

    ctx = context_on_it
    app_url = ctx.settings.target_database_url
    target = await asyncpg.connect(app_url)
    await target.execute(SLOW_TABLE)
    backup_id = await completed_backup(ctx, target)
    await target.execute("UPDATE public.slow SET note = 'after the backup'")
    before = await database_state(target)
    restore_id = await request_restore(ctx, backup_id)
    worker = worker_processes(
        env={
            "LIFEBOAT_DATABASE_URL": ctx.settings.database_url,
            "LIFEBOAT_TARGET_DATABASE_URL": app_url,
            "LIFEBOAT_REAP_INTERVAL_SECONDS": "2",
        }
    )
    restore_backup.send(restore_id)
    await wait_for(lambda: copying_slow_table(target), timeout=60, message="the load")

    await asyncio.to_thread(private_postgres.restart)

    async def settled() -> bool:
        try:
            return (await restore_row(ctx, restore_id)).status != "in_progress"
        except (OSError, asyncpg.PostgresError):
            return False  # still starting up

    await wait_for(settled, timeout=120, message="the restore to be settled")
    row = await restore_row(ctx, restore_id)
    assert row.status == "failed", worker.log()[-3000:]
    assert "unchanged" in (row.error_log or ""), row.error_log
    target = await asyncpg.connect(app_url)
    try:
        assert await database_state(target) == before
    finally:
        await target.close()

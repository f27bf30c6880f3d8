"""The target database is dropped and created again under a running API and worker: both carry
on (their connections to the old database died with it), backups and restores work."""

from collections.abc import AsyncIterator

import asyncpg
import dramatiq
import pytest

from app.pipelines.context import PipelineContext
from app.settings import Settings
from tests.conftest import ADMIN_URL, EMPTY_DATABASE, GraphQLClient
from tests.support.worker import wait_for
from tests.workers.test_restore_worker import finished as restore_finished
from tests.workers.test_restore_worker import request as request_restore

CREATE = 'mutation { createBackup(input: {type: PARTIAL, tables: ["meals"]}) { backupId } }'
STATUS = "query ($id: String!) { backup(backupId: $id) { status errorMessage } }"


@pytest.fixture
async def target_url(settings: Settings, databases: None) -> AsyncIterator[str]:
    """The target's URL; the database is left empty afterwards, as other tests expect it."""
    yield settings.target_database_url
    conn = await asyncpg.connect(settings.target_database_url)
    try:
        await conn.execute(EMPTY_DATABASE)
    finally:
        await conn.close()


async def run_sql(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def backed_up(gql: GraphQLClient) -> dict:
    backup_id = (await gql(CREATE))["data"]["createBackup"]["backupId"]

    async def done() -> dict | None:
        backup = (await gql(STATUS, {"id": backup_id}))["data"]["backup"]
        return {"backupId": backup_id, **backup} if backup["status"] != "CREATING" else None

    return await wait_for(done, timeout=60, message=f"backup {backup_id}")


async def test_the_target_recreated_under_a_running_api_and_worker_keeps_working(
    gql: GraphQLClient,
    pipeline_context: PipelineContext,
    worker: dramatiq.Worker,
    target_url: str,
) -> None:
    await run_sql(target_url, "CREATE TABLE meals (id int); INSERT INTO meals VALUES (1)")
    assert (await backed_up(gql))["status"] == "COMPLETED"

    name = target_url.rsplit("/", 1)[1]
    await run_sql(ADMIN_URL, f'DROP DATABASE "{name}" WITH (FORCE)')
    await run_sql(ADMIN_URL, f'CREATE DATABASE "{name}"')
    await run_sql(target_url, "CREATE TABLE meals (id int); INSERT INTO meals VALUES (1), (2)")

    backup = await backed_up(gql)
    assert backup["status"] == "COMPLETED", backup
    await run_sql(target_url, "DELETE FROM meals")
    restore_id = await request_restore(gql, pipeline_context, backup["backupId"])
    operation = await wait_for(
        lambda: restore_finished(gql, restore_id), timeout=60, message="the restore"
    )
    assert operation["status"] == "COMPLETED", operation["errorLog"]
    conn = await asyncpg.connect(target_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM meals") == 2
    finally:
        await conn.close()

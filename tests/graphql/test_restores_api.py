"""restoreBackup, restoreOperations and restoreOperation through the GraphQL API."""

import asyncio
import logging
import uuid
from typing import Any

import asyncpg
import httpx
import pytest
import redis

from app.pipelines.context import PipelineContext
from app.settings import Settings
from tests.conftest import GraphQLClient, error_code
from tests.restores.support import clear_running_restores, code_for, completed_backup
from tests.support.pipeline import create_backup_row

FIELDS = """
id backupId status startedAt completedAt tablesRestored recordsCount errorLog
progress { step percent tablesDone stepTimes { step } }
preRestoreBackupId initiatedBy { email } backup { backupId status type }
targetDatabase schema warnings
"""
RESTORE = f"""
mutation ($input: RestoreBackupInput!) {{ restoreBackup(input: $input) {{ {FIELDS} }} }}
"""
ONE = f"query ($id: ID!) {{ restoreOperation(id: $id) {{ {FIELDS} }} }}"
LIST = "query ($limit: Int) { restoreOperations(limit: $limit) { id backupId status } }"
CODE = "query ($id: String!) { restoreConfirmationCode(backupId: $id) }"


def queued_restores(settings: Settings) -> int:
    queue = settings.queue("restores")
    return int(redis.Redis.from_url(settings.broker_url).llen(f"dramatiq:{queue}"))


async def restore_rows(settings: Settings) -> int:
    conn = await asyncpg.connect(settings.database_url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM lifeboat.restore_operations"))
    finally:
        await conn.close()


@pytest.fixture
async def meals_backup(pipeline_context: PipelineContext, target: asyncpg.Connection) -> str:
    """A completed backup of a small target, and no restore running."""
    await target.execute("CREATE TABLE meals (id int); INSERT INTO meals VALUES (1)")
    backup_id = await completed_backup(pipeline_context, target, "partial", ["meals"])
    await clear_running_restores(pipeline_context.settings.database_url)
    return backup_id


async def restore(gql: GraphQLClient, backup_id: str, code: str) -> dict[str, Any]:
    return await gql(RESTORE, {"input": {"backupId": backup_id, "confirmationCode": code}})


async def test_restore_is_committed_in_progress_queued_and_readable(
    gql: GraphQLClient, meals_backup: str, settings: Settings
) -> None:
    code = (await gql(CODE, {"id": meals_backup}))["data"]["restoreConfirmationCode"]
    queued = queued_restores(settings)

    body = await restore(gql, meals_backup, code.lower().replace("-", " "))

    assert "errors" not in body, body
    operation = body["data"]["restoreBackup"]
    assert operation["status"] == "IN_PROGRESS"
    assert operation["backupId"] == meals_backup
    assert operation["backup"] == {
        "backupId": meals_backup,
        "status": "COMPLETED",
        "type": "PARTIAL",
    }
    assert operation["initiatedBy"] == {"email": "admin@test.local"}
    assert operation["completedAt"] is None and operation["errorLog"] is None
    assert (operation["targetDatabase"], operation["schema"], operation["warnings"]) == (
        None,
        "CURRENT",
        [],
    )
    assert operation["progress"] == {
        "step": "queued",
        "percent": None,
        "tablesDone": None,
        "stepTimes": [],
    }
    assert queued_restores(settings) == queued + 1
    assert (await gql(ONE, {"id": operation["id"]}))["data"]["restoreOperation"] == operation
    newest = (await gql(LIST, {"limit": 1}))["data"]["restoreOperations"]
    assert newest == [{"id": operation["id"], "backupId": meals_backup, "status": "IN_PROGRESS"}]


async def test_wrong_code_is_unauthorized_logged_without_the_code_and_changes_nothing(
    gql: GraphQLClient,
    meals_backup: str,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rows, queued = await restore_rows(settings), queued_restores(settings)
    caplog.set_level(logging.WARNING, logger="lifeboat.restores")

    body = await restore(gql, meals_backup, "WRNG-C0DE")

    assert error_code(body) == "UNAUTHORIZED"
    assert (await restore_rows(settings), queued_restores(settings)) == (rows, queued)
    (record,) = [r for r in caplog.records if r.name == "lifeboat.restores"]
    assert meals_backup in record.getMessage() and "admin@test.local" in record.getMessage()
    assert "WRNG" not in record.getMessage()


async def test_unknown_and_unfinished_backups_are_refused(
    gql: GraphQLClient,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    settings: Settings,
) -> None:
    await clear_running_restores(settings.database_url)
    rows = await restore_rows(settings)
    unknown = "bk_20200101T000000Z_000000"
    assert error_code(await restore(gql, unknown, code_for(pipeline_context, unknown))) == (
        "NOT_FOUND"
    )
    await target.execute("CREATE TABLE meals (id int)")
    creating = await create_backup_row(pipeline_context, target, "partial", ["meals"])
    body = await restore(gql, creating, code_for(pipeline_context, creating))
    assert error_code(body) == "PRECONDITION_FAILED"
    assert "invalid backup for restoration" in body["errors"][0]["message"]
    assert await restore_rows(settings) == rows


async def test_an_archive_the_target_cannot_take_is_refused_before_anything_is_queued(
    gql: GraphQLClient, meals_backup: str, target: asyncpg.Connection, settings: Settings
) -> None:
    # A column the backup lacks, which no restored row could fill.
    await target.execute(
        "ALTER TABLE meals ADD COLUMN added text NOT NULL DEFAULT 'x';"
        "ALTER TABLE meals ALTER COLUMN added DROP DEFAULT"
    )
    rows, queued = await restore_rows(settings), queued_restores(settings)

    body = await restore(gql, meals_backup, code_for_settings(settings, meals_backup))

    assert error_code(body) == "PRECONDITION_FAILED"
    message = body["errors"][0]["message"]
    assert "column added of public.meals is NOT NULL without a default" in message
    assert (await restore_rows(settings), queued_restores(settings)) == (rows, queued)


def code_for_settings(settings: Settings, backup_id: str) -> str:
    from app.restores.confirmation import confirmation_code

    return confirmation_code(settings.secret_key.get_secret_value(), backup_id)


async def test_only_one_restore_runs_even_when_two_are_requested_at_once(
    gql: GraphQLClient, meals_backup: str, settings: Settings
) -> None:
    rows = await restore_rows(settings)
    code = code_for_settings(settings, meals_backup)

    both = await asyncio.gather(*(restore(gql, meals_backup, code) for _ in range(2)))

    outcomes = sorted(("errors" in body and error_code(body)) or "OK" for body in both)
    assert outcomes == ["CONFLICT", "OK"]
    assert error_code(await restore(gql, meals_backup, code)) == "CONFLICT"
    assert await restore_rows(settings) == rows + 1


async def test_restore_by_get_or_without_a_token_changes_nothing(
    client: httpx.AsyncClient, admin_token: str, meals_backup: str, settings: Settings
) -> None:
    rows, queued = await restore_rows(settings), queued_restores(settings)
    variables = {"input": {"backupId": meals_backup, "confirmationCode": "x"}}
    code = code_for_settings(settings, meals_backup)
    query = (
        f'mutation {{ restoreBackup(input: {{backupId: "{meals_backup}", '
        f'confirmationCode: "{code}"}}) {{ id }} }}'
    )

    by_get = await client.get(
        "/graphql",
        params={"query": query},
        headers={"Authorization": f"Bearer {admin_token}", "Accept": "application/json"},
    )
    anonymous = await GraphQLClient(client, None)(RESTORE, variables)

    assert by_get.status_code == 405
    assert error_code(anonymous) == "UNAUTHENTICATED"
    assert (await restore_rows(settings), queued_restores(settings)) == (rows, queued)


async def test_restore_operation_queries_check_their_arguments(gql: GraphQLClient) -> None:
    assert (await gql(ONE, {"id": str(uuid.uuid4())}))["data"]["restoreOperation"] is None
    assert error_code(await gql(ONE, {"id": "not-a-uuid"})) == "BAD_USER_INPUT"
    for limit in (0, 501):
        assert error_code(await gql(LIST, {"limit": limit})) == "BAD_USER_INPUT"
    assert "errors" not in await gql(LIST, {"limit": 500})

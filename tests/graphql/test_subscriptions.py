"""backupProgress and restoreProgress: what a subscriber gets at once, and what it is refused."""

import uuid

import asyncpg

from app.pipelines.context import PipelineContext
from app.settings import Settings
from tests.conftest import make_admin
from tests.support.pipeline import backup_row, create_backup_row
from tests.support.subscriptions import graphql_socket, messages_until_complete, start

BACKUP = "subscription ($id: String!) { backupProgress(backupId: $id) { backupId status } }"
RESTORE = "subscription ($id: ID!) { restoreProgress(id: $id) { id status } }"


def _error_code(messages: list[dict[str, object]]) -> object:
    first = messages[0]
    assert first["type"] == "next", messages
    payload = first["payload"]
    assert isinstance(payload, dict) and payload.get("data") is None, payload
    return payload["errors"][0]["extensions"]["code"]


async def test_an_unknown_job_is_not_found(live_server: str, admin_token: str) -> None:
    async with graphql_socket(live_server, admin_token) as ws:
        await start(ws, "1", BACKUP, {"id": "bk_20260101T000000Z_000000"})
        assert _error_code(await messages_until_complete(ws, "1")) == "NOT_FOUND"
        await start(ws, "2", RESTORE, {"id": str(uuid.uuid4())})
        assert _error_code(await messages_until_complete(ws, "2")) == "NOT_FOUND"
        await start(ws, "3", RESTORE, {"id": "not-a-uuid"})
        assert _error_code(await messages_until_complete(ws, "3")) == "BAD_USER_INPUT"


async def test_a_finished_backup_sends_its_state_once_and_completes_even_to_a_viewer(
    live_server: str,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
) -> None:
    backup_id = await create_backup_row(pipeline_context, target, "full")
    conn = await asyncpg.connect(pipeline_context.settings.database_url)
    try:
        await conn.execute(
            "UPDATE lifeboat.system_backups SET status = 'failed', error_message = 'test'"
            " WHERE backup_id = $1",
            backup_id,
        )
    finally:
        await conn.close()
    assert (await backup_row(pipeline_context, backup_id)).status == "failed"
    _, viewer_token = await make_admin(role="viewer")

    async with graphql_socket(live_server, viewer_token) as ws:
        await start(ws, "1", BACKUP, {"id": backup_id})
        messages = await messages_until_complete(ws, "1")

    assert messages == [
        {
            "id": "1",
            "type": "next",
            "payload": {"data": {"backupProgress": {"backupId": backup_id, "status": "FAILED"}}},
        },
        {"id": "1", "type": "complete"},
    ]


async def test_a_subscription_rechecks_the_admin(live_server: str, settings: Settings) -> None:
    admin_id, token = await make_admin()
    async with graphql_socket(live_server, token) as ws:
        conn = await asyncpg.connect(settings.database_url)
        try:
            await conn.execute(
                "UPDATE lifeboat.admin_users SET is_active = false WHERE id = $1", admin_id
            )
        finally:
            await conn.close()
        await start(ws, "1", BACKUP, {"id": "bk_20260101T000000Z_000000"})
        assert _error_code(await messages_until_complete(ws, "1")) == "FORBIDDEN"

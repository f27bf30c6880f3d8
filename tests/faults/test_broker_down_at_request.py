"""The broker is down when an admin asks for a backup or a restore: the request fails at once
with SERVICE_UNAVAILABLE naming the broker, the job is FAILED saying why (never left CREATING
or IN_PROGRESS for nobody), the target is untouched, and once the broker is back the API
sends jobs again by itself. On Redis and on RabbitMQ, each a server of the test's own, stopped.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from app.pipelines.context import PipelineContext
from tests.conftest import make_admin
from tests.restores.support import clear_running_restores, code_for, completed_backup
from tests.support.brokers import PrivateRabbitMQ, PrivateRedis
from tests.support.server import running_server

CREATE = 'mutation { createBackup(input: {type: PARTIAL, tables: ["crates"]}) { backupId } }'
RESTORE = "mutation ($input: RestoreBackupInput!) { restoreBackup(input: $input) { id } }"


@pytest.fixture(params=["redis", "rabbitmq"])
def broker_server(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[PrivateRedis | PrivateRabbitMQ]:
    server = PrivateRedis(tmp_path) if request.param == "redis" else PrivateRabbitMQ()
    server.start()
    try:
        yield server
    finally:
        server.remove() if isinstance(server, PrivateRabbitMQ) else server.stop()


async def post(url: str, token: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    async with httpx.AsyncClient(timeout=120) as http:
        response = await http.post(
            f"{url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_job_the_broker_cannot_take_fails_at_once_saying_so(
    broker_server: PrivateRedis | PrivateRabbitMQ,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    tmp_path: Path,
) -> None:
    await target.execute("CREATE TABLE crates (id int); INSERT INTO crates VALUES (1), (2)")
    backup_id = await completed_backup(pipeline_context, target, "partial", ["crates"])
    await clear_running_restores(pipeline_context.settings.database_url)
    admin_id, token = await make_admin()
    own = pipeline_context.settings.database_url
    address = f"127.0.0.1:{broker_server.port}"
    made: list[str] = []
    with running_server(tmp_path, LIFEBOAT_BROKER_URL=broker_server.url) as api:
        # The API has talked to the broker before it goes away, as in real life.
        body = await post(api, token, CREATE)
        made.append(body["data"]["createBackup"]["backupId"])
        broker_server.stop()
        try:
            body = await post(api, token, CREATE)
            error = body["errors"][0]
            assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE", body
            assert address in error["message"] and "LIFEBOAT_BROKER_URL" in error["message"]
            assert "guest" not in error["message"]  # the URL's credentials stay on the server
            conn = await asyncpg.connect(own)
            try:
                failed = await conn.fetchrow(
                    "SELECT backup_id, status, error_message FROM lifeboat.system_backups"
                    " WHERE created_by = $1 ORDER BY created_at DESC LIMIT 1",
                    admin_id,
                )
            finally:
                await conn.close()
            assert failed is not None and failed["status"] == "failed", failed
            assert address in failed["error_message"]
            made.append(failed["backup_id"])
            before = await target.fetch("SELECT * FROM crates ORDER BY id")
            await target.execute("INSERT INTO crates VALUES (3)")
            given = {
                "backupId": backup_id,
                "confirmationCode": code_for(pipeline_context, backup_id),
            }
            body = await post(api, token, RESTORE, {"input": given})
            error = body["errors"][0]
            assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE", body
            assert address in error["message"]
            conn = await asyncpg.connect(own)
            try:
                restore = await conn.fetchrow(
                    "SELECT status, error_log FROM lifeboat.restore_operations"
                    " WHERE initiated_by = $1",
                    admin_id,
                )
            finally:
                await conn.close()
            assert restore is not None and restore["status"] == "failed", restore
            assert address in restore["error_log"]
            assert len(await target.fetch("SELECT * FROM crates")) == len(before) + 1
        finally:
            broker_server.start()
        # Back: the API's client connects again by itself.
        body = await post(api, token, CREATE)
        assert "errors" not in body, body
        made.append(body["data"]["createBackup"]["backupId"])
    # No worker ran them: the CREATING ones must not wait in the shared database for others.
    conn = await asyncpg.connect(own)
    try:
        await conn.execute(
            "UPDATE lifeboat.system_backups SET status = 'failed' WHERE backup_id = ANY($1)"
            " AND status = 'creating'",
            made,
        )
    finally:
        await conn.close()

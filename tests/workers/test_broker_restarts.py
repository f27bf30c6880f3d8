"""The broker restarts, idle or with a job waiting in its queue: the API and the worker reconnect
by themselves and every job runs, on Redis and on RabbitMQ. While it is down, a backup, a
restore or a drill asked for fails at once with SERVICE_UNAVAILABLE naming the broker, and the
job is FAILED (a drill ERROR) saying why (never left CREATING, IN_PROGRESS or RUNNING for
nobody), the target untouched.

Each test has a broker server of its own (tests/support/brokers.py), restarted as the
machine's are: Redis in memory only, so a restart loses the queued message and a worker sends
the job again (workers/redispatch.py); RabbitMQ with its durable queues, which keep it.
"""

import os
import re
import signal
from collections.abc import Callable, Iterator
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
from tests.support.worker import WorkerProcess, wait_for

CREATE = 'mutation { createBackup(input: {type: PARTIAL, tables: ["meals"]}) { backupId } }'
RESTORE = "mutation ($input: RestoreBackupInput!) { restoreBackup(input: $input) { id } }"
VERIFY = "mutation ($id: String!) { verifyBackup(backupId: $id) { backupId } }"
STATUS = "query ($id: String!) { backup(backupId: $id) { status errorMessage } }"
DRILL = "query ($id: String!) { backup(backupId: $id) { verification { status error } } }"


@pytest.fixture(params=["redis", "rabbitmq"])
def broker_server(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[PrivateRedis | PrivateRabbitMQ]:
    server: PrivateRedis | PrivateRabbitMQ
    if request.param == "redis":
        server = PrivateRedis(tmp_path)
        server.start()
        yield server
        server.stop()
    else:
        server = PrivateRabbitMQ()
        server.start()
        yield server
        server.remove()


class Api:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        body = await self.answer(query, variables)
        assert "errors" not in body, body
        return body["data"]

    async def answer(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        async with httpx.AsyncClient(timeout=120) as http:
            response = await http.post(
                f"{self.url}/graphql",
                json={"query": query, "variables": variables or {}},
                headers={"Authorization": f"Bearer {self.token}"},
            )
        assert response.status_code == 200, response.text
        return response.json()

    async def refused_as_unavailable(
        self, query: str, address: str, variables: dict[str, Any] | None = None
    ) -> None:
        error = (await self.answer(query, variables))["errors"][0]
        assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE", error
        assert address in error["message"] and "LIFEBOAT_BROKER_URL" in error["message"]
        assert "guest" not in error["message"]  # the URL's credentials stay on the server

    async def drill_done(self, backup_id: str) -> dict[str, Any] | None:
        found = (await self(DRILL, {"id": backup_id}))["backup"]["verification"]
        return found if found and found["status"] != "RUNNING" else None

    async def backup_done(self, backup_id: str) -> dict[str, Any] | None:
        backup = (await self(STATUS, {"id": backup_id}))["backup"]
        return backup if backup["status"] != "CREATING" else None


async def refused_while_down(
    api: Api,
    broker: PrivateRedis | PrivateRabbitMQ,
    ctx: PipelineContext,
    admin_id: Any,
    restorable: str,
) -> None:
    """createBackup, restoreBackup and verifyBackup refused with SERVICE_UNAVAILABLE, their
    jobs FAILED (the drill ERROR: it could not run, so asking again later works)."""
    address = f"127.0.0.1:{broker.port}"
    await api.refused_as_unavailable(CREATE, address)
    given = {"backupId": restorable, "confirmationCode": code_for(ctx, restorable)}
    await api.refused_as_unavailable(RESTORE, address, {"input": given})
    await api.refused_as_unavailable(VERIFY, address, {"id": restorable})
    conn = await asyncpg.connect(ctx.settings.database_url)
    try:
        backup = await conn.fetchrow(
            "SELECT status, error_message FROM lifeboat.system_backups WHERE created_by = $1",
            admin_id,
        )
        restore = await conn.fetchrow(
            "SELECT status, error_log FROM lifeboat.restore_operations WHERE initiated_by = $1",
            admin_id,
        )
        drill = await conn.fetchrow(
            "SELECT status, error FROM lifeboat.verifications WHERE requested_by = $1", admin_id
        )
    finally:
        await conn.close()
    assert drill is not None and drill["status"] == "error", drill
    assert address in drill["error"]
    assert backup is not None and backup["status"] == "failed", backup
    assert address in backup["error_message"]
    assert restore is not None and restore["status"] == "failed", restore
    assert address in restore["error_log"]


def freeze(worker: WorkerProcess, signum: signal.Signals) -> None:
    os.killpg(worker.process.pid, signum)


async def test_after_broker_restarts_the_api_and_worker_reconnect_and_queued_jobs_run(
    broker_server: PrivateRedis | PrivateRabbitMQ,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    worker_processes: Callable[..., WorkerProcess],
    tmp_path: Path,
) -> None:
    await target.execute("CREATE TABLE meals (id int); INSERT INTO meals VALUES (1), (2)")
    restorable = await completed_backup(pipeline_context, target, "partial", ["meals"])
    await clear_running_restores(pipeline_context.settings.database_url)
    admin_id, token = await make_admin()
    url = broker_server.url
    # A job Redis lost is sent again 2 s after its request (15 s by default): what is
    # proved is that it is, not the margin.
    fast = {"LIFEBOAT_REAP_INTERVAL_SECONDS": "1", "LIFEBOAT_REDISPATCH_AFTER_SECONDS": "2"}
    worker = worker_processes(broker_url=url, env=fast)
    await wait_for(lambda: "ready for action" in worker.log(), timeout=60, message="the worker")
    with running_server(tmp_path, LIFEBOAT_BROKER_URL=url) as server:
        api = Api(server, token)

        # Down while idle (the API and the worker had connected): what is asked for meanwhile
        # fails at once, saying so, and is not left waiting for nobody.
        broker_server.stop()
        try:
            await refused_while_down(api, broker_server, pipeline_context, admin_id, restorable)
            await target.execute("INSERT INTO meals VALUES (3)")  # the restore did not run
        finally:
            broker_server.start()
        # Back: the API's and the worker's connections died with it; they make new ones.
        first = (await api(CREATE))["createBackup"]["backupId"]
        done = await wait_for(lambda: api.backup_done(first), timeout=120, message="backup 1")
        assert done["status"] == "COMPLETED", (done, worker.log()[-3000:])

        # Jobs waiting in the queue (the worker is frozen, so nobody takes them) when the
        # broker restarts: a backup, and a drill of the first one.
        freeze(worker, signal.SIGSTOP)
        try:
            second = (await api(CREATE))["createBackup"]["backupId"]
            await api(VERIFY, {"id": first})
            broker_server.restart()
        finally:
            freeze(worker, signal.SIGCONT)
        done = await wait_for(lambda: api.backup_done(second), timeout=120, message="backup 2")
        assert done["status"] == "COMPLETED", (done, worker.log()[-3000:])
        drill = await wait_for(lambda: api.drill_done(first), timeout=120, message="the drill")
        assert drill["status"] == "PASSED", (drill, worker.log()[-3000:])
    if isinstance(broker_server, PrivateRedis):
        assert "the broker holds no message for it" in worker.log()
        assert re.search(r"drill \S+ waits for a worker but the broker holds no", worker.log())

"""The broker restarts, idle or with a job waiting in its queue: the API and the worker reconnect
by themselves and every job runs, on Redis and on RabbitMQ.

Each test has a broker server of its own (tests/support/brokers.py), restarted as the
machine's are: Redis in memory only, so a restart loses the queued message and a worker sends
the job again (workers/redispatch.py); RabbitMQ with its durable queues, which keep it.
"""

import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from app.pipelines.context import PipelineContext
from tests.conftest import make_admin
from tests.support.brokers import PrivateRabbitMQ, PrivateRedis
from tests.support.server import running_server
from tests.support.worker import WorkerProcess, wait_for

CREATE = 'mutation { createBackup(input: {type: PARTIAL, tables: ["meals"]}) { backupId } }'
STATUS = "query ($id: String!) { backup(backupId: $id) { status errorMessage } }"


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
        async with httpx.AsyncClient(timeout=30) as http:
            response = await http.post(
                f"{self.url}/graphql",
                json={"query": query, "variables": variables or {}},
                headers={"Authorization": f"Bearer {self.token}"},
            )
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    async def backup_done(self, backup_id: str) -> dict[str, Any] | None:
        backup = (await self(STATUS, {"id": backup_id}))["backup"]
        return backup if backup["status"] != "CREATING" else None


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
    _, token = await make_admin()
    url = broker_server.url
    fast = {"LIFEBOAT_REAP_INTERVAL_SECONDS": "1", "LIFEBOAT_REDISPATCH_AFTER_SECONDS": "15"}
    worker = worker_processes(broker_url=url, env=fast)
    await wait_for(lambda: "ready for action" in worker.log(), timeout=60, message="the worker")
    with running_server(tmp_path, LIFEBOAT_BROKER_URL=url) as server:
        api = Api(server, token)

        # Idle: nothing to lose; the API's and the worker's connections are dead after it.
        broker_server.restart()
        first = (await api(CREATE))["createBackup"]["backupId"]
        done = await wait_for(lambda: api.backup_done(first), timeout=120, message="backup 1")
        assert done["status"] == "COMPLETED", (done, worker.log()[-3000:])

        # A job waiting in the queue (the worker is frozen, so nobody takes it) when the
        # broker restarts.
        freeze(worker, signal.SIGSTOP)
        try:
            second = (await api(CREATE))["createBackup"]["backupId"]
            broker_server.restart()
        finally:
            freeze(worker, signal.SIGCONT)
        done = await wait_for(lambda: api.backup_done(second), timeout=120, message="backup 2")
        assert done["status"] == "COMPLETED", (done, worker.log()[-3000:])
    if isinstance(broker_server, PrivateRedis):
        assert "the broker holds no message for it" in worker.log()

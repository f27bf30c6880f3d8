"""`make run` end to end: its own SeaweedFS, databases, demo, API, worker; restarts; stops by
SIGKILL of the supervisor (nothing left, the next starts at once) and by SIGTERM (clean)."""

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from minio import Minio

from app.crypto.keyring import key_id, parse_key
from app.devstack.programs import WORKER_READY
from app.devstack.seaweed import port_answers, split_endpoint
from tests.devstack.test_preflight import time_wait_on
from tests.support.stack import Stack, gone
from tests.support.worker import wait_for

LIFEBOAT = Path(sys.executable).parent / "lifeboat"


@pytest.fixture
def stack(stack_env: dict[str, str], tmp_path: Path) -> Iterator[Stack]:
    running = Stack(stack_env, tmp_path / "stack.log")
    yield running
    running.close()  # a failed test must not leave a stack behind


async def graphql(url: str, token: str, query: str) -> dict:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(
            url, json={"query": query}, headers={"Authorization": f"Bearer {token}"}
        )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


# One test, not three: each `make run` start costs seconds (SeaweedFS, migrations, the demo),
# and the SIGKILL and SIGTERM stops each need a stack that ran.
async def test_make_run_starts_everything_restarts_its_children_and_leaves_nothing_when_stopped(
    stack: Stack, stack_env: dict[str, str], tmp_path: Path
):
    ready = await asyncio.to_thread(stack.wait_for_ready)
    port = stack_env["LIFEBOAT_PORT"]
    url = f"http://127.0.0.1:{port}/graphql"
    assert ready.startswith(f"ready: {url} ")
    assert "lifeboat admin create" in ready

    # No key was set: a dev key was made for the stack, its owner's alone, and the log says
    # what losing it means.
    key_file = Path(stack_env["LIFEBOAT_DEVSTACK_DIR"]) / "encryption.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    dev_key_id = key_id(parse_key(key_file.read_text()))
    assert f"created a dev encryption key {dev_key_id}" in stack.log.read_text()
    assert "losing a key loses every backup made with it" in stack.log.read_text()

    # SeaweedFS was started by the stack itself, in the folder it was given.
    weed = stack.child("weed")
    assert weed is not None
    s3_host, s3_port = split_endpoint(stack_env["LIFEBOAT_S3_ENDPOINT"])
    assert f"-s3.port={s3_port}" in weed.cmdline()
    assert f"-dir={stack_env['LIFEBOAT_DEVSTACK_DIR']}/seaweedfs/{s3_port}" in weed.cmdline()

    # A token as a newcomer gets one, then the API and the worker do a whole backup.
    command = [str(LIFEBOAT), "admin", "create", "dev@example.com"]
    created = await asyncio.to_thread(
        subprocess.run, command, env=stack_env, capture_output=True, text=True, check=True
    )
    token = created.stdout.strip().splitlines()[-1]
    assert await graphql(url, token, "{ backups { backupId } }") == {"backups": []}
    started = await graphql(
        url, token, "mutation { createBackup(input: {type: FULL}) { backupId } }"
    )
    backup_id = started["createBackup"]["backupId"]

    async def finished() -> dict | None:
        query = f'{{ backup(backupId: "{backup_id}") {{ status tablesIncluded errorMessage }} }}'
        backup = (await graphql(url, token, query))["backup"]
        return backup if backup["status"] != "CREATING" else None

    backup = await wait_for(finished, timeout=30, message="the demo backup to finish")
    assert backup["status"] == "COMPLETED", backup
    assert {"public.users", "public.recipes", "public.activity_log"} <= set(
        backup["tablesIncluded"]
    )

    # The demo target: tables with data in its own database, files in its own uploads bucket.
    demo = await asyncpg.connect(
        f"postgresql://root@127.0.0.1:5432/{stack_env['LIFEBOAT_DEMO_DATABASE']}"
    )
    try:
        assert await demo.fetchval("SELECT count(*) FROM meal_plan_entries") > 100
    finally:
        await demo.close()
    s3 = Minio(stack_env["LIFEBOAT_S3_ENDPOINT"], "lifeboat", "lifeboat-dev-secret", secure=False)
    bucket = stack_env["LIFEBOAT_UPLOADS_BUCKET"]
    assert "recipes/1/photo.png" in {o.object_name for o in s3.list_objects(bucket, recursive=True)}

    # A worker that dies is started again.
    worker = stack.child("dramatiq")
    assert worker is not None
    worker.kill()

    def restarted() -> bool:
        new = stack.child("dramatiq")
        return new is not None and new.pid != worker.pid

    await wait_for(restarted, timeout=20, message="a new worker")
    await wait_for(
        lambda: stack.log.read_text().count(WORKER_READY) == 2,
        timeout=30,
        message="the new worker to be ready",
    )
    assert "worker exited with code -9; restarting it in 1s" in stack.log.read_text()

    # So is the SeaweedFS it started, on the same address and data.
    weed.kill()

    def weed_again() -> bool:
        new = stack.child("weed")
        return new is not None and new.pid != weed.pid and port_answers(s3_host, s3_port)

    await wait_for(weed_again, timeout=30, message="SeaweedFS to be started again")
    assert "recipes/1/photo.png" in {o.object_name for o in s3.list_objects(bucket, recursive=True)}

    # SIGKILL of the supervisor itself: its watchdog stops everything it started. A client
    # keeps its connection open: the API closes it when it stops, which leaves the API's
    # port in TIME_WAIT, and the next `make run` must start at once all the same.
    family = stack.descendants()
    names = " ".join(" ".join(p.cmdline()) for p in family)
    assert all(word in names for word in ("weed", "lifeboat serve", "lifeboat scheduler"))
    # Dramatiq's main process and the worker process it forked.
    assert sum("dramatiq workers.actors" in " ".join(p.cmdline()) for p in family) == 2
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
        stack.supervisor.kill()
        await wait_for(lambda: all(gone(p) for p in family), timeout=20, message="no process left")
    assert time_wait_on(int(port))

    again = Stack(stack_env, tmp_path / "again.log")
    try:
        ready = await asyncio.to_thread(again.wait_for_ready)
        assert ready.startswith(f"ready: {url} ")

        # SIGTERM to `make run`'s process group (make passes its copy on: the supervisor
        # gets two) stops everything it started, SeaweedFS included, and frees the ports.
        family = again.descendants()
        names = " ".join(" ".join(p.cmdline()) for p in family)
        assert all(word in names for word in ("weed", "lifeboat serve", "dramatiq workers.actors"))
        os.killpg(again.process.pid, signal.SIGTERM)
        await asyncio.to_thread(again.process.wait, 20)  # the bound
        await wait_for(lambda: all(gone(p) for p in family), timeout=10, message="no process left")
        log = again.log.read_text()
        assert "stopping worker" in log and "stopping SeaweedFS" in log
        assert not port_answers("127.0.0.1", int(port))
        assert not port_answers(s3_host, s3_port)
    finally:
        await asyncio.to_thread(again.close)

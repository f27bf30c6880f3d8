"""Live progress from real workers: backupProgress and restoreProgress over graphql-transport-ws.

The job is requested through one API process and followed through others, so these also show
that any API process serves any subscriber (the worker's NOTIFY reaches every listener).
"""

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg

from app.pipelines.context import PipelineContext
from tests.conftest import GraphQLClient
from tests.restores.support import clear_running_restores, code_for, completed_backup
from tests.support.server import running_server
from tests.support.subscriptions import graphql_socket, messages_until_complete, receive, start
from tests.support.worker import WorkerProcess, wait_for

# How long the followers may take to subscribe (a socket, its auth, the first state).
SUBSCRIBE_TIMEOUT = 60.0

PROGRESS = "progress { step percent bytesDone tablesDone stepTimes { step } }"
BACKUP_PROGRESS = f"""
subscription ($id: String!) {{ backupProgress(backupId: $id) {{ backupId status {PROGRESS} }} }}
"""
RESTORE_PROGRESS = f"""
subscription ($id: ID!) {{ restoreProgress(id: $id) {{ id status {PROGRESS} }} }}
"""
CREATE = "mutation ($input: CreateBackupInput!) { createBackup(input: $input) { backupId } }"
RESTORE = "mutation ($input: RestoreBackupInput!) { restoreBackup(input: $input) { id } }"


async def _some_data(target: asyncpg.Connection) -> None:
    """Enough rows that the export and the load each take a moment."""
    await target.execute(
        "CREATE TABLE meals (id int PRIMARY KEY, name text);"
        "INSERT INTO meals SELECT n, repeat(md5(n::text), 8) FROM generate_series(1, 60000) n;"
        "CREATE TABLE plans (id int, meal int REFERENCES meals);"
        "INSERT INTO plans SELECT n, n FROM generate_series(1, 20000) n;"
    )


async def _follow(
    url: str, token: str, query: str, job_id: str, subscribed: asyncio.Event
) -> list[dict[str, Any]]:
    """Every message of the subscription; `subscribed` is set once its first state came."""
    async with graphql_socket(url, token) as ws:
        await start(ws, "1", query, {"id": job_id})
        first = await receive(ws)
        while first.get("type") in ("ping", "pong"):
            first = await receive(ws)
        subscribed.set()
        if first.get("type") in ("complete", "error"):
            return [first]
        return [first, *await messages_until_complete(ws, "1")]


async def _followers(
    token: str, query: str, job_id: str, *urls: str
) -> list[asyncio.Task[list[dict[str, Any]]]]:
    """One follower of the job for each API process, returned once each holds the job's first
    state, so a worker started next cannot take the job out of `queued` before a follower
    saw it. (A fixed 1 s pause stood in for this; it took 0.1-0.2 s beside two CPU hogs, but
    nothing bounded it on a machine busier still.)"""
    events = [asyncio.Event() for _ in urls]
    followers = [
        asyncio.create_task(_follow(url, token, query, job_id, event))
        for url, event in zip(urls, events, strict=True)
    ]

    def subscribed_or_failed() -> bool:
        return all(event.is_set() for event in events) or any(t.done() for t in followers)

    await wait_for(subscribed_or_failed, timeout=SUBSCRIBE_TIMEOUT, message="the followers")
    for task in followers:
        if task.done():
            task.result()  # a follower that failed before its first state says why
    assert all(event.is_set() for event in events)
    return followers


def _states(messages: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    assert messages[-1] == {"id": "1", "type": "complete"}, messages[-1]
    assert all(m["type"] == "next" and "errors" not in m["payload"] for m in messages[:-1])
    return [m["payload"]["data"][field] for m in messages[:-1]]


def assert_in_order(states: list[dict[str, Any]], running: str, final: str) -> None:
    """One state after another as the job went: never back, the final one last."""
    assert [s["status"] for s in states[:-1]] == [running] * (len(states) - 1)
    assert states[-1]["status"] == final
    final_steps = [t["step"] for t in states[-1]["progress"]["stepTimes"]]
    seen = [final_steps.index(s["progress"]["step"]) for s in states[1:-1]]
    assert seen == sorted(seen), [s["progress"]["step"] for s in states]
    done = [s["progress"]["bytesDone"] or 0 for s in states]
    assert done == sorted(done)
    assert states[-1]["progress"]["percent"] == 100


async def test_two_api_processes_follow_a_backup_from_queued_to_completed(
    gql: GraphQLClient,
    live_server: str,
    admin_token: str,
    target: asyncpg.Connection,
    worker_processes: Callable[..., WorkerProcess],
    tmp_path: Path,
) -> None:
    await _some_data(target)
    # Requested through the in-process API; no worker runs yet, so it waits queued.
    body = await gql(CREATE, {"input": {"type": "FULL"}})
    backup_id = body["data"]["createBackup"]["backupId"]

    with running_server(tmp_path) as second_server:
        followers = await _followers(
            admin_token, BACKUP_PROGRESS, backup_id, live_server, second_server
        )
        worker_processes()
        results = await asyncio.gather(*followers)

    for messages in results:
        states = _states(messages, "backupProgress")
        assert states[0]["progress"]["step"] == "queued"
        assert len(states) >= 4  # queued, some steps of the export, completed
        assert_in_order(states, "CREATING", "COMPLETED")
    steps = [[s["progress"]["step"] for s in _states(m, "backupProgress")] for m in results]
    assert "export" in steps[0] and "export" in steps[1]


async def test_a_restore_is_followed_to_its_outcome(
    gql: GraphQLClient,
    live_server: str,
    admin_token: str,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    worker_processes: Callable[..., WorkerProcess],
) -> None:
    await _some_data(target)
    backup_id = await completed_backup(pipeline_context, target)
    await clear_running_restores(pipeline_context.settings.database_url)
    code = code_for(pipeline_context, backup_id)
    body = await gql(RESTORE, {"input": {"backupId": backup_id, "confirmationCode": code}})
    restore_id = body["data"]["restoreBackup"]["id"]

    (follower,) = await _followers(admin_token, RESTORE_PROGRESS, restore_id, live_server)
    worker_processes()
    states = _states(await follower, "restoreProgress")

    assert states[0]["progress"]["step"] == "queued"
    assert_in_order(states, "IN_PROGRESS", "COMPLETED")
    steps = {s["progress"]["step"] for s in states}
    assert {"load", "completed"} <= steps

"""How long a worker's progress takes to reach a subscriber: publish → NOTIFY → API → websocket.

The publisher is the worker's own code path (app.backups.lifecycle.beat: the UPDATE of the
backup's row, whose trigger NOTIFYs at commit), run in this process; the subscriber is a
graphql-transport-ws client of the API process, also here, so both ends read one clock. Each
change is a new step, which a worker publishes at once; they are spaced like a worker's
throttled updates (0.5 s).
"""

import asyncio
import contextlib
import json
import statistics
import time
from typing import Any

import asyncpg
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from app.backups import lifecycle
from app.db.engine import create_engine, session_factory
from app.db.urls import asyncpg_dsn
from bench.load import percentile

SUBSCRIPTION = """
subscription ($id: String!) { backupProgress(backupId: $id) { status progress { step } } }
"""


async def _record_creating_backup(database_url: str) -> str:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        backup_id = f"bk_latency_{int(time.time())}"
        await conn.execute(
            "INSERT INTO lifeboat.system_backups (backup_id, created_by, backup_type, status,"
            " progress) SELECT $1, id, 'full', 'creating', '{\"step\": \"queued\"}'"
            " FROM lifeboat.admin_users WHERE email = 'bench@lifeboat.invalid'",
            backup_id,
        )
        return backup_id
    finally:
        await conn.close()


async def measure(
    graphql_url: str, token: str, database_url: str, changes: int = 60, spacing: float = 0.5
) -> dict[str, Any]:
    """Publish `changes` progress changes; the delay until the subscriber had each (ms)."""
    backup_id = await _record_creating_backup(database_url)
    engine = create_engine(database_url, pool_size=1)
    sessions = session_factory(engine)
    published: dict[str, float] = {}
    received: dict[str, float] = {}
    ws_url = graphql_url.replace("http://", "ws://")
    try:
        async with connect(ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
            await ws.send(json.dumps(init))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            payload = {"query": SUBSCRIPTION, "variables": {"id": backup_id}}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            first = json.loads(await ws.recv())  # the state now: queued
            assert first["type"] == "next", first

            async def read() -> None:
                while len(received) < changes:
                    message = json.loads(await ws.recv())
                    step = message["payload"]["data"]["backupProgress"]["progress"]["step"]
                    received.setdefault(step, time.perf_counter())

            reader = asyncio.create_task(read())
            for index in range(changes):
                step = f"bench {index}"
                published[step] = time.perf_counter()
                await lifecycle.beat(sessions, backup_id, {"step": step})
                await asyncio.sleep(spacing)
            # A subscriber behind a saturated API may get some late (or never): counted below.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(reader, 60)
            reader.cancel()
    finally:
        await engine.dispose()
    delays = [(received[step] - published[step]) * 1000 for step in published if step in received]
    return {
        "changes": changes,
        "received": len(delays),
        "median_ms": round(statistics.median(delays), 2) if delays else None,
        "p90_ms": round(percentile(delays, 0.9), 2) if delays else None,
        "worst_ms": round(max(delays), 2) if delays else None,
    }

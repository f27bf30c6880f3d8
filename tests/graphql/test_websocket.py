"""GraphQL over graphql-transport-ws on /graphql needs an active admin's token, like HTTP."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from app.settings import Settings
from tests.conftest import make_admin

QUERY = "{ backups(limit: 1) { backupId } whoami: __typename }"


@asynccontextmanager
async def socket(
    url: str, headers: dict[str, str] | None = None
) -> AsyncIterator[ClientConnection]:
    ws_url = url.replace("http://", "ws://") + "/graphql"
    protocols = [Subprotocol("graphql-transport-ws")]
    async with connect(ws_url, subprotocols=protocols, additional_headers=headers) as ws:
        yield ws


async def send(ws: ClientConnection, message: dict[str, Any]) -> None:
    await ws.send(json.dumps(message))


async def receive(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
    return message


async def init(ws: ClientConnection, payload: dict[str, Any]) -> None:
    await send(ws, {"type": "connection_init", "payload": payload})


async def run(ws: ClientConnection, operation_id: str) -> dict[str, Any]:
    """Run QUERY over the socket; its one result payload."""
    await send(ws, {"id": operation_id, "type": "subscribe", "payload": {"query": QUERY}})
    result = await receive(ws)
    assert result["type"] == "next" and result["id"] == operation_id, result
    assert await receive(ws) == {"id": operation_id, "type": "complete"}
    payload: dict[str, Any] = result["payload"]
    return payload


async def close_code(ws: ClientConnection) -> int | None:
    with pytest.raises(ConnectionClosed) as closed:
        await receive(ws)
    return closed.value.rcvd.code if closed.value.rcvd else None


@pytest.mark.parametrize(
    "payload", [{}, {"Authorization": "Bearer lb_not-a-real-token"}, {"Authorization": 42}]
)
async def test_connection_without_a_valid_token_is_closed(
    live_server: str, payload: dict[str, Any]
) -> None:
    async with socket(live_server) as ws:
        await init(ws, payload)
        assert await close_code(ws) == 4403


async def test_a_query_before_connection_init_is_refused(live_server: str) -> None:
    async with socket(live_server) as ws:
        await send(ws, {"id": "1", "type": "subscribe", "payload": {"query": QUERY}})
        assert await close_code(ws) == 4401


async def test_token_in_connection_init_runs_queries(live_server: str, admin_token: str) -> None:
    async with socket(live_server) as ws:
        await init(ws, {"Authorization": f"Bearer {admin_token}"})
        assert (await receive(ws))["type"] == "connection_ack"
        payload = await run(ws, "1")
        assert payload["data"]["whoami"] == "Query"
        assert "errors" not in payload


async def test_token_in_the_handshake_header_runs_queries(
    live_server: str, admin_token: str
) -> None:
    async with socket(live_server, {"Authorization": f"Bearer {admin_token}"}) as ws:
        await init(ws, {})
        assert (await receive(ws))["type"] == "connection_ack"
        assert (await run(ws, "1"))["data"]["whoami"] == "Query"


async def test_each_operation_rechecks_the_admin(live_server: str, settings: Settings) -> None:
    admin_id, token = await make_admin()
    async with socket(live_server) as ws:
        await init(ws, {"authorization": f"Bearer {token}"})
        assert (await receive(ws))["type"] == "connection_ack"
        assert "errors" not in await run(ws, "1")

        conn = await asyncpg.connect(settings.database_url)
        try:
            await conn.execute(
                "UPDATE lifeboat.admin_users SET is_active = false WHERE id = $1", admin_id
            )
        finally:
            await conn.close()
        payload = await run(ws, "2")
        assert payload.get("data") is None
        assert payload["errors"][0]["extensions"]["code"] == "FORBIDDEN"

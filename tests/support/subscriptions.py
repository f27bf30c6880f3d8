"""A graphql-transport-ws client for tests: open a socket, subscribe, read every message."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

MESSAGE_TIMEOUT = 60.0


@asynccontextmanager
async def graphql_socket(base_url: str, token: str) -> AsyncIterator[ClientConnection]:
    """A socket on /graphql, initialised with the token (connection_ack received)."""
    ws_url = base_url.replace("http://", "ws://") + "/graphql"
    protocols = [Subprotocol("graphql-transport-ws")]
    async with connect(ws_url, subprotocols=protocols) as ws:
        await send(ws, {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        ack = await receive(ws)
        assert ack["type"] == "connection_ack", ack
        yield ws


async def send(ws: ClientConnection, message: dict[str, Any]) -> None:
    await ws.send(json.dumps(message))


async def receive(ws: ClientConnection, timeout: float = MESSAGE_TIMEOUT) -> dict[str, Any]:  # noqa: ASYNC109
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    return message


async def start(
    ws: ClientConnection, operation_id: str, query: str, variables: dict[str, Any]
) -> None:
    payload = {"query": query, "variables": variables}
    await send(ws, {"id": operation_id, "type": "subscribe", "payload": payload})


async def messages_until_complete(ws: ClientConnection, operation_id: str) -> list[dict[str, Any]]:
    """Every message of one operation up to and including its `complete` (or `error`)."""
    received = []
    while True:
        message = await receive(ws)
        if message.get("type") in ("ping", "pong"):
            continue
        assert message.get("id") == operation_id, message
        received.append(message)
        if message["type"] in ("complete", "error"):
            return received

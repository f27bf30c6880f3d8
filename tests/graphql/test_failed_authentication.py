"""Failed authentication is counted, one row per client address and minute, so a flood of
bad tokens cannot grow the audit trail without bound (over HTTP and websockets alike)."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from app.settings import Settings
from tests.support.audit import audit_rows

QUERY = {"query": "{ backups { backupId } }"}


@pytest.fixture(scope="module")
async def behind_proxy(databases: None, archives: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The API as deployed behind a proxy on 127.0.0.1 (the test client's address)."""
    from app.main import create_app

    application = create_app(Settings(trusted_proxies="127.0.0.1"))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://lifeboat.test") as http:
            yield http


async def failures_from(address: str) -> list[dict[str, Any]]:
    return await audit_rows("action = 'authenticate' AND client_address = $1", address)


def an_address() -> str:
    return f"198.51.100.{uuid.uuid4().int % 250 + 1}"


async def test_a_flood_of_bad_tokens_is_one_counted_row_a_minute(
    behind_proxy: httpx.AsyncClient,
) -> None:
    address = an_address()
    before = sum(row["count"] for row in await failures_from(address))
    flood = 300
    for start in range(0, flood, 50):
        await asyncio.gather(
            *(
                behind_proxy.post(
                    "/graphql",
                    json=QUERY,
                    headers={
                        "Authorization": f"Bearer lb_guess{start + i}",
                        "X-Forwarded-For": address,
                    },
                )
                for i in range(50)
            )
        )
    rows = await failures_from(address)
    # At most one row per minute: the flood may straddle a minute's end, hence two.
    assert 1 <= len(rows) <= 2 + (1 if before else 0)
    assert sum(row["count"] for row in rows) == before + flood
    assert {(row["actor"], row["outcome"]) for row in rows} == {("anonymous", "UNAUTHENTICATED")}
    assert all(row["admin_email"] is None and row["arguments"] is None for row in rows)


async def test_no_token_at_all_counts_too(behind_proxy: httpx.AsyncClient) -> None:
    address = an_address()
    await behind_proxy.post("/graphql", json=QUERY, headers={"X-Forwarded-For": address})
    [row] = await failures_from(address)
    assert row["count"] == 1


async def test_an_untrusted_peer_is_counted_under_its_own_address(
    client: httpx.AsyncClient,
) -> None:
    forged = an_address()
    await client.post(
        "/graphql",
        json=QUERY,
        headers={"Authorization": "Bearer lb_guess", "X-Forwarded-For": forged},
    )
    assert await failures_from(forged) == []


async def test_a_websocket_with_a_bad_token_is_counted(live_server: str) -> None:
    before = sum(row["count"] for row in await failures_from("127.0.0.1"))
    ws_url = live_server.replace("http://", "ws://") + "/graphql"
    protocols = [Subprotocol("graphql-transport-ws")]
    async with connect(ws_url, subprotocols=protocols) as ws:
        await ws.send('{"type": "connection_init", "payload": {"Authorization": "Bearer lb_x"}}')
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
    after = sum(row["count"] for row in await failures_from("127.0.0.1"))
    assert after == before + 1
